"""Consistent online copies of the database, and their rotation.

`backup_sqlite` runs ``VACUUM INTO`` on the live database: one read transaction, so the copy
holds exactly what was committed when it began, including what still sits in the ``-wal``
file (a plain copy of ``onebox.db`` misses that), and writers carry on meanwhile. The copy is
written under a temporary name, checked with ``PRAGMA integrity_check`` and only then renamed
into place, so a backup folder never holds a half-written or corrupt file under a real name.

`backup_postgres` runs ``pg_dump --format=custom`` (one snapshot too) into a temporary name,
reads the archive's table of contents back with ``pg_restore --list``, and renames it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PREFIX = "onebox-"
SUFFIX = ".db"
PG_SUFFIX = ".dump"
PG_TOOLS_HINT = "install the PostgreSQL client tools (Debian: apt-get install postgresql-client)"


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BackupResult:
    """One finished backup."""

    path: Path
    size_bytes: int
    seconds: float
    removed: tuple[Path, ...] = ()


def sqlite_path(url: str) -> Path:
    """The file behind a ``sqlite:///`` URL.

    Raises:
        BackupError: not a SQLite file URL (PostgreSQL is backed up with pg_dump).
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BackupError("the database URL cannot be parsed") from None
    if not parsed.drivername.startswith("sqlite"):
        raise BackupError(
            f"backup copies SQLite files; for {parsed.drivername!r} use that server's tools "
            "(pg_dump for PostgreSQL)"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("the database URL names no file")
    return Path(parsed.database)


def backup_name(now: dt.datetime, *, suffix: str = SUFFIX) -> str:
    """``onebox-20260101T031700Z.db`` (``.dump`` for PostgreSQL): names sort by time."""
    return f"{PREFIX}{now.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}{suffix}"


def backup_postgres(
    url: str, dest: Path, *, which: Callable[[str], str | None] = shutil.which
) -> BackupResult:
    """Dump the PostgreSQL database of `url` to the new file `dest` (custom format) and check it.

    The password goes to pg_dump in its environment, never on its command line. When the URL
    sets a ``search_path`` (``?options=-csearch_path=NAME``), only that schema is dumped.

    Raises:
        BackupError: pg_dump or pg_restore is not on PATH, `dest` exists, or the dump fails.
    """
    tools = {name: which(name) for name in ("pg_dump", "pg_restore")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        raise BackupError(
            f"backing up PostgreSQL needs {' and '.join(missing)} on PATH: {PG_TOOLS_HINT}"
        )
    if dest.exists():
        raise BackupError(f"{str(dest)!r} exists already; backups never overwrite")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {str(dest.parent)!r} does not exist")
    parsed = make_url(url)
    env = dict(os.environ)  # noqa: TID251 - the child's environment, plus the password
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    args = [str(tools["pg_dump"]), "--format=custom", "--no-password"]
    if parsed.host:
        args.append(f"--host={parsed.host}")
    if parsed.port:
        args.append(f"--port={parsed.port}")
    if parsed.username:
        args.append(f"--username={parsed.username}")
    options = str(parsed.query.get("options", ""))
    if "search_path=" in options:
        args.append(f"--schema={options.split('search_path=', 1)[1].split()[0].split(',')[0]}")
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        _run([*args, f"--file={partial}", str(parsed.database or "")], env=env, step="pg_dump")
        _run([str(tools["pg_restore"]), "--list", str(partial)], env=env, step="pg_restore --list")
        os.replace(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(
        path=dest, size_bytes=dest.stat().st_size, seconds=time.monotonic() - started
    )


def _run(args: list[str], *, env: dict[str, str], step: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{step} failed (exit {done.returncode}): {reason[:300]}")


def backup_sqlite(source: Path, dest: Path, *, busy_timeout: float = 30.0) -> BackupResult:
    """Copy the live database `source` to the new file `dest` (``VACUUM INTO``) and check it.

    Raises:
        BackupError: the source is missing, `dest` exists, or the copy fails its check.
    """
    if not source.is_file():
        raise BackupError(f"no database file at {str(source)!r}")
    if dest.exists():
        raise BackupError(f"{str(dest)!r} exists already; backups never overwrite")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {str(dest.parent)!r} does not exist")
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        src = sqlite3.connect(source, timeout=busy_timeout, isolation_level=None)
        try:
            src.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            src.execute("VACUUM INTO ?", (str(partial),))
        finally:
            src.close()
        check(partial)
        os.replace(partial, dest)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup failed: {exc}") from None
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(
        path=dest, size_bytes=dest.stat().st_size, seconds=time.monotonic() - started
    )


def check(path: Path) -> None:
    """Raise `BackupError` unless ``PRAGMA integrity_check`` on `path` says ``ok``."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    if rows != ["ok"]:
        raise BackupError(f"the copy failed its integrity check: {'; '.join(rows[:5])}")


def rotate(folder: Path, *, keep: int, suffix: str = SUFFIX) -> tuple[Path, ...]:
    """Delete all but the newest `keep` backups in `folder` (only files named by `backup_name`)."""
    if keep < 1:
        raise BackupError(f"--keep must be at least 1, got {keep!r}")
    ours = sorted(
        p for p in folder.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(suffix)
    )
    old = tuple(ours[:-keep])
    for path in old:
        path.unlink()
    return old
