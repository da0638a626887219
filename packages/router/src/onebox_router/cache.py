"""The response cache, in the shared database (table ``router_cache``).

A lookup is keyed on a *namespace* (a hash of the system prompt and the versions of what the
answer depends on: the FAQ and the routing configuration) and on the question's signature
(`onebox_router.paraphrase`: its slots and topics), keyed on the FAQ entry it maps to when there
is one (`onebox_router.anchor`). Exact signature matches are one indexed read; paraphrases are
found in an in-memory index of the namespace's signatures (by slots, then by topic), kept in
step with the table (rows added by any process are picked up by id), and the chosen row is read
back so expired or deleted rows are never served. Two questions whose slots differ (a day, a
number, a place, who it is for, a negation, the language...) never match. The router decides
what may use the cache at all (`onebox_router.privacy`): personal and context-dependent messages
never reach it.

All methods are synchronous (SQLAlchemy Core on the process's `Database`); the router calls
them in a worker thread, or `lookup_exact` on the event loop on SQLite.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import orjson
import sqlalchemy as sa
from onebox_bus import Database
from onebox_bus.compiled import Compiled
from onebox_bus.retention import purge_before
from sqlalchemy.dialects import postgresql, sqlite

from ._schema import cache as table
from .anchor import FaqAnchors, QuestionAnswer, anchor_of
from .matching import Signature, make_signature
from .paraphrase import signature, similarity, warm


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheHit:
    """A cached answer, its row's id, and how it was found (``exact`` or ``similar``)."""

    id: int
    answer: str
    provider: str
    model: str
    match: str
    score: float


@dataclass(slots=True)
class CacheStats:
    """Lookups since start: exact hits, paraphrase hits, misses, and stores."""

    exact: int = 0
    similar: int = 0
    misses: int = 0
    stores: int = 0

    @property
    def hit_rate(self) -> float:
        """Hits over lookups (0 when none)."""
        lookups = self.exact + self.similar + self.misses
        return (self.exact + self.similar) / lookups if lookups else 0.0


@dataclass(slots=True)
class _Entry:
    sig: Signature
    expires_at: float


@dataclass(slots=True)
class _Namespace:
    entries: dict[int, _Entry] = field(default_factory=dict)
    by_token: dict[str, set[int]] = field(default_factory=dict)
    by_slots: dict[frozenset[str], set[int]] = field(default_factory=dict)


_ANSWER = (table.c.id, table.c.answer, table.c.provider, table.c.model)
_EXACT = sa.select(*_ANSWER).where(
    table.c.key == sa.bindparam("key"), table.c.expires_at > sa.bindparam("now")
)
_BY_ID = sa.select(*_ANSWER).where(
    table.c.id == sa.bindparam("id"), table.c.expires_at > sa.bindparam("now")
)


_NEWER = (
    sa.select(table.c.id, table.c.namespace, table.c.signature, table.c.expires_at)
    .where(table.c.id > sa.bindparam("last"))
    .order_by(table.c.id)
)


#: A re-stored answer is a new answer: its reuse count starts again.
_REPLACED = ("answer", "provider", "model", "created_at", "expires_at", "reuse_count")

_REUSED = (
    sa.update(table)
    .where(table.c.id == sa.bindparam("row_id"))
    .values(reuse_count=table.c.reuse_count + sa.bindparam("served"))
)

#: The `ttl_by_class` key of answers to questions keyed on an FAQ entry.
FAQ_CLASS = "faq"


def _upsert(dialect: str) -> sa.Executable:
    """INSERT ... ON CONFLICT (key) DO UPDATE, in the dialect's spelling (rows bound later)."""
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(
            index_elements=[table.c.key], set_={k: pg.excluded[k] for k in _REPLACED}
        )
    lite = sqlite.insert(table)
    return lite.on_conflict_do_update(
        index_elements=[table.c.key], set_={k: lite.excluded[k] for k in _REPLACED}
    )


