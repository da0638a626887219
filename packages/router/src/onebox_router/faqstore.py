"""`FaqStore`: the business's FAQ entries in the shared database, editable while running.

The FAQ file (``ONEBOX_FAQ_FILE``, or the example shipped with the package) is only the seed;
the entries live in ``router_faq`` because a service under the shipped systemd hardening may
write the database but not its configuration files. How the two relate (`FaqStore.seed`, run
by the orchestrator at every start):

- an entry is known by its content (the whitespace-collapsed question and answer);
- a file entry whose content is not yet known is imported (``source = 'file'``);
- a known entry is left as it is, so an entry the owner removed stays removed, whatever the
  file says (`add` the same question and answer to bring it back);
- a file entry no longer in the file (the file was edited) is removed;
- the owner's entries (``source = 'owner'``) are never touched by the file.

Every change raises ``router_faq_state.revision`` (one row, made by the first change) in
the same transaction, and deletes the cached answers the changed entry supersedes
(`onebox_router.cacheadmin.superseded`): the cached answers to its question and to
paraphrases of it. They are looked for before the transaction (a scan of the cache), so the
write lock is held only for the deletes; an answer written behind by a routing that was
running during the change is deleted by `LiveFaq` a little later. `LiveFaq` keeps a
process's copy of the entries and reloads it only when the revision moved: one primary-key
read per message.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
import structlog
from onebox_bus import Database
from sqlalchemy.dialects import postgresql, sqlite

from ._schema import faq as table
from ._schema import faq_state as state
from .cacheadmin import delete_answers, superseded
from .errors import RouterError
from .offline import FaqEntry

log = structlog.get_logger()

FaqSource = Literal["file", "owner"]
MAX_QUESTION_CHARS = 500
"""The longest question accepted (a customer's question, not an essay)."""
MAX_ANSWER_CHARS = 4000
"""The longest answer accepted: it must fit in one Telegram message (4096 characters)."""
DEFAULT_SUPERSEDE_THRESHOLD = 0.8
"""The cache's default paraphrase threshold (`RoutingPolicy.cache_similarity`)."""


class FaqError(RouterError, ValueError):
    """An FAQ entry that cannot be stored (empty, too long); the message says why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFaq:
    """One FAQ entry as stored.

    Attributes:
        id: its number (``onebox faq remove ID``).
        question: the question, as given (HTML included: escaping is the display's job).
        answer: the answer, as given.
        source: ``file`` (imported from the FAQ file) or ``owner`` (added at runtime).
        created_at: unix seconds (UTC) when it was stored.
    """

    id: int
    question: str
    answer: str
    source: FaqSource
    created_at: float

    def entry(self) -> FaqEntry:
        """The question and answer, as the offline answerer takes them."""
        return FaqEntry(question=self.question, answer=self.answer)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedResult:
    """What `FaqStore.seed` changed: file entries imported and file entries removed."""

    imported: int
    retired: int


def content_key(question: str, answer: str) -> str:
    """The identity of an entry: SHA-256 of its whitespace-collapsed question and answer."""
    text = " ".join(question.split()) + "\x00" + " ".join(answer.split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validate(question: str, answer: str) -> tuple[str, str]:
    """The question and answer trimmed of surrounding blanks, or `FaqError` saying what is wrong."""
    question, answer = question.strip(), answer.strip()
    for name, text, limit in (
        ("question", question, MAX_QUESTION_CHARS),
        ("answer", answer, MAX_ANSWER_CHARS),
    ):
        if not text:
            raise FaqError(f"the {name} is empty")
        if len(text) > limit:
            raise FaqError(
                f"the {name} is {len(text)} characters long; the limit is {limit} characters"
            )
        if "\x00" in text:
            raise FaqError(f"the {name} contains a NUL character")
    return question, answer


def _to_faq(row: sa.Row[tuple[object, ...]]) -> StoredFaq:
    m = row._mapping
    return StoredFaq(
        id=int(m["id"]),
        question=m["question"],
        answer=m["answer"],
        source=m["source"],
        created_at=float(m["created_at"]),
    )


_LIVE = sa.select(table).where(table.c.removed_at.is_(None))
_REVISION = sa.select(state.c.revision).where(state.c.id == 1)


class FaqStore:
    """Reads and changes ``router_faq``; every change is one transaction.

    Args:
        db: the migrated shared database.
        clock: wall clock (unix seconds).
        supersede_threshold: the paraphrase similarity at which a cached answer counts as
            answering an entry's question (use the routing policy's ``cache_similarity``).
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], float] = time.time,
        supersede_threshold: float = DEFAULT_SUPERSEDE_THRESHOLD,
    ) -> None:
        self.db = db
        self.clock = clock
        self.supersede_threshold = supersede_threshold
        self.superseded = 0
        """How many cached answers the last change of this store deleted."""
        dialect = postgresql if db.kind == "postgresql" else sqlite
        self._insert = dialect.insert(table)
        first = dialect.insert(state).values(id=1, revision=1)
        self._bump = first.on_conflict_do_update(
            index_elements=[state.c.id], set_={"revision": state.c.revision + 1}
        )

    # -- reads ---------------------------------------------------------------------------

    def list(self) -> list[StoredFaq]:
        """The current entries, oldest first."""
        query = _LIVE.order_by(table.c.id)
        return [_to_faq(r) for r in self.db.read(lambda c: c.execute(query).all())]

    def get(self, faq_id: int) -> StoredFaq | None:
        """The current entry `faq_id`; None when unknown or removed."""
        query = _LIVE.where(table.c.id == faq_id)
        row = self.db.read(lambda c: c.execute(query).first())
        return _to_faq(row) if row is not None else None

    def revision(self) -> int:
        """A number that changes with every add and remove, in any process (one row read)."""
        value = self.db.read(lambda c: c.execute(_REVISION).scalar())
        return int(value or 0)

    # -- changes -------------------------------------------------------------------------

    def add(self, question: str, answer: str) -> StoredFaq:
        """Store an owner's entry and delete the cached answers it supersedes.

        Adding an entry that exists returns it unchanged; adding one that was removed brings
        it back.

        Raises:
            FaqError: empty question or answer, or one over its limit.
        """
        question, answer = validate(question, answer)
        key = content_key(question, answer)
        doomed = self._superseded([question])

        def work(conn: sa.Connection) -> tuple[StoredFaq, int]:
            now = self.clock()
            inserted = self._insert_new(conn, question, answer, key, source="owner", now=now)
            row = conn.execute(sa.select(table).where(table.c.content_key == key)).one()
            if not inserted and row.removed_at is None:
                return _to_faq(row), 0
            if not inserted:
                conn.execute(
                    sa.update(table)
                    .where(table.c.id == row.id)
                    .values(removed_at=None, source="owner", created_at=now)
                )
                row = conn.execute(sa.select(table).where(table.c.id == row.id)).one()
            return _to_faq(row), self._changed(conn, doomed)

        stored, self.superseded = self.db.write(work)
        log.info("faq.added", faq_id=stored.id, superseded=self.superseded)
        return stored

    def remove(self, faq_id: int) -> bool:
        """Remove entry `faq_id` (kept as removed, so the file cannot bring it back) and
        delete the cached answers derived from it; False when there is no such entry."""
        entry = self.get(faq_id)
        if entry is None:
            return False
        doomed = self._superseded([entry.question])

        def work(conn: sa.Connection) -> int | None:
            gone = conn.execute(
                sa.update(table)
                .where(table.c.id == faq_id, table.c.removed_at.is_(None))
                .values(removed_at=self.clock())
            ).rowcount
            return self._changed(conn, doomed) if gone else None

        deleted = self.db.write(work)
        if deleted is None:
            return False  # removed by someone else meanwhile
        self.superseded = deleted
        log.info("faq.removed", faq_id=faq_id, superseded=deleted)
        return True

    def seed(self, entries: Iterable[FaqEntry]) -> SeedResult:
        """Bring the file's entries in (see the module docstring for the rule).

        An entry the owner could not have added (empty, over a limit) is skipped with a
        warning naming its position in the file.
        """
        wanted: dict[str, tuple[str, str]] = {}
        for number, entry in enumerate(entries, start=1):
            try:
                question, answer = validate(entry.question, entry.answer)
            except FaqError as exc:
                log.warning("faq.file_entry_skipped", entry=number, reason=str(exc))
                continue
            wanted.setdefault(content_key(question, answer), (question, answer))

        columns = (table.c.id, table.c.content_key, table.c.source, table.c.question,
                   table.c.removed_at)  # fmt: skip
        known = self.db.read(lambda c: c.execute(sa.select(*columns)).all())
        keys = {row.content_key for row in known}
        new = {key: entry for key, entry in wanted.items() if key not in keys}
        gone = [
            row for row in known
            if row.source == "file" and row.removed_at is None and row.content_key not in wanted
        ]  # fmt: skip
        if not new and not gone:
            return SeedResult(imported=0, retired=0)
        doomed = self._superseded([q for q, _ in new.values()] + [row.question for row in gone])

        def work(conn: sa.Connection) -> SeedResult:
            now = self.clock()
            imported = sum(
                self._insert_new(conn, question, answer, key, source="file", now=now)
                for key, (question, answer) in new.items()
            )
            retired = 0
            for row in gone:
                retired += conn.execute(
                    sa.update(table)
                    .where(table.c.id == row.id, table.c.removed_at.is_(None))
                    .values(removed_at=now)
                ).rowcount
            if imported or retired:
                self.superseded = self._changed(conn, doomed)
            return SeedResult(imported=imported, retired=retired)

        result = self.db.write(work)
        if result.imported or result.retired:
            log.info("faq.seeded", imported=result.imported, retired=result.retired)
        return result

    def _insert_new(
        self, conn: sa.Connection, question: str, answer: str, key: str, *,
        source: FaqSource, now: float,
    ) -> bool:  # fmt: skip
        """Insert the entry unless its content is known (another writer may race us)."""
        row = {
            "question": question, "answer": answer, "source": source, "content_key": key,
            "created_at": now, "removed_at": None,
        }  # fmt: skip
        statement = (
            self._insert.values(row)
            .on_conflict_do_nothing(index_elements=[table.c.content_key])
            .returning(table.c.id)
        )
        return conn.execute(statement).first() is not None

    def forget_answers(self, questions: Sequence[str]) -> int:
        """Delete the cached answers to `questions` (or paraphrases) without an FAQ change.

        `LiveFaq` calls it a while after a change, for answers written behind by routings
        that were already running when the change was made.
        """
        doomed = self._superseded(questions)
        if not doomed:
            return 0
        return self.db.write(lambda conn: delete_answers(conn, doomed))

    def _superseded(self, questions: Sequence[str]) -> Sequence[int]:
        """The cached answers a change of `questions` supersedes (read before the change)."""
        threshold = self.supersede_threshold
        return self.db.read(lambda c: superseded(c, questions, threshold=threshold))

    def _changed(self, conn: sa.Connection, doomed: Sequence[int]) -> int:
        """Raise the revision and delete the superseded cached answers; how many went."""
        conn.execute(self._bump)
        return delete_answers(conn, doomed)


