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
- the owner's entries (``source = 'owner'``) are never touched by the file;
- a file entry's declared language and ``[xx]`` translations follow the file at every start
  (they are not part of its identity); the owner's translations (`translate`) are never
  touched by the file, and win over the file's for the same language
  (`onebox_router.faqtranslations`).

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

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import structlog
from onebox_bus import Database
from onebox_bus.compiled import Compiled
from sqlalchemy.dialects import postgresql, sqlite

from . import faqtranslations as translations
from ._schema import faq as table
from ._schema import faq_state as state
from .cacheadmin import delete_answers, superseded
from .faqentry import (
    MAX_ANSWER_CHARS,
    MAX_QUESTION_CHARS,
    FaqError,
    FaqSource,
    SeedResult,
    StoredFaq,
    content_key,
    validate,
    validate_language,
    validate_translation,
)
from .offline import FaqEntry

__all__ = [
    "MAX_ANSWER_CHARS",
    "MAX_QUESTION_CHARS",
    "FaqError",
    "FaqStore",
    "SeedResult",
    "StoredFaq",
    "content_key",
    "validate",
]

log = structlog.get_logger()

DEFAULT_SUPERSEDE_THRESHOLD = 0.8
"""The cache's default paraphrase threshold (`RoutingPolicy.cache_similarity`)."""


def _to_faq(
    row: sa.Row[tuple[object, ...]], translations: Mapping[str, str] | None = None
) -> StoredFaq:
    m = row._mapping
    return StoredFaq(
        id=int(m["id"]),
        question=m["question"],
        answer=m["answer"],
        source=m["source"],
        created_at=float(m["created_at"]),
        language=m["language"],
        translations=dict(translations or {}),
    )


@dataclass(frozen=True, slots=True)
class _FileEntry:
    question: str
    answer: str
    language: str | None
    translations: dict[str, str]