def namespace(*parts: str) -> str:
    """The namespace of everything an answer depends on (system prompt, class, versions)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _key(ns: str, sig: Signature) -> str:
    return hashlib.sha256(f"{ns}\x00{sig.key}".encode()).hexdigest()


class ResponseCache:
    """Exact and paraphrase lookups of answers, with a time to live.

    Args:
        db: the migrated shared database.
        clock: wall clock (unix seconds).
        ttl_s: how long an answer is served.
        threshold: the least `similarity` for a paraphrase hit (exact hits need none).
        anchors: the business's FAQ entries: a question that maps to one is keyed on it
            (`onebox_router.anchor`); `anchor` replaces them when the FAQ changes.
        anchored_threshold: the least `similarity` between two questions mapped to the same
            FAQ entry whose only differences are words outside the concept tables (every
            slot already agrees; "open Saturday? I want pastéis de nata" / "open Saturday?").
        ttl_by_class: a time to live per message class (``simple``, ``complex``) and for
            answers to questions keyed on an FAQ entry (``faq``, which wins); `ttl_s` for the
            rest.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], float],
        ttl_s: float = 86_400.0,
        threshold: float = 0.8,
        anchors: Sequence[QuestionAnswer] = (),
        anchored_threshold: float = 0.5,
        ttl_by_class: Mapping[str, float] | None = None,
    ) -> None:
        self._db = db
        self._upsert = _upsert(db.kind)
        self._clock = clock
        self.ttl_s = ttl_s
        self.ttl_by_class = dict(ttl_by_class or {})
        self.threshold = threshold
        self.anchored_threshold = min(threshold, anchored_threshold)
        self.stats = CacheStats()
        self._lock = threading.Lock()
        self._index: dict[str, _Namespace] = {}
        self._last_id = 0
        self._anchors = FaqAnchors(anchors)
        self._exact = Compiled(_EXACT, db.kind)  # on every message's path: the driver's cursor
        warm()  # the roots of inflections, built before the first customer's message

    def anchor(self, entries: Sequence[QuestionAnswer]) -> None:
        """Key questions on these FAQ entries from now on (call again when the FAQ changes).

        Answers stored under an entry that changed or went away are no longer found: the
        entry's key part is a hash of its question and answer.
        """
        self._anchors = FaqAnchors(entries)

    def signature(self, question: str) -> Signature:
        """The signature `question` is looked up and stored under (anchored on the FAQ)."""
        return self._anchors.key(signature(question), question)

    def lookup(self, ns: str, question: str) -> CacheHit | None:
        """The cached answer to `question` (or a paraphrase of it) in namespace `ns`."""
        sig = self.signature(question)
        return self.lookup_exact(ns, sig) or self.lookup_similar(ns, sig)

    @property
    def inline_reads(self) -> bool:
        """Whether `lookup_exact` is cheap and lock-free enough to call on the event loop."""
        return self._db.sqlite

    def lookup_exact(self, ns: str, sig: Signature) -> CacheHit | None:
        """The answer stored under exactly this signature (one indexed read; no miss counted).

        It reads on the calling thread's long-lived connection in autocommit mode: on SQLite in
        WAL mode a reader takes no lock and never waits for a writer, so the read takes tens of
        microseconds and may run on the event loop.
        """
        if sig.empty:
            return None
        params = {"key": _key(ns, sig), "now": self._clock()}
        row = self._db.read(lambda conn: self._exact.first(conn, params))
        if row is None:
            return None
        self.stats.exact += 1
        return CacheHit(
            id=row[0], answer=row[1], provider=row[2], model=row[3], match="exact", score=1.0
        )

    def lookup_similar(self, ns: str, sig: Signature) -> CacheHit | None:
        """The answer to the most similar stored question of `ns`, if similar enough."""
        if sig.empty:
            self.stats.misses += 1
            return None
        now = self._clock()
        return self._db.read(lambda conn: self._similar(conn, ns, sig, now))

    def _similar(self, conn: sa.Connection, ns: str, sig: Signature, now: float) -> CacheHit | None:
        self._sync(conn)
        for entry_id, score in self._candidates(ns, sig, now):
            row = conn.execute(_BY_ID, {"id": entry_id, "now": now}).first()
            if row is not None:
                self.stats.similar += 1
                return CacheHit(
                    id=row.id, answer=row.answer, provider=row.provider, model=row.model,
                    match="similar", score=score,
                )  # fmt: skip
            self._forget(ns, entry_id)
        self.stats.misses += 1
        return None

    def close(self) -> None:
        """Nothing to release: connections belong to the `Database`."""

    def store(self, ns: str, question: str, answer: str, *, provider: str, model: str) -> bool:
        """Remember `answer` to `question` for `ttl_s`; False when the question has no content."""
        return self.store_many([(ns, question, answer, provider, model)]) == 1

    def ttl_for(self, sig: Signature, message_class: str | None = None) -> float:
        """How long an answer stored under `sig` (keyed), to a `message_class` question, lives."""
        if anchor_of(sig) is not None and FAQ_CLASS in self.ttl_by_class:
            return self.ttl_by_class[FAQ_CLASS]
        if message_class is not None:
            return self.ttl_by_class.get(message_class, self.ttl_s)
        return self.ttl_s

    def store_many(
        self,
        entries: Sequence[tuple[str, str, str, str, str]],
        *,
        classes: Sequence[str | None] = (),
    ) -> int:
        """Remember several (namespace, question, answer, provider, model) in one transaction.

        `classes`, when given, holds each entry's message class (for `ttl_by_class`).
        Questions without content are skipped; returns how many were stored.
        """
        if classes and len(classes) != len(entries):
            raise ValueError("give one class per entry, or none")
        now = self._clock()
        rows = []
        for index, (ns, question, answer, provider, model) in enumerate(entries):
            sig = self.signature(question)
            if sig.empty:
                continue
            ttl = self.ttl_for(sig, classes[index] if classes else None)
            rows.append(
                {
                    "key": _key(ns, sig),
                    "namespace": ns,
                    "signature": orjson.dumps([sorted(sig.tokens), sorted(sig.critical)]).decode(),
                    "answer": answer,
                    "provider": provider,
                    "model": model,
                    "created_at": now,
                    "expires_at": now + ttl,
                    "reuse_count": 0,
                }
            )
        if not rows:
            return 0
        self._db.write(lambda conn: conn.execute(self._upsert, rows))
        self.stats.stores += len(rows)
        return len(rows)

    def record_reuse(self, served: Mapping[int, int]) -> int:
        """Add to each row's reuse count how many times it was served (row id -> times).

        One transaction for the lot (the router calls it behind its replies, never on a hit);
        rows deleted meanwhile are skipped. Returns how many rows were counted.
        """
        params = [{"row_id": row_id, "served": n} for row_id, n in served.items() if n > 0]
        if not params:
            return 0
        return int(self._db.write(lambda conn: conn.execute(_REUSED, params).rowcount))

    def purge(self, *, batch: int = 1000) -> int:
        """Delete expired answers, `batch` rows per transaction; how many were deleted.

        The in-memory match index forgets them too (and every other expired entry), so a
        long-running orchestrator does not keep every question it ever cached.
        """
        now = self._clock()
        deleted = purge_before(self._db, "router_cache", "expires_at", now, batch=batch)
        self.forget_expired(now)
        return deleted

    def forget_expired(self, now: float | None = None) -> int:
        """Drop expired entries from the in-memory match index; how many were dropped."""
        now = self._clock() if now is None else now
        dropped = 0
        with self._lock:
            for ns in list(self._index):
                space = self._index[ns]
                expired = [i for i, e in space.entries.items() if e.expires_at < now]
                for entry_id in expired:
                    _unindex(space, entry_id, space.entries.pop(entry_id).sig)
                dropped += len(expired)
                if not space.entries:
                    del self._index[ns]
        return dropped

    @property
    def indexed(self) -> int:
        """How many entries the in-memory match index holds."""
        with self._lock:
            return sum(len(space.entries) for space in self._index.values())

    def clear(self) -> None:
        """Forget every answer (e.g. after the FAQ or prices changed)."""
        self._db.write(lambda conn: conn.execute(sa.delete(table)))
        with self._lock:
            self._index.clear()

    def _sync(self, conn: sa.Connection) -> None:
        rows = conn.execute(_NEWER, {"last": self._last_id}).all()
        with self._lock:
            for row in rows:
                tokens, critical = orjson.loads(row.signature)
                self._add(row.namespace, row.id, make_signature(tokens, critical), row.expires_at)
                self._last_id = max(self._last_id, row.id)

    def _add(self, ns: str, entry_id: int, sig: Signature, expires_at: float) -> None:
        space = self._index.setdefault(ns, _Namespace())
        space.entries[entry_id] = _Entry(sig, expires_at)
        space.by_slots.setdefault(sig.critical, set()).add(entry_id)
        for token in sig.tokens:
            space.by_token.setdefault(token, set()).add(entry_id)

    def _forget(self, ns: str, entry_id: int) -> None:
        with self._lock:
            space = self._index.get(ns)
            entry = space.entries.pop(entry_id, None) if space else None
            if space is not None and entry is not None:
                _unindex(space, entry_id, entry.sig)

    def _candidates(self, ns: str, sig: Signature, now: float) -> list[tuple[int, float]]:
        """Entries of `ns` similar enough to `sig`, best first."""
        with self._lock:
            space = self._index.get(ns)
            if space is None:
                return []
            # A paraphrase has the same slots and shares a topic (identical topics and slots
            # are the exact key's business).
            same_slots = space.by_slots.get(sig.critical)
            if not same_slots:
                return []
            ids: set[int] = set()
            for token in sig.tokens:
                ids |= space.by_token.get(token, set())
            ids &= same_slots
            scored = []
            for entry_id in ids:
                entry = space.entries[entry_id]
                if entry.expires_at <= now:
                    continue
                score = similarity(sig, entry.sig)
                lenient = self._anchors.only_details_differ(sig, entry.sig)
                if score >= (self.anchored_threshold if lenient else self.threshold):
                    scored.append((entry_id, score))
        scored.sort(key=lambda pair: (-pair[1], -pair[0]))
        return scored[:3]


def _unindex(space: _Namespace, entry_id: int, sig: Signature) -> None:
    """Remove an entry from the namespace's slot and topic indexes."""
    same_slots = space.by_slots.get(sig.critical)
    if same_slots is not None:
        same_slots.discard(entry_id)
        if not same_slots:
            del space.by_slots[sig.critical]
    for token in sig.tokens:
        ids = space.by_token.get(token)
        if ids is not None:
            ids.discard(entry_id)
            if not ids:
                del space.by_token[token]
