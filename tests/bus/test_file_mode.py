"""The SQLite file and its -wal/-shm are private: 0600, or 0640 for the folder's group."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from onebox_bus import Database
from sqlalchemy import text


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask of a careless shell (022): files would be world-readable by default."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _modes(path: Path) -> dict[str, int]:
    names = (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
    return {n.name: stat.S_IMODE(n.stat().st_mode) for n in names}


def _write(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    with db.transaction() as conn:
        conn.execute(text("CREATE TABLE notes (n INTEGER)"))
        conn.execute(text("INSERT INTO notes VALUES (1)"))
    return db


def test_a_new_database_and_its_wal_and_shm_are_readable_by_the_owner_only(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "onebox.db"
    db = _write(path)
    try:
        modes = _modes(path)
    finally:
        db.close()
    assert modes == {"onebox.db": 0o600, "onebox.db-wal": 0o600, "onebox.db-shm": 0o600}


def test_an_existing_world_readable_database_loses_the_others_bits(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "onebox.db"
    _write(path).close()
    path.chmod(0o644)
    db = Database(f"sqlite:///{path}")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    finally:
        db.close()
    assert mode == 0o640  # the group bit stays, the others lose theirs


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another group needs root")
def test_in_a_folder_of_another_group_the_file_is_0640_with_that_group(
    tmp_path: Path, open_umask: None
) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    group = os.getegid() + 4242
    os.chown(folder, -1, group)
    path = folder / "onebox.db"
    db = _write(path)
    try:
        modes = _modes(path)
        owner_group = path.stat().st_gid
    finally:
        db.close()
    assert modes == {"onebox.db": 0o640, "onebox.db-wal": 0o640, "onebox.db-shm": 0o640}
    assert owner_group == group
