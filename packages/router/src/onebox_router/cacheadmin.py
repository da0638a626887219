"""`CacheAdmin`: the owner's view of the response cache (list, show, forget, clear, supersede).

`ResponseCache` serves answers on the hot path; this module is the slow, explicit side of the
same table (``router_cache``) for the command line, the dashboard and FAQ edits. A row deleted
here is never served again by a running process: an exact lookup reads the table, and a
paraphrase hit reads its row back by id before answering (`ResponseCache`).

`superseded` finds the cached answers to questions that a new or removed FAQ entry answers,
by the cache's own paraphrase match (the same `similarity` and slot guards a lookup uses):
a cached row is superseded when the FAQ question, looked up in the cache, would have been
answered by it. `delete_answers` deletes them inside the FAQ change's transaction.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import orjson
import sqlalchemy as sa
from onebox_bus import Database

from ._schema import cache as table
from .matching import Signature, make_signature
from .paraphrase import signature, similarity

#: Rows read per query while looking for superseded answers (memory stays bounded).
SCAN_BATCH = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedAnswer:
    """One cached answer as the owner sees it.

    The cache never keeps the customer's wording: `tokens` is the question's normalised
    signature (what lookups match on).
    """

    id: int
    key: str
    tokens: tuple[str, ...]
    answer: str
    provider: str
    model: str
    created_at: float
    expires_at: float
    #: How many times it was served (counts reach the table in batches, a little behind).
    reuse_count: int = 0


#: How `CacheAdmin.list` orders its rows.
CacheOrder = Literal["newest", "reuse"]


def _parse(stored: str) -> Signature:
    tokens, critical = orjson.loads(stored)
    return make_signature(tokens, critical)


def _to_answer(row: sa.Row[tuple[object, ...]]) -> CachedAnswer:
    m = row._mapping
    sig = _parse(m["signature"])
    return CachedAnswer(
        id=int(m["id"]),
        key=m["key"],
        tokens=tuple(sorted(sig.tokens | sig.critical)),
        answer=m["answer"],
        provider=m["provider"],
        model=m["model"],
        created_at=float(m["created_at"]),
        expires_at=float(m["expires_at"]),
        reuse_count=int(m["reuse_count"]),
    )


def _where(ref: str) -> sa.ColumnElement[bool]:
    """The row named by `ref`: its id (digits) or its 64-character key."""
    ref = ref.strip()
    if ref.isdigit():
        return table.c.id == int(ref)
    return table.c.key == ref.lower()


def superseded(conn: sa.Connection, questions: Sequence[str], *, threshold: float) -> list[int]:
    """The ids of the cached answers to any of `questions` (or to a paraphrase of one).

    A read of the whole table in batches: callers run it before their
    write transaction, so the database's write lock is not held meanwhile.
    """
    wanted = [sig for q in questions if not (sig := signature(q)).empty]
    if not wanted:
        return []
    slots = {sig.critical for sig in wanted}
    found: list[int] = []
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, table.c.signature)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(SCAN_BATCH)
        ).all()
        if not rows:
            return found
        last = rows[-1].id
        for row in rows:
            tokens, critical = orjson.loads(row.signature)
            # Reuse needs every slot to agree (docs/router.md): rows whose slots differ from
            # every question's are skipped before their signature is rebuilt.
            if frozenset(critical) not in slots:
                continue
            stored = make_signature(tokens, critical)
            if any(similarity(sig, stored) >= threshold for sig in wanted):
                found.append(row.id)


def delete_answers(conn: sa.Connection, ids: Sequence[int]) -> int:
    """Delete the cached answers `ids` on the caller's transaction; how many were still there."""
    deleted = 0
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        deleted += conn.execute(sa.delete(table).where(table.c.id.in_(chunk))).rowcount
    return deleted


class CacheAdmin:
    """Lists, shows and deletes rows of the response cache.

    Args:
        db: the migrated shared database.
        clock: wall clock (unix seconds), to tell live rows from expired ones.
    """

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    def list(self, *, limit: int = 100, by: CacheOrder = "newest") -> list[CachedAnswer]:
        """The live cached answers (at most `limit`), newest first or most reused first."""
        order: tuple[sa.UnaryExpression[int], ...]
        if by == "reuse":
            order = (table.c.reuse_count.desc(), table.c.id.desc())
        elif by == "newest":
            order = (table.c.id.desc(),)
        else:
            raise ValueError(f"unknown order {by!r}: 'newest' or 'reuse'")
        query = (
            sa.select(table).where(table.c.expires_at > self._clock()).order_by(*order).limit(limit)
        )
        return [_to_answer(r) for r in self._db.read(lambda c: c.execute(query).all())]

    def most_reused(self, limit: int = 20) -> builtins.list[CachedAnswer]:
        """The live cached answers served most often, most first (at most `limit`)."""
        return self.list(limit=limit, by="reuse")

    def count(self) -> int:
        """How many rows the table holds (expired ones included)."""
        query = sa.select(sa.func.count()).select_from(table)
        return int(self._db.read(lambda c: c.execute(query).scalar_one()))

    def get(self, ref: str) -> CachedAnswer | None:
        """The row named by `ref` (its id or its key), expired or not; None when unknown."""
        query = sa.select(table).where(_where(ref))
        row = self._db.read(lambda c: c.execute(query).first())
        return _to_answer(row) if row is not None else None

    def forget(self, ref: str) -> bool:
        """Delete the row named by `ref`; False when there is none."""
        statement = sa.delete(table).where(_where(ref))
        return bool(self._db.write(lambda c: c.execute(statement).rowcount))

    def clear(self) -> int:
        """Delete every cached answer; how many rows went."""
        return int(self._db.write(lambda c: c.execute(sa.delete(table)).rowcount))
