"""`Database`: pragmas once on every connection, nested transactions, hooks, inline fallback."""

from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from onebox_bus import BusError, BusUnavailable, Database
from sqlalchemy import event, text


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'onebox.db'}", synchronous="FULL", busy_timeout=0.5)
    with db.transaction() as conn:
        conn.execute(text("CREATE TABLE notes (n INTEGER)"))
    yield db
    db.close()


def _pragmas(db: Database) -> tuple[object, ...]:
    conn = db.connection()
    names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "journal_size_limit")
    return tuple(conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in names)


def test_pragmas_are_on_every_connection_of_every_thread(sqlite_db: Database) -> None:
    # A thread's own connection leaves waiting for the lock to `Database` (busy_timeout 0);
    # a pooled connection keeps SQLite's busy handler, even one a finished thread gave back.
    expected = ("wal", 2, 1, 0, 64 * 1024 * 1024)  # synchronous=FULL is 2
    seen = [_pragmas(sqlite_db)]
    thread = threading.Thread(target=lambda: seen.append(_pragmas(sqlite_db)))
    thread.start()
    thread.join()
    del thread
    gc.collect()  # the thread's handle goes, its connection with it
    with sqlite_db.engine.connect() as pooled:  # a pooled connection (dashboards use these)
        for name in ("synchronous", "busy_timeout"):
            seen.append((pooled.exec_driver_sql(f"PRAGMA {name}").scalar(),))
    assert seen[:2] == [expected, expected]
    assert seen[2:] == [(2,), (500,)]


def test_a_write_waits_for_a_lock_held_by_another_process_then_commits(
    sqlite_db: Database, tmp_path: Path
) -> None:
    script = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('held', flush=True)\n"
        "sys.stdin.readline()\n"
        "c.execute('INSERT INTO notes VALUES (7)')\n"
        "c.execute('COMMIT')\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "onebox.db")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as holder:  # fmt: skip
        assert holder.stdout is not None
        assert holder.stdin is not None
        assert holder.stdout.readline().strip() == "held"
        waits: list[tuple[float, bool]] = []
        sqlite_db.on_lock_wait = lambda seconds, timed_out: waits.append((seconds, timed_out))
        writer = threading.Thread(
            target=lambda: sqlite_db.write(
                lambda conn: conn.execute(text("INSERT INTO notes VALUES (8)"))
            )
        )
        writer.start()
        writer.join(timeout=0.2)
        assert writer.is_alive()  # still waiting, not failed: the other process holds the lock
        holder.stdin.write("go\n")
        holder.stdin.flush()
        writer.join(timeout=5)
        assert not writer.is_alive()
        assert holder.wait(timeout=5) == 0
    rows = sqlite_db.read(lambda conn: conn.execute(text("SELECT n FROM notes")).scalars().all())
    assert sorted(rows) == [7, 8]
    assert [timed_out for _, timed_out in waits] == [False]


def test_threads_of_one_process_queue_for_the_write_lock_and_a_long_wait_is_refused(
    sqlite_db: Database,
) -> None:
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with sqlite_db.transaction() as conn:
            conn.execute(text("INSERT INTO notes VALUES (1)"))
            inside.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(timeout=5)
    # Held past the busy timeout (0.5 s) by another thread of this process: refused, clearly.
    with pytest.raises(BusUnavailable, match="this process"), sqlite_db.transaction():
        pass
    writer = threading.Thread(
        target=lambda: sqlite_db.write(
            lambda conn: conn.execute(text("INSERT INTO notes VALUES (2)"))
        )
    )
    writer.start()
    release.set()  # the queued writer goes in once the holder commits
    holder.join(timeout=5)
    writer.join(timeout=5)
    assert not holder.is_alive()
    assert not writer.is_alive()
    rows = sqlite_db.read(lambda conn: conn.execute(text("SELECT n FROM notes")).scalars().all())
    assert sorted(rows) == [1, 2]


def test_nested_transactions_join_and_an_exception_rolls_everything_back(
    sqlite_db: Database,
) -> None:
    with sqlite_db.transaction() as outer, sqlite_db.transaction() as inner:
        assert inner is outer
        inner.execute(text("INSERT INTO notes VALUES (1)"))

    def fail_after_nested() -> None:
        with sqlite_db.transaction() as conn:
            conn.execute(text("INSERT INTO notes VALUES (2)"))
            with sqlite_db.transaction() as nested:
                nested.execute(text("INSERT INTO notes VALUES (3)"))
            raise RuntimeError("fails after the nested block")

    with pytest.raises(RuntimeError):
        fail_after_nested()
    rows = sqlite_db.connection().execute(text("SELECT n FROM notes")).scalars().all()
    assert rows == [1]


