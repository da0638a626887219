"""Test helpers shipped with the bus: a controllable clock and a migrated bus on a temp file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from .bus import Bus
from .migrate import upgrade


class FakeClock:
    """A clock that only moves when told to: ``clock()`` returns the current fake time."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        """Move time forward; returns the new time."""
        self.now += seconds
        return self.now


def migrated_sqlite(path: Path, *, template: Path | None = None) -> str:
    """Create a migrated SQLite file at `path` (copied from `template` when given); its URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    if template is not None and template.exists():
        shutil.copyfile(template, path)
    else:
        upgrade(url)
    return url


def migrated_postgres(base_url: str, schema: str) -> str:
    """A URL on a fresh, migrated `schema` of the PostgreSQL database at `base_url`.

    The schema is dropped and created again, so a test session starts from nothing; the
    returned URL sets ``search_path`` to it.
    """
    from sqlalchemy import text

    from ._engine import normalise_url
    from .database import Database

    url = normalise_url(base_url)
    with Database(url.render_as_string(hide_password=False)) as db, db.transaction() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = scoped.render_as_string(hide_password=False)
    upgrade(rendered)
    return rendered


def make_test_bus(path: Path, **options: Any) -> Bus:
    """A bus on a freshly migrated SQLite file at `path`."""
    return Bus.from_url(migrated_sqlite(path), **options)


def sqlite_file(url: str) -> Path:
    """The file of a ``sqlite:///`` URL."""
    return Path(url.removeprefix("sqlite:///"))
