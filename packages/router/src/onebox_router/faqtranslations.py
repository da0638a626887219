"""The answers of FAQ entries in other languages (``router_faq_translations``).

One row per (entry, language), with its source: ``file`` (an ``[xx]`` line of the FAQ file)
or ``owner`` (``onebox faq add --id ID --lang xx``). The file's translations follow the file
at every start (`sync_file`); the owner's are never touched by it, and win over the file's
for the same language. Every function takes the connection of the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ._schema import faq as entries
from ._schema import faq_translations as table

TranslationSource = Literal["file", "owner"]


def load(conn: sa.Connection, faq_id: int | None = None) -> dict[int, dict[str, str]]:
    """The translations of the live entries (or of entry `faq_id`), by entry and language."""
    query = sa.select(table.c.faq_id, table.c.language, table.c.answer)
    if faq_id is not None:
        query = query.where(table.c.faq_id == faq_id)
    else:
        live = sa.select(entries.c.id).where(entries.c.removed_at.is_(None))
        query = query.where(table.c.faq_id.in_(live))
    found: dict[int, dict[str, str]] = {}
    for row in conn.execute(query.order_by(table.c.faq_id, table.c.language)):
        found.setdefault(int(row.faq_id), {})[row.language] = row.answer
    return found


def put(
    conn: sa.Connection,
    faq_id: int,
    language: str,
    answer: str,
    *,
    source: TranslationSource,
    now: float,
) -> None:
    """Store entry `faq_id`'s answer in `language`, replacing the one it had."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = {"faq_id": faq_id, "language": language, "answer": answer, "source": source,
              "created_at": now}  # fmt: skip
    statement = dialect.insert(table).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.faq_id, table.c.language],
        set_={"answer": answer, "source": source, "created_at": now},
    )
    conn.execute(statement)


def drop(conn: sa.Connection, faq_id: int, language: str) -> bool:
    """Delete entry `faq_id`'s answer in `language`; whether there was one."""
    gone = conn.execute(
        sa.delete(table).where(table.c.faq_id == faq_id, table.c.language == language)
    ).rowcount
    return bool(gone)


def sync_file(conn: sa.Connection, faq_id: int, wanted: Mapping[str, str], *, now: float) -> bool:
    """Make entry `faq_id`'s file translations the file's `wanted` ones; whether any changed.

    A language the owner translated keeps the owner's text.
    """
    rows = conn.execute(
        sa.select(table.c.language, table.c.answer, table.c.source).where(table.c.faq_id == faq_id)
    ).all()
    have = {row.language: (row.answer, row.source) for row in rows}
    changed = False
    for language, answer in wanted.items():
        current = have.get(language)
        if current is not None and (current[1] == "owner" or current[0] == answer):
            continue
        put(conn, faq_id, language, answer, source="file", now=now)
        changed = True
    stale: Sequence[str] = [
        lang for lang, (_, source) in have.items() if source == "file" and lang not in wanted
    ]
    for language in stale:
        changed = drop(conn, faq_id, language) or changed
    return changed