#: Seconds after noticing a change before the second look for superseded answers: a routing's
#: deadline (30 s by default) and the time its answer takes to be written behind.
SETTLE_S = 40.0


class LiveFaq:
    """A process's copy of the current entries, reloaded when the store's revision moves.

    `refresh` costs one primary-key read when nothing changed; after a change it reloads the
    entries and calls every listener with them (on the refreshing thread). Safe to call from
    several threads.

    A routing that was already asking a model when the owner changed an entry writes its
    answer to the cache after the change deleted the superseded ones. So `settle_s` after
    noticing a change, `refresh` deletes the cached answers to the changed entries' questions
    once more (`FaqStore.forget_answers`), before the message it runs for is routed.

    Args:
        store: where the entries are.
        clock: a monotonic clock (seconds).
        settle_s: how long after a change the second deletion runs (at least the routing
            deadline plus the time to write an answer behind).
    """

    def __init__(
        self,
        store: FaqStore,
        *,
        clock: Callable[[], float] = time.monotonic,
        settle_s: float = SETTLE_S,
    ) -> None:
        self.store = store
        self._clock = clock
        self._settle_s = settle_s
        self._lock = threading.Lock()
        self._listeners: list[Callable[[list[StoredFaq]], None]] = []
        self._pending: list[tuple[float, list[str]]] = []
        self.revision = store.revision()
        self.entries: list[StoredFaq] = store.list()

    def subscribe(self, listener: Callable[[list[StoredFaq]], None]) -> None:
        """Call `listener` with the current entries now, and again after every change."""
        with self._lock:
            self._listeners.append(listener)
            entries = self.entries
        listener(entries)

    def refresh(self) -> bool:
        """Reload the entries when the revision changed; whether it had.

        Also runs the second deletion of superseded answers when one is due.
        """
        if self._pending:
            self._settle()
        revision = self.store.revision()
        if revision == self.revision:
            return False
        with self._lock:
            if revision == self.revision:
                return False
            entries = self.store.list()
            before = {e.id: e for e in self.entries}
            after = {e.id: e for e in entries}
            changed = [e.question for i, e in after.items() if before.get(i) != e]
            changed += [e.question for i, e in before.items() if i not in after]
            if changed:
                self._pending.append((self._clock() + self._settle_s, changed))
            self.entries, self.revision = entries, revision
            listeners = list(self._listeners)
        for listener in listeners:
            listener(entries)
        log.info("faq.reloaded", revision=revision, entries=len(entries))
        return True

    def _settle(self) -> None:
        now = self._clock()
        with self._lock:
            due = [questions for at, questions in self._pending if at <= now]
            self._pending = [(at, q) for at, q in self._pending if at > now]
        questions = [question for batch in due for question in batch]
        if questions:
            forgotten = self.store.forget_answers(questions)
            log.info("faq.settled", questions=len(questions), forgotten=forgotten)
