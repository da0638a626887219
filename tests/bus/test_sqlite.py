"""SQLite specifics: pragmas, WAL upkeep, locked and unwritable databases."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from onebox_bus import Bus, BusUnavailable, ConfigError
from onebox_bus.testing import make_test_bus


def test_every_connection_uses_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    with make_test_bus(tmp_path / "db" / "onebox.db") as bus:
        conn = bus.db._cursor()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        # The thread's own connection: `Database` waits for the lock (in short steps).
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0
        with bus.db.engine.connect() as pooled:  # others keep SQLite's handler and the timeout
            assert pooled.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_claim_uses_the_partial_indexes(tmp_path: Path) -> None:
    from onebox_bus import _sql

    with make_test_bus(tmp_path / "onebox.db") as bus:
        plan = bus.db._cursor().execute(
            "EXPLAIN QUERY PLAN " + _sql.CLAIM_SQLITE,
            {"topic": "t", "now": 0, "limit": 1, "lease_until": 1, "consumer": "c"},
        )
        details = " ".join(row[3] for row in plan)
        assert "ix_bus_messages_claim" in details
        assert "ix_bus_messages_key_head" in details
        assert "TEMP B-TREE" not in details


def test_checkpoint_truncates_the_wal_and_stats_report_its_size(tmp_path: Path) -> None:
    with make_test_bus(tmp_path / "onebox.db") as bus:
        reader = sqlite3.connect(tmp_path / "onebox.db")
        for i in range(200):
            bus.publish("inbound", {"i": i, "pad": "x" * 500})
        assert bus.stats().wal_bytes > 0
        reader.close()
        assert bus.checkpoint(truncate=True) == 0
        assert bus.stats().wal_bytes == 0


def test_locked_database_becomes_bus_unavailable_after_the_busy_timeout(tmp_path: Path) -> None:
    with make_test_bus(tmp_path / "onebox.db", busy_timeout=0.2) as bus:
        holder = sqlite3.connect(tmp_path / "onebox.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(BusUnavailable, match="busy"):
            bus.publish("inbound", {"x": 1})
        holder.execute("ROLLBACK")
        bus.publish("inbound", {"x": 2})
        assert bus.stats()["inbound"].ready == 1


def test_lock_released_within_the_busy_timeout_is_waited_out(tmp_path: Path) -> None:
    with make_test_bus(tmp_path / "onebox.db", busy_timeout=5.0) as bus:
        holder = sqlite3.connect(
            tmp_path / "onebox.db", isolation_level=None, check_same_thread=False
        )
        holder.execute("BEGIN IMMEDIATE")
        timer = threading.Timer(0.1, lambda: holder.execute("ROLLBACK"))
        timer.start()
        bus.publish("inbound", {"x": 1})
        timer.join()
        assert bus.stats()["inbound"].ready == 1


def test_database_path_that_cannot_be_created_names_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(ConfigError, match="not-a-folder"):
        Bus.from_url(f"sqlite:///{blocker}/sub/onebox.db")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sqlite://", "must name a SQLite file"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("not a url", "not a database URL"),
    ],
)
def test_bad_database_url_is_a_clear_config_error(url: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        Bus.from_url(url)


def test_parent_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "onebox.db"
    with Bus.from_url(f"sqlite:///{path}"):
        assert path.exists()


def test_readonly_engine_reads_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    from onebox_bus import Database
    from sqlalchemy import text

    with make_test_bus(tmp_path / "onebox.db") as bus:
        bus.publish("inbound", 1)
    holder = sqlite3.connect(tmp_path / "onebox.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    url = f"sqlite:///{tmp_path / 'onebox.db'}"
    holder.execute("ROLLBACK")  # a Database proves at start that it can take the lock
    reader = Database(url, busy_timeout=0.2, readonly=True)
    writer = Database(url, busy_timeout=0.2)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with reader.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM bus_messages")).scalar() == 1
        with pytest.raises(Exception, match="locked"), writer.engine.begin() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        holder.execute("ROLLBACK")
        reader.close()
        writer.close()


def test_a_finished_threads_connection_is_closed_with_it(tmp_path: Path) -> None:
    with make_test_bus(tmp_path / "onebox.db") as bus:

        def work() -> None:
            bus.publish("inbound", {"from": "a short-lived worker thread"})

        for _ in range(20):
            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
        import gc

        gc.collect()
        assert len(bus.db._handles) <= 2, "connections of finished threads must not pile up"
        assert bus.stats()["inbound"].ready == 20