def test_after_commit_runs_once_per_key_after_commit_and_never_after_rollback(
    sqlite_db: Database,
) -> None:
    calls: list[str] = []
    with sqlite_db.transaction():
        sqlite_db.after_commit("k", lambda: calls.append("first"))
        sqlite_db.after_commit("k", lambda: calls.append("duplicate"))
        assert calls == []

    def rolled_back() -> None:
        with sqlite_db.transaction():
            sqlite_db.after_commit("k", lambda: calls.append("rolled back"))
            raise RuntimeError

    def undone_savepoint() -> None:
        with sqlite_db.savepoint():
            sqlite_db.after_commit("s", lambda: calls.append("undone savepoint"))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        rolled_back()
    with sqlite_db.transaction(), pytest.raises(RuntimeError):
        undone_savepoint()
    assert calls == ["first"]


def test_a_locked_file_becomes_bus_unavailable(sqlite_db: Database, tmp_path: Path) -> None:
    holder = sqlite3.connect(tmp_path / "onebox.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(BusUnavailable), sqlite_db.transaction():
            pass
        with pytest.raises(BusUnavailable):
            Database(f"sqlite:///{tmp_path / 'onebox.db'}", busy_timeout=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.anyio
async def test_a_durable_write_never_fsyncs_on_the_event_loop_but_a_read_stays_inline(
    sqlite_db: Database,
) -> None:
    loop_thread = threading.get_ident()
    assert sqlite_db.synchronous == "FULL"

    def write() -> int:
        with sqlite_db.transaction() as conn:
            conn.execute(text("INSERT INTO notes VALUES (7)"))
        return threading.get_ident()

    def read() -> int:
        sqlite_db.connection().execute(text("SELECT count(*) FROM notes")).scalar()
        return threading.get_ident()

    assert await sqlite_db.run(write) != loop_thread  # its fsync on a worker thread
    assert await sqlite_db.run(read) == loop_thread
    # A row written behind an answer (not durable by design) may commit inline, no fsync.
    assert await sqlite_db.run(write, durable=False) == loop_thread
    rows = sqlite_db.connection().execute(text("SELECT n FROM notes")).scalars()
    assert list(rows) == [7, 7]


@pytest.mark.anyio
async def test_run_is_inline_when_free_and_falls_back_to_a_thread_when_locked(
    tmp_path: Path,
) -> None:
    sqlite_db = Database(f"sqlite:///{tmp_path / 'onebox.db'}", synchronous="NORMAL")
    with sqlite_db.transaction() as conn:
        conn.execute(text("CREATE TABLE notes (n INTEGER)"))
    loop_thread = threading.get_ident()

    def write(n: int) -> int:
        with sqlite_db.transaction() as conn:
            conn.execute(text("INSERT INTO notes VALUES (:n)"), {"n": n})
        return threading.get_ident()

    assert await sqlite_db.run(lambda: write(1)) == loop_thread
    holder = sqlite3.connect(tmp_path / "onebox.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    async with anyio.create_task_group() as tg:

        async def release() -> None:
            await anyio.sleep(0.05)
            holder.execute("ROLLBACK")

        tg.start_soon(release)
        ran_on = await sqlite_db.run(lambda: write(2))
    holder.close()
    assert ran_on != loop_thread  # waited for the lock on a worker thread
    rows = sqlite_db.connection().execute(text("SELECT n FROM notes ORDER BY n")).scalars()
    assert list(rows) == [1, 2]
    sqlite_db.close()


def test_a_postgresql_connection_killed_by_the_server_is_replaced(postgres_url: str) -> None:
    with Database(postgres_url, busy_timeout=2.0) as db:
        pid = db.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with Database(postgres_url) as admin:
            admin.connection().execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(BusUnavailable):
            db.ping()
        db.ping()  # a fresh connection
        assert db.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid


def test_close_waits_for_a_transaction_running_on_another_thread(db_url: str) -> None:
    db = Database(db_url)
    with db.transaction() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t_close (n INTEGER)"))
    inside, release, closed = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with db.transaction() as conn:
                conn.execute(text("INSERT INTO t_close (n) VALUES (1)"))
                inside.set()
                assert release.wait(10)
                conn.execute(text("INSERT INTO t_close (n) VALUES (2)"))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    assert inside.wait(10)
    closer = threading.Thread(target=lambda: (db.close(), closed.set()))
    closer.start()
    # once close() has begun, new work is refused at once rather than racing the close
    deadline, refused = time.monotonic() + 10, ""
    while not refused:
        try:
            db.read(lambda c: c.execute(text("SELECT 1")).scalar())
        except BusError as exc:
            refused = str(exc)
        assert time.monotonic() < deadline, "close() never began"
        time.sleep(0.005)
    assert "closed" in refused
    assert not closed.is_set(), "close() returned while another thread was inside a transaction"
    release.set()
    thread.join(10)
    closer.join(10)
    assert closed.is_set()
    assert errors == []
    with Database(db_url) as check:
        assert check.read(lambda c: c.execute(text("SELECT COUNT(*) FROM t_close")).scalar()) == 2
        with check.transaction() as conn:
            conn.execute(text("DROP TABLE t_close"))


def test_a_connection_opened_while_the_database_closes_is_refused_and_closed(
    db_url: str,
) -> None:
    db = Database(db_url)
    closer = threading.Thread(target=db.close)

    def close_while_connecting(*_: object) -> None:
        # SQLAlchemy's own hook, run in the connecting thread as the pool hands it a connection:
        # close() runs to its end from another thread before that thread's connect returns.
        if closer.ident is None:
            closer.start()
            closer.join(10)

    event.listen(db.engine, "checkout", close_while_connecting)
    outcome: list[str] = []

    def first_use_on_a_new_thread() -> None:
        try:
            db.connection()
            outcome.append("connected")
        except BusError as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=first_use_on_a_new_thread)
    thread.start()
    thread.join(20)
    assert closer.ident is not None  # close() ran inside the connect
    assert not closer.is_alive()
    assert outcome == ["the database is closed"]
    assert all(handle.conn is None for handle in db._handles)  # nothing left open behind it


def test_a_statement_alone_runs_outside_transactions_on_postgresql_only(db_url: str) -> None:
    with Database(db_url) as db:
        if db.sqlite:
            with pytest.raises(BusError, match="PostgreSQL"):
                db.alone("SELECT 1", {})
            return
        assert db.alone("SELECT %(n)s::int + 1", {"n": 1}) == [(2,)]
        with db.transaction(), pytest.raises(BusError, match="outside a transaction"):
            db.alone("SELECT 1", {})


@pytest.mark.anyio
async def test_a_statement_alone_from_async_code_runs_on_the_loops_own_connection(
    postgres_url: str,
) -> None:
    with Database(postgres_url, busy_timeout=2.0) as db:
        pid_sql = "SELECT pg_backend_pid()"
        [(loop_pid,)] = await db.alone_async(pid_sql, {})
        [(again,)] = await db.alone_async(pid_sql, {})
        assert again == loop_pid  # one connection per loop, kept
        thread_pid = await anyio.to_thread.run_sync(lambda: db.alone(pid_sql, {})[0][0])
        assert thread_pid != loop_pid  # not a worker thread's connection
        with Database(postgres_url) as admin:
            admin.connection().execute(text("SELECT pg_terminate_backend(:p)"), {"p": loop_pid})
        with pytest.raises(BusUnavailable):
            await db.alone_async(pid_sql, {})
        [(fresh,)] = await db.alone_async(pid_sql, {})  # the broken one was replaced
        assert fresh != loop_pid
    with pytest.raises(BusError, match="closed"):
        await db.alone_async(pid_sql, {})


@pytest.mark.anyio
async def test_alone_async_refuses_sqlite(sqlite_db: Database) -> None:
    with pytest.raises(BusError, match="PostgreSQL"):
        await sqlite_db.alone_async("SELECT 1", {})


@pytest.mark.anyio
async def test_tasks_of_one_loop_connecting_together_keep_one_connection(
    postgres_url: str,
) -> None:
    """Consumers start together: their first claims race to connect; one connection stays
    and the others are closed, not left open for the collector (a ResourceWarning here)."""
    with Database(postgres_url) as db:
        pids: list[int] = []

        async def ask() -> None:
            [(pid,)] = await db.alone_async("SELECT pg_backend_pid()", {})
            pids.append(pid)

        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(ask)
        [(kept,)] = await db.alone_async("SELECT pg_backend_pid()", {})
        assert kept in pids
    gc.collect()  # a connection dropped while open would warn (an error in this suite) here
