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


def make_test_bus(path: Path, **options: Any) -> Bus:
    """A bus on a freshly migrated SQLite file at `path`."""
    return Bus.from_url(migrated_sqlite(path), **options)


def sqlite_file(url: str) -> Path:
    """The file of a ``sqlite:///`` URL."""
    return Path(url.removeprefix("sqlite:///"))
