"""A commit that was acknowledged survives a power cut: ``synchronous=FULL`` by default."""

from __future__ import annotations

import threading
from pathlib import Path

from onebox_bus import Bus, Database
from onebox_bus.testing import migrated_sqlite

FULL, NORMAL = 2, 1


def _synchronous(db: Database) -> int:
    return int(db.connection().exec_driver_sql("PRAGMA synchronous").scalar() or 0)


def test_the_database_fsyncs_every_commit_by_default_on_every_connection(tmp_path: Path) -> None:
    with Database(f"sqlite:///{tmp_path / 'onebox.db'}") as db:
        seen = [_synchronous(db)]
        thread = threading.Thread(target=lambda: seen.append(_synchronous(db)))
        thread.start()
        thread.join()
        with db.engine.connect() as pooled:
            seen.append(int(pooled.exec_driver_sql("PRAGMA synchronous").scalar() or 0))
    assert seen == [FULL, FULL, FULL]


def test_a_bus_opened_on_a_url_fsyncs_every_commit_by_default(tmp_path: Path) -> None:
    with Bus.from_url(migrated_sqlite(tmp_path / "onebox.db")) as bus:
        assert _synchronous(bus.db) == FULL


def test_normal_is_still_available_when_asked_for(tmp_path: Path) -> None:
    with Database(f"sqlite:///{tmp_path / 'onebox.db'}", synchronous="NORMAL") as db:
        assert _synchronous(db) == NORMAL
