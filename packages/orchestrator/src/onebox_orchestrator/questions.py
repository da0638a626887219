"""Questions the bot could not answer, grouped so that paraphrases fall into one group.

A customer message gets a holding reply (the router failed), or ends in the offline fallback
without an FAQ match (handed to a person for that reason, or not): the handler calls
`QuestionGroups.assign` on the connection of the unit of work that stores the turn, and the
customer's turn names the group it joined (``orchestrator_turns.question_group``).
Escalations the business file asks for (a person asked for, a keyword, an intent) are not
questions the bot failed: an FAQ answer would not change them, so they join no group.

Grouping reuses the router's paraphrase matching (`onebox_router.paraphrase`): two questions
join when their slots (language, day, number, negation...) are identical and their topics
overlap at least `GROUP_THRESHOLD`. Only groups with the same slots are ever compared,
through an index, so a message compares itself with a handful of rows. The group's id is its
row id: stable while the group has a question kept.

A group keeps only the normalised signature of its first question (and, once answered, the
owner's answer): its count, first/last seen and example are read from the turns still kept,
so nothing older than the retention shows. `mark_answered` closes a group (it then takes no
new questions; a question asked again that the new FAQ entry does not cover opens a new
group). Two processes grouping paraphrases at the same moment on PostgreSQL may open two
groups for them; both are shown, and either can be answered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from onebox_bus import Database
from onebox_router.matching import make_signature
from onebox_router.paraphrase import signature, similarity
from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from ._schema import question_groups as groups
from ._schema import turns

GROUP_THRESHOLD = 0.5
"""The least paraphrase similarity for two questions to share a group. Lower than the cache's
reuse threshold (0.8): a wrong group costs the owner a glance, a wrong cached answer misleads a
customer. Slots must agree whatever the score."""
MAX_QUESTION = 2000
"""Characters of a question that are matched (the rest changes no group)."""

_CANDIDATES = select(groups.c.id, groups.c.tokens).where(
    groups.c.critical == bindparam("critical"), groups.c.answered_at.is_(None)
)
_TOUCH = update(groups).where(groups.c.id == bindparam("gid")).values(last_at=bindparam("now"))


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionGroup:
    """One group of unanswered questions, as the owner's view shows it.

    Attributes:
        id: the stable group id.
        count: how many kept customer messages fell into it.
        first_at / last_at: the first and last of them (unix seconds).
        example: the newest wording; `question` the oldest kept one (the FAQ question).
        answered_at: when the owner answered it (None while open).
        faq_id: the FAQ entry the answer became.
        answer: the owner's answer, as written (shown escaped).
    """

    id: int
    count: int
    first_at: float
    last_at: float
    example: str
    question: str
    answered_at: float | None = None
    faq_id: str | None = None
    answer: str | None = None

    def as_json(self) -> dict[str, object]:
        """The group as the API returns it."""
        return {
            "id": self.id,
            "count": self.count,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "example": self.example,
            "question": self.question,
            "answered_at": self.answered_at,
            "faq_id": self.faq_id,
            "answer": self.answer,
        }


class QuestionGroups:
    """The unanswered question groups in ``orchestrator_question_groups``.

    Args:
        db: the shared database (reads; `answer`).
        retention: seconds a turn is kept (``ONEBOX_HISTORY_RETENTION_DAYS``): older
            questions are not counted.
        clock: the time source.
    """

    def __init__(
        self,
        db: Database,
        *,
        retention: float = 30 * 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.retention = retention
        self.clock = clock

    def assign(self, conn: Connection, question: str) -> int | None:
        """The open group `question` joins (created if none fits), on the unit's `conn`.

        Returns None for a question with no content to match (an emoji, an empty caption).
        """
        sig = signature(question[:MAX_QUESTION])
        if sig.empty:
            return None
        critical = " ".join(sorted(sig.critical))[:500]
        now = self.clock()
        best, best_score = None, 0.0
        for gid, tokens in conn.execute(_CANDIDATES, {"critical": critical}).all():
            score = similarity(sig, make_signature(tokens.split(), sig.critical))
            if score > best_score:
                best, best_score = int(gid), score
        if best is not None and best_score >= GROUP_THRESHOLD:
            conn.execute(_TOUCH, {"gid": best, "now": now})
            return best
        row = {
            "critical": critical,
            "tokens": " ".join(sorted(sig.tokens)),
            "first_at": now,
            "last_at": now,
        }
        return int(conn.execute(insert(groups).values(row).returning(groups.c.id)).scalar_one())

    def listing(
        self, *, answered: bool = False, limit: int = 50, offset: int = 0
    ) -> list[QuestionGroup]:
        """Groups with questions kept, most asked first (`answered`: the answered ones)."""
        since = self.clock() - self.retention
        asked = (
            select(
                turns.c.question_group.label("gid"),
                func.count().label("n"),
                func.min(turns.c.created_at).label("first_at"),
                func.max(turns.c.created_at).label("last_at"),
            )
            .where(turns.c.question_group.is_not(None), turns.c.created_at >= since)
            .group_by(turns.c.question_group)
            .subquery()
        )
        state = groups.c.answered_at.is_not(None) if answered else groups.c.answered_at.is_(None)
        query = (
            select(groups.c.id, asked.c.n, asked.c.first_at, asked.c.last_at,
                   groups.c.answered_at, groups.c.faq_id, groups.c.answer)
            .join(asked, asked.c.gid == groups.c.id)
            .where(state)
            .order_by(asked.c.n.desc(), asked.c.last_at.desc(), groups.c.id)
            .limit(limit)
            .offset(offset)
        )  # fmt: skip
        rows = self.db.read(lambda conn: conn.execute(query).all())
        return [self._group(r, since=since) for r in rows]

    def get(self, group_id: int) -> QuestionGroup | None:
        """One group (answered or not), or None when unknown or nothing of it is kept."""
        since = self.clock() - self.retention
        query = (
            select(groups.c.id, func.count(turns.c.id), func.min(turns.c.created_at),
                   func.max(turns.c.created_at), groups.c.answered_at, groups.c.faq_id,
                   groups.c.answer)
            .join(turns, and_(turns.c.question_group == groups.c.id,
                              turns.c.created_at >= since))
            .where(groups.c.id == group_id)
            .group_by(groups.c.id, groups.c.answered_at, groups.c.faq_id, groups.c.answer)
        )  # fmt: skip
        row = self.db.read(lambda conn: conn.execute(query).first())
        return None if row is None else self._group(row, since=since)

    def _group(self, row: Sequence[Any], *, since: float) -> QuestionGroup:
        gid, n, first_at, last_at, answered_at, faq_id, answer = row
        example, question = self._wordings(int(gid), since=since)
        return QuestionGroup(
            id=int(gid), count=int(n), first_at=float(first_at), last_at=float(last_at),
            example=example, question=question,
            answered_at=None if answered_at is None else float(answered_at), faq_id=faq_id,
            answer=answer,
        )  # fmt: skip

    def _wordings(self, gid: int, *, since: float) -> tuple[str, str]:
        def one(newest: bool) -> str:
            order = turns.c.created_at.desc() if newest else turns.c.created_at
            query = (
                select(turns.c.text)
                .where(turns.c.question_group == gid, turns.c.created_at >= since)
                .order_by(order, turns.c.id.desc() if newest else turns.c.id)
                .limit(1)
            )
            return self.db.read(lambda conn: conn.execute(query).scalar()) or ""

        return one(True), one(False)

    def mark_answered(
        self, conn: Connection, group_id: int, *, faq_id: str | None, answer: str
    ) -> bool:
        """Mark an open group answered on `conn` with the owner's `answer`; False if it was
        not open."""
        query = (
            update(groups)
            .where(groups.c.id == group_id, groups.c.answered_at.is_(None))
            .values(answered_at=self.clock(), faq_id=faq_id, answer=answer)
        )
        return bool(conn.execute(query).rowcount)

    def settle(self, question: str, *, faq_id: str | None, answer: str) -> list[int]:
        """Mark answered the open groups `question` would join (an FAQ entry added outside the
        dashboard, e.g. ``onebox faq add``); their ids."""
        sig = signature(question[:MAX_QUESTION])
        if sig.empty:
            return []
        critical = " ".join(sorted(sig.critical))[:500]

        def work(conn: Connection) -> list[int]:
            settled = []
            for gid, tokens in conn.execute(_CANDIDATES, {"critical": critical}).all():
                score = similarity(sig, make_signature(tokens.split(), sig.critical))
                if score >= GROUP_THRESHOLD and self.mark_answered(
                    conn, int(gid), faq_id=faq_id, answer=answer
                ):
                    settled.append(int(gid))
            return settled

        return self.db.write(work)