def _same_file_texts(stored: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    """Whether the stored translations hold the file's (the owner's extra ones aside)."""
    return all(stored.get(lang) == text for lang, text in wanted.items())


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
        self._revision = Compiled(_REVISION, db.kind)  # read before every answer
        dialect = postgresql if db.kind == "postgresql" else sqlite
        self._insert = dialect.insert(table)
        first = dialect.insert(state).values(id=1, revision=1)
        self._bump = first.on_conflict_do_update(
            index_elements=[state.c.id], set_={"revision": state.c.revision + 1}
        )

    # -- reads ---------------------------------------------------------------------------

    def list(self) -> list[StoredFaq]:
        """The current entries, oldest first, with their translations."""
        query = _LIVE.order_by(table.c.id)

        def read(c: sa.Connection) -> list[StoredFaq]:
            rows = c.execute(query).all()
            texts = translations.load(c) if rows else {}
            return [_to_faq(r, texts.get(int(r.id))) for r in rows]

        return self.db.read(read)

    def get(self, faq_id: int) -> StoredFaq | None:
        """The current entry `faq_id`; None when unknown or removed."""
        return self.db.read(lambda c: self._get(c, faq_id))

    @staticmethod
    def _get(conn: sa.Connection, faq_id: int) -> StoredFaq | None:
        row = conn.execute(_LIVE.where(table.c.id == faq_id)).first()
        if row is None:
            return None
        return _to_faq(row, translations.load(conn, faq_id).get(faq_id))

    def revision(self) -> int:
        """A number that changes with every add and remove, in any process (one row read)."""
        row = self.db.read(lambda c: self._revision.first(c, {}))
        value = row[0] if row else None
        return int(value or 0)

    # -- changes -------------------------------------------------------------------------

    def add(self, question: str, answer: str, *, language: str | None = None) -> StoredFaq:
        """Store an owner's entry and delete the cached answers it supersedes.

        Adding an entry that exists returns it unchanged (but for a `language` it did not
        declare); adding one that was removed brings it back.

        Args:
            question: the customer's question.
            answer: the answer, written in `language`.
            language: the language code the entry is written in (None: recognised from its
                text when it is answered).

        Raises:
            FaqError: empty question or answer, one over its limit, a bad language code.
        """
        question, answer = validate(question, answer)
        lang = validate_language(language) if language is not None else None
        key = content_key(question, answer)
        doomed = self._superseded([question])

        def work(conn: sa.Connection) -> tuple[StoredFaq, int]:
            now = self.clock()
            inserted = self._insert_new(
                conn, question, answer, key, source="owner", now=now, language=lang
            )
            row = conn.execute(sa.select(table).where(table.c.content_key == key)).one()
            relabel = lang is not None and row.language != lang
            if not inserted and row.removed_at is None and not relabel:
                return _to_faq(row, translations.load(conn, row.id).get(row.id)), 0
            if not inserted:
                values: dict[str, object] = {"language": lang} if relabel else {}
                if row.removed_at is not None:
                    values |= {"removed_at": None, "source": "owner", "created_at": now}
                conn.execute(sa.update(table).where(table.c.id == row.id).values(values))
            stored = self._get(conn, int(row.id))
            assert stored is not None
            return stored, self._changed(conn, doomed)

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

    def translate(self, faq_id: int, language: str, answer: str) -> StoredFaq | None:
        """Store entry `faq_id`'s answer in `language` (the owner's; it replaces the one it
        had) and delete the cached answers its question has; None when there is no entry.

        Raises:
            FaqError: a bad language code, an empty or too long answer.
        """
        language, answer = validate_translation(language, answer)
        entry = self.get(faq_id)
        if entry is None:
            return None
        doomed = self._superseded([entry.question])

        def work(conn: sa.Connection) -> tuple[StoredFaq | None, int]:
            if self._get(conn, faq_id) is None:
                return None, 0  # removed by someone else meanwhile
            now = self.clock()
            translations.put(conn, faq_id, language, answer, source="owner", now=now)
            deleted = self._changed(conn, doomed)
            return self._get(conn, faq_id), deleted

        stored, self.superseded = self.db.write(work)
        if stored is not None:
            log.info("faq.translated", faq_id=faq_id, language=language)
        return stored

    def untranslate(self, faq_id: int, language: str) -> bool:
        """Delete entry `faq_id`'s answer in `language`; False when it had none.

        Raises:
            FaqError: a bad language code.
        """
        language = validate_language(language)
        entry = self.get(faq_id)
        if entry is None or language not in entry.translations:
            return False
        doomed = self._superseded([entry.question])

        def work(conn: sa.Connection) -> int | None:
            if not translations.drop(conn, faq_id, language):
                return None
            return self._changed(conn, doomed)

        deleted = self.db.write(work)
        if deleted is None:
            return False
        self.superseded = deleted
        log.info("faq.untranslated", faq_id=faq_id, language=language)
        return True

    def seed(self, entries: Iterable[FaqEntry]) -> SeedResult:
        """Bring the file's entries in (see the module docstring for the rule).

        An entry the owner could not have added (empty, over a limit) is skipped with a
        warning naming its position in the file.
        """
        wanted: dict[str, _FileEntry] = {}
        for number, entry in enumerate(entries, start=1):
            try:
                question, answer = validate(entry.question, entry.answer)
                lang = validate_language(entry.language) if entry.language else None
            except FaqError as exc:
                log.warning("faq.file_entry_skipped", entry=number, reason=str(exc))
                continue
            texts: dict[str, str] = {}
            for code, text in entry.translations.items():
                try:
                    code, text = validate_translation(code, text)
                except FaqError as exc:
                    log.warning("faq.file_translation_skipped", entry=number, reason=str(exc))
                    continue
                texts[code] = text
            key = content_key(question, answer)
            wanted.setdefault(key, _FileEntry(question, answer, lang, texts))

        columns = (table.c.id, table.c.content_key, table.c.source, table.c.question,
                   table.c.removed_at, table.c.language)  # fmt: skip
        known = self.db.read(lambda c: c.execute(sa.select(*columns)).all())
        keys = {row.content_key for row in known}
        new = {key: entry for key, entry in wanted.items() if key not in keys}
        gone = [
            row for row in known
            if row.source == "file" and row.removed_at is None and row.content_key not in wanted
        ]  # fmt: skip
        kept = [
            row for row in known
            if row.source == "file" and row.removed_at is None and row.content_key in wanted
        ]  # fmt: skip
        if not new and not gone and not self._file_differs(kept, wanted):
            return SeedResult(imported=0, retired=0)
        doomed = self._superseded([e.question for e in new.values()] + [r.question for r in gone])

        def work(conn: sa.Connection) -> SeedResult:
            now = self.clock()
            imported = updated = retired = 0
            for key, entry in new.items():
                if self._insert_new(conn, entry.question, entry.answer, key, source="file",
                                    now=now, language=entry.language):  # fmt: skip
                    imported += 1
                    faq_id = conn.execute(
                        sa.select(table.c.id).where(table.c.content_key == key)
                    ).scalar_one()
                    translations.sync_file(conn, faq_id, entry.translations, now=now)
            for row in kept:
                entry = wanted[row.content_key]
                moved = row.language != entry.language
                if moved:
                    conn.execute(
                        sa.update(table).where(table.c.id == row.id)
                        .values(language=entry.language)
                    )  # fmt: skip
                synced = translations.sync_file(conn, row.id, entry.translations, now=now)
                updated += moved or synced
            for row in gone:
                retired += conn.execute(
                    sa.update(table)
                    .where(table.c.id == row.id, table.c.removed_at.is_(None))
                    .values(removed_at=now)
                ).rowcount
            if imported or retired or updated:
                self.superseded = self._changed(conn, doomed)
            return SeedResult(imported=imported, retired=retired, updated=updated)

        result = self.db.write(work)
        if result.imported or result.retired or result.updated:
            log.info("faq.seeded", imported=result.imported, retired=result.retired,
                     updated=result.updated)  # fmt: skip
        return result

    def _file_differs(self, kept: Sequence[Any], wanted: Mapping[str, _FileEntry]) -> bool:
        """Whether the file changed the language or translations of a kept file entry."""
        if not kept:
            return False
        texts = self.db.read(translations.load)
        for row in kept:
            entry = wanted[row.content_key]
            if row.language != entry.language:
                return True
            if not _same_file_texts(texts.get(row.id, {}), entry.translations):
                return True
        return False

    def _insert_new(
        self, conn: sa.Connection, question: str, answer: str, key: str, *,
        source: FaqSource, now: float, language: str | None = None,
    ) -> bool:  # fmt: skip
        """Insert the entry unless its content is known (another writer may race us)."""
        row = {
            "question": question, "answer": answer, "source": source, "content_key": key,
            "created_at": now, "removed_at": None, "language": language,
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
