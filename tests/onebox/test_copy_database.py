"""``onebox copy-database``: a SQLite stack's rows, undelivered messages included, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from onebox_bus import Bus
from onebox_bus.testing import migrated_postgres

from onebox.cli import main as onebox

pytestmark = pytest.mark.postgres


@pytest.fixture
def target(worker_schema: Callable[[str], str]) -> str:
    base = os.environ.get("ONEBOX_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("set ONEBOX_TEST_POSTGRES_URL to copy into PostgreSQL")
    return migrated_postgres(base, worker_schema("onebox_copy_test"))


def test_the_copy_keeps_every_message_and_its_state(
    db_url: str, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Bus.from_url(db_url, doorbell=False) as bus:
        ids = [bus.publish("inbound", {"n": n}, key=f"chat{n % 2}") for n in range(5)]
        (first,) = bus.claim("inbound", limit=1)
        bus.ack(first)
        (dead,) = bus.claim("inbound", limit=1)
        bus.dead_letter(dead, "permanent")

    assert onebox(["--database-url", db_url, "copy-database", target]) == 0
    out = capsys.readouterr().out
    assert "bus_messages                       5 rows" in out
    assert "3 message(s) still to deliver" in out

    with Bus.from_url(target, doorbell=False) as moved:
        waiting = moved.claim("inbound", limit=10)
        assert [m.json()["n"] for m in waiting] == [2, 3]  # heads of each key, in order
        moved.ack_many(waiting)
        assert [m.json()["n"] for m in moved.claim("inbound", limit=10)] == [4]
        assert moved.publish("inbound", {"n": 5}) > max(ids)  # ids continue after the copy


def test_a_target_with_rows_is_refused_and_left_alone(
    db_url: str, target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Bus.from_url(target, doorbell=False) as bus:
        bus.publish("inbound", {"n": "already there"})
    assert onebox(["--database-url", db_url, "copy-database", target]) == 1
    err = capsys.readouterr().err
    assert "already holds rows in bus_messages" in err
    with Bus.from_url(target, doorbell=False) as bus:
        assert [m.json()["n"] for m in bus.claim("inbound", limit=10)] == ["already there"]
