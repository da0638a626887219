"""``onebox purge`` runs the retention rules once; ``onebox status`` shows what they keep
and who holds the messages in hand."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import anyio
import pytest
from onebox_bus import Bus, Consumer, Database, Message
from onebox_bus.retention import DAY
from onebox_bus.testing import migrated_sqlite
from onebox_service import WebhookEventStore

from onebox._status import collect, render
from onebox.cli import main


def _seed(url: str) -> None:
    """Two done messages and one refused webhook 40 days old, and one of each from now."""
    old = time.time() - 40 * DAY
    with Database(url) as db:
        for at in (old, old, time.time()):
            bus = Bus(db, clock=lambda at=at: at)
            bus.publish("inbound", {"at": at})
            bus.ack_many(bus.claim("inbound", limit=1))
        WebhookEventStore(db, clock=lambda: old).record("telegram", "refused", "bad secret")
        WebhookEventStore(db, clock=time.time).record("telegram", "refused", "bad secret")


def test_purge_deletes_what_is_past_retention_and_status_shows_size_and_oldest_rows(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = db_url
    _seed(url)
    before = collect(database_url=url, urls={}, state=None)["storage"]
    assert before["database_bytes"] > 0
    assert before["tables"]["bus_messages"]["rows"] == 3
    assert before["tables"]["bus_messages"]["oldest_age_s"] >= 40 * DAY - 60
    assert before["tables"]["router_calls"] == {"rows": 0, "oldest_age_s": None}

    assert main(["--database-url", url, "purge"]) == 0
    out = capsys.readouterr().out
    [done_line] = [line for line in out.splitlines() if line.startswith("bus_messages (done)")]
    assert done_line.endswith(" 2 rows")

    report = collect(database_url=url, urls={}, state=None)
    after = report["storage"]["tables"]
    assert after["bus_messages"]["rows"] == 1
    assert after["service_webhook_events"]["rows"] == 1
    assert after["bus_messages"]["oldest_age_s"] < DAY
    screen = render(report)
    assert "MiB on disk" in screen
    assert "service_webhook_events" in screen


def test_a_bad_retention_setting_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONEBOX_ROUTER_CALLS_RETENTION_DAYS", "7")  # below a month
    url = migrated_sqlite(tmp_path / "onebox.db")
    assert main(["--database-url", url, "purge"]) == 2
    assert "ONEBOX_ROUTER_CALLS_RETENTION_DAYS" in capsys.readouterr().err


@pytest.mark.anyio
async def test_status_names_the_host_and_process_holding_each_claim(db_url: str) -> None:
    started, release = anyio.Event(), anyio.Event()
    with Bus.from_url(db_url) as bus:

        async def hold(message: Message) -> None:
            started.set()
            await release.wait()
            await anyio.to_thread.run_sync(bus.ack, message)

        bus.publish("inbound", {"text": "mine"}, key="telegram:1")
        bus.publish("inbound", {"text": "theirs"}, key="telegram:2")
        # another orchestrator (another host) holds the second message
        bus.claim("inbound", limit=1, consumer="inbound@host-b:4242")
        consumer = Consumer(bus, "inbound", hold, name="inbound", min_poll=0.005, max_poll=0.05)
        async with anyio.create_task_group() as tg:
            tg.start_soon(consumer.run)
            with anyio.fail_after(10):
                await started.wait()
            report = collect(database_url=db_url, urls={}, state=None)
            release.set()
            consumer.stop()
    mine = f"inbound@{socket.gethostname()}:{os.getpid()}"
    assert consumer.claimant == mine
    assert report["bus"]["claims"] == [
        {"topic": "inbound", "claimant": "inbound@host-b:4242", "messages": 1},
        {"topic": "inbound", "claimant": mine, "messages": 1},
    ]
    screen = render(report)
    assert mine in screen
    assert "inbound@host-b:4242" in screen
