"""The doorbell across real processes: a publish in one process wakes a consumer in another.

Each consumer process polls only every 30 s, so a message it handles within the test's
deadline (5 s) was delivered by the doorbell, not by polling. SQLite runs on a real file in
tmp_path; PostgreSQL on the server named by ONEBOX_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from onebox_bus import Bus
from onebox_bus.testing import migrated_sqlite
from sqlalchemy import make_url, text

WORKER = str(Path(__file__).with_name("_doorbell_worker.py"))
LONG_POLL = "30"
DEADLINE = 5.0  # far inside LONG_POLL: only a ring can meet it

pytestmark = pytest.mark.slow


class Worker:
    """A worker process we started, read line by line with a deadline."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, WORKER, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        assert self.proc.stdout is not None
        self._out = self.proc.stdout
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._out, selectors.EVENT_READ)
        self.lines: list[str] = []
        self._partial = b""

    def expect(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                if line.startswith(prefix):
                    self.lines.remove(line)
                    return line
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                raise AssertionError(f"no {prefix!r} within {timeout}s; saw {self.lines}")
            chunk = os.read(self._out.fileno(), 65536)  # unbuffered: select sees what is left
            if not chunk:
                raise AssertionError(f"worker exited before {prefix!r}; saw {self.lines}")
            self._partial += chunk
            *complete, self._partial = self._partial.split(b"\n")
            self.lines += [line.decode(errors="replace").strip() for line in complete]

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._selector.close()
        self._out.close()


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill()


def _consumer(workers: list[Worker], url: str, topic: str, poll: str = LONG_POLL) -> Worker:
    worker = Worker("consume", url, topic, poll)
    workers.append(worker)
    return worker


def _publish(url: str, topic: str, count: int = 1) -> None:
    done = subprocess.run(
        [sys.executable, WORKER, "publish", url, topic, str(count)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == b"published"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path, template_db: Path) -> str:
    if request.param == "sqlite":
        return migrated_sqlite(tmp_path / "onebox.db", template=template_db)
    pg: str = request.getfixturevalue("postgres_url")
    return pg


def test_a_publish_in_another_process_wakes_the_consumer(
    url: str, workers: list[Worker], request: pytest.FixtureRequest
) -> None:
    topic = f"bell.{request.node.callspec.id}"
    consumer = _consumer(workers, url, topic)
    assert consumer.expect("ready", 30) == "ready up=1"
    _publish(url, topic)
    assert consumer.expect("got", DEADLINE) == "got 0"
    _publish(url, topic, 3)  # and again, once it is idle
    assert [consumer.expect("got", DEADLINE) for _ in range(3)] == ["got 0", "got 1", "got 2"]


def test_a_dead_consumers_socket_does_not_stop_publishing(
    tmp_path: Path, template_db: Path, workers: list[Worker]
) -> None:
    url = migrated_sqlite(tmp_path / "onebox.db", template=template_db)
    folder = tmp_path / "onebox.db.doorbell"
    dead = _consumer(workers, url, "bell")
    assert dead.expect("ready", 30) == "ready up=1"
    dead.kill()  # SIGKILL: its socket file stays behind
    (stale,) = [p.name for p in folder.iterdir()]
    assert stale.startswith(f"bell@{dead.proc.pid}.")
    live = _consumer(workers, url, "bell")
    assert live.expect("ready", 30) == "ready up=1"

    _publish(url, "bell")

    assert live.expect("got", DEADLINE) == "got 0"
    assert stale not in {p.name for p in folder.iterdir()}  # the publisher removed it
    assert len(list(folder.iterdir())) == 1


def test_without_a_doorbell_folder_consumers_poll(
    tmp_path: Path, template_db: Path, workers: list[Worker]
) -> None:
    url = migrated_sqlite(tmp_path / "onebox.db", template=template_db)
    (tmp_path / "onebox.db.doorbell").write_text("a file where the folder would go\n")
    consumer = _consumer(workers, url, "bell", poll="0.05")
    assert consumer.expect("ready", 30) == "ready up=0"

    _publish(url, "bell")

    assert consumer.expect("got", 30) == "got 0"  # found by polling


def test_a_path_too_long_for_a_socket_address_still_rings(
    tmp_path: Path, template_db: Path, workers: list[Worker]
) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    url = migrated_sqlite(deep / "onebox.db", template=template_db)
    topic = "t" * 90  # named by a hash in the folder
    assert len(os.fsencode(deep / "onebox.db.doorbell")) > 107
    consumer = _consumer(workers, url, topic)
    assert consumer.expect("ready", 30) == "ready up=1"

    _publish(url, topic)

    assert consumer.expect("got", DEADLINE) == "got 0"


def test_a_bus_without_doorbell_neither_rings_nor_listens(
    tmp_path: Path, template_db: Path
) -> None:
    url = migrated_sqlite(tmp_path / "onebox.db", template=template_db)
    folder = tmp_path / "onebox.db.doorbell"
    folder.mkdir()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(folder / "bell@1.abcdef"))
    listener.setblocking(False)
    try:
        with Bus.from_url(url, doorbell=False) as quiet:
            assert quiet.doorbell is None
            quiet.publish("bell", {"seq": 0})
        with pytest.raises(BlockingIOError):
            listener.recv(16)
        with Bus.from_url(url) as ringing:
            ringing.publish("bell", {"seq": 1})
        assert listener.recv(16) == b"\x01"
    finally:
        listener.close()


def test_two_buses_in_one_process_ring_each_other(tmp_path: Path, template_db: Path) -> None:
    url = migrated_sqlite(tmp_path / "onebox.db", template=template_db)
    rung = threading.Event()
    with Bus.from_url(url) as listening, Bus.from_url(url) as publishing:
        assert listening.doorbell is not None
        subscription = listening.doorbell.subscribe("bell", rung.set)
        assert subscription.up
        publishing.publish("other", {"seq": 0})
        listening.publish("bell", {"seq": 0})  # its own consumers are woken in-process
        assert not rung.wait(0.2)
        publishing.publish("bell", {"seq": 1})
        assert rung.wait(DEADLINE)
        (socket_file,) = (tmp_path / "onebox.db.doorbell").iterdir()
        socket_file.unlink()  # removed by hand: nobody can ring it any more
        assert not subscription.up
        subscription.close()


@pytest.mark.postgres
def test_the_postgres_listener_reconnects_and_wakes_its_consumers(postgres_url: str) -> None:
    # Our own application_name tells this test's listener from those of tests running at the
    # same time on other xdist workers (they share the database, and pg_stat_activity).
    named = make_url(postgres_url).update_query_dict({"application_name": f"bell{os.getpid()}"})
    url = named.render_as_string(hide_password=False)
    rung = threading.Event()
    with Bus.from_url(url) as listening, Bus.from_url(url) as publishing:
        assert listening.doorbell is not None
        before = _listeners(publishing)
        subscription = listening.doorbell.subscribe("bell.reconnect", rung.set)
        _until(lambda: subscription.up, "the listener to connect")
        (ours,) = _listeners(publishing) - before
        rung.clear()
        with publishing.db.transaction() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": ours})
        assert rung.wait(DEADLINE)  # woken when the connection dropped, to poll meanwhile
        _until(lambda: subscription.up, "the listener to reconnect")
        rung.clear()
        publishing.publish("bell.reconnect", {"seq": 0})
        assert rung.wait(DEADLINE)
        subscription.close()


def _until(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _listeners(bus: Bus) -> set[int]:
    with bus.db.transaction() as conn:
        rows = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = current_setting('application_name')"
                " AND query = 'LISTEN onebox_bus'"
            )
        ).fetchall()
    return {int(row[0]) for row in rows}


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_replaying_dead_letters_by_id_rings_every_topic(
    backend: str, tmp_path: Path, template_db: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = migrated_sqlite(tmp_path / "onebox.db", template=template_db)
    else:
        url = request.getfixturevalue("postgres_url")
    rung = threading.Event()
    with Bus.from_url(url) as listening, Bus.from_url(url) as operator:
        topic = f"bell.replay.{backend}"
        operator.publish(topic, {"seq": 0})
        (message,) = operator.claim(topic, limit=1)
        operator.dead_letter(message, "permanent")
        assert listening.doorbell is not None
        subscription = listening.doorbell.subscribe(topic, rung.set)
        _until(lambda: subscription.up, "the doorbell to listen")
        rung.clear()
        assert operator.replay_dead([message.id]) == 1  # by id: the topic is not named
        assert rung.wait(DEADLINE)
        subscription.close()
