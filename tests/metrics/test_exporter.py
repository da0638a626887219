"""The textfile exporter: valid for promtool, prometheus-client and the real node_exporter."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from onebox_bus import Bus, Database
from onebox_bus.testing import FakeClock
from onebox_metrics import Collector
from onebox_metrics.cli import main
from onebox_metrics.exporter import export, roll_up
from onebox_metrics.query import read_series
from onebox_metrics.testing import NodeExporter, find_node_exporter
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

PROMTOOL = shutil.which("promtool")


def fill(db: Database, db_url: str, clock: FakeClock) -> None:
    """Two services' figures in the table and a few messages on the bus."""
    for service, channel in (("agent-telegram", "telegram"), ("orchestrator", "telegram")):
        collector = Collector(service=service, db=db, clock=clock)
        c = collector.counter(
            "onebox_webhook_requests_total",
            "Webhook requests by outcome.",
            labels=("channel", "outcome"),
        )
        c.inc(3, channel=channel, outcome="accepted")
        c.inc(channel=channel, outcome='odd "value"\\')
        collector.gauge("onebox_queue_depth", "Messages waiting.", labels=("topic",)).set(
            4, topic="inbound"
        )
        h = collector.histogram(
            "onebox_reply_latency_seconds",
            "Webhook to reply sent.",
            labels=("channel",),
            buckets=(0.1, 1.0),
        )
        h.observe(0.2, channel=channel)
        h.observe(2.0, channel=channel)
        collector.close()
    with Bus.from_url(db_url) as bus:
        bus.publish("inbound", {"text": "hi"})
        bus.publish("inbound", {"text": "hello"})
        bus.publish("outbound.telegram", {"text": "x"}, max_attempts=1)
        (claimed,) = bus.claim("outbound.telegram", consumer="test")
        bus.nack(claimed, "blocked by user")


def families_of(body: str) -> dict[str, list[tuple[str, dict[str, str], float]]]:
    return {
        f.name: [(s.name, s.labels, s.value) for s in f.samples]
        for f in text_string_to_metric_families(body)
    }


def test_export_writes_a_complete_world_readable_file(
    tmp_path: Path, db: Database, db_url: str, clock: FakeClock
) -> None:
    fill(db, db_url, clock)
    out = tmp_path / "textfile"
    assert main(["--database-url", db_url, "export", "--dir", str(out)]) == 0

    path = out / "onebox.prom"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in out.iterdir()] == ["onebox.prom"]  # no temporary file left
    body = path.read_text()
    assert body.endswith("\n")
    got = families_of(body)
    requests = got["onebox_webhook_requests"]
    assert (
        "onebox_webhook_requests_total",
        {"service": "orchestrator", "channel": "telegram", "outcome": "accepted"},
        3.0,
    ) in requests
    assert {lb["service"] for _, lb, _ in requests} == {"agent-telegram", "orchestrator"}
    assert ("onebox_queue_depth", {"service": "orchestrator", "topic": "inbound"}, 4.0) in got[
        "onebox_queue_depth"
    ]
    latency = {
        (s, lb["service"], lb.get("le")): v for s, lb, v in got["onebox_reply_latency_seconds"]
    }
    assert latency[("onebox_reply_latency_seconds_bucket", "orchestrator", "1.0")] == 1
    assert latency[("onebox_reply_latency_seconds_count", "orchestrator", None)] == 2
    messages = {(lb["topic"], lb["state"]): v for _, lb, v in got["onebox_bus_messages"]}
    assert messages[("inbound", "ready")] == 2
    assert messages[("outbound.telegram", "dead")] == 1
    assert {lb["topic"]: v for _, lb, v in got["onebox_bus_dead_letters"]}["outbound.telegram"] == 1
    assert "onebox_bus_oldest_ready_age_seconds" in got
    assert "onebox_bus_wal_bytes" in got
    assert "onebox_metrics_last_flush_timestamp_seconds" in got
    for line in body.splitlines():  # HELP and TYPE for every family, onebox_ prefix throughout
        if line.startswith("# TYPE"):
            assert f"# HELP {line.split()[2]} " in body
        elif not line.startswith("#"):
            assert line.startswith("onebox_")


@pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (Debian package prometheus)"
)
def test_promtool_finds_no_problem(
    tmp_path: Path, db: Database, db_url: str, clock: FakeClock
) -> None:
    fill(db, db_url, clock)
    with Bus.from_url(db_url) as bus:
        path = export(db.engine, tmp_path, bus_stats=bus.stats(), now=clock())
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, "check", "metrics"],
        input=path.read_bytes(),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, (done.stdout + done.stderr).decode()


@pytest.mark.skipif(
    find_node_exporter() is None,
    reason="node_exporter is not installed (Debian package prometheus-node-exporter)",
)
def test_node_exporter_serves_onebox_families(
    tmp_path: Path, db: Database, db_url: str, clock: FakeClock
) -> None:
    fill(db, db_url, clock)
    folder = tmp_path / "textfile"
    folder.mkdir()
    with NodeExporter(folder) as node:
        assert main(["--database-url", db_url, "export", "--dir", str(folder)]) == 0
        scrape = node.scrape()
    lines = scrape.splitlines()
    assert "node_textfile_scrape_error 0" in lines
    assert 'promhttp_metric_handler_errors_total{cause="gathering"} 0' in lines
    got = families_of(scrape)
    for family in (
        "onebox_webhook_requests",
        "onebox_reply_latency_seconds",
        "onebox_queue_depth",
        "onebox_bus_messages",
        "onebox_bus_dead_letters",
    ):
        assert got.get(family), family
    mtimes = {lb["file"] for _, lb, _ in got["node_textfile_mtime_seconds"]}
    assert mtimes == {str(folder / "onebox.prom")}


def test_roll_up_folds_old_rows_and_keeps_totals(db: Database, clock: FakeClock) -> None:
    collector = Collector(service="orchestrator", db=db, clock=clock)
    c = collector.counter("onebox_replies_total", "Replies.")
    g = collector.gauge("onebox_queue_depth", "Waiting.")
    h = collector.histogram("onebox_latency_seconds", "Latency.", buckets=(1.0,))
    for minute in range(120):  # two hours of minutes, 20 days ago
        c.inc(2)
        g.set(minute)
        h.observe(0.5)
        collector.flush()
        clock.advance(60)
    clock.advance(20 * 86400)
    c.inc(1)
    collector.flush()

    def rows() -> int:
        with db.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM metrics_samples")).scalar_one())

    before = {s.name: s for s in read_series(db.engine)}
    assert rows() == 361
    assert roll_up(db.engine, now=clock(), retention=14 * 86400) == 360
    assert rows() <= 3 * 2 + 1  # one row per series and day (two hours may span two days)
    after = {s.name: s for s in read_series(db.engine)}
    assert after["onebox_replies_total"].value == before["onebox_replies_total"].value == 241
    assert after["onebox_queue_depth"].value == 119
    assert (after["onebox_latency_seconds"].count, after["onebox_latency_seconds"].buckets) == (
        120,
        {1.0: 120},
    )
    assert roll_up(db.engine, now=clock(), retention=14 * 86400) == 0


def test_show_prints_a_readable_table(
    db: Database, db_url: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(db, db_url, clock)
    assert main(["--database-url", db_url, "show"]) == 0
    out = capsys.readouterr().out
    assert "outbound.telegram" in out
    assert "onebox_webhook_requests_total" in out
    assert "channel=telegram,outcome=accepted" in out
    assert "n=2 p50=" in out


def test_bad_input_gets_a_clear_error(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database-url", db_url, "export"]) == 1
    assert "--dir" in capsys.readouterr().err
    assert main(["--database-url", f"sqlite:///{tmp_path / 'empty.db'}", "show"]) == 1
    assert "onebox migrate" in capsys.readouterr().err
    monkeypatch.setenv("ONEBOX_METRICS_RETENTION_DAYS", "soon")
    assert main(["--database-url", db_url, "export", "--dir", str(tmp_path)]) == 1
    assert "ONEBOX_METRICS_RETENTION_DAYS" in capsys.readouterr().err


def test_export_every_keeps_writing_until_sigterm(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "textfile"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from onebox_metrics.cli import entry; raise SystemExit(entry())",
            "--database-url",
            db_url,
            "export",
            "--dir",
            str(folder),
            "--every",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "ONEBOX_LOG_LEVEL": "debug"},
    )
    try:
        deadline = time.monotonic() + 60
        mtimes: set[float] = set()
        while len(mtimes) < 2 and time.monotonic() < deadline and proc.poll() is None:
            path = folder / "onebox.prom"
            if path.exists():
                mtimes.add(path.stat().st_mtime)
            time.sleep(0.05)
        assert len(mtimes) >= 2, "the file was not rewritten"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0
        # Logged like the services: JSON lines (the debug level asked for shows each export).
        events = [orjson.loads(line) for line in out.splitlines()]
        assert {"event": "metrics.exported", "level": "debug"}.items() <= events[0].items()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_a_bad_log_setting_is_named(tmp_path: Path, db_url: str) -> None:
    for name, value in (("ONEBOX_LOG_LEVEL", "loud"), ("ONEBOX_LOG_FORMAT", "xml")):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from onebox_metrics.cli import entry; raise SystemExit(entry())",
                "--database-url",
                db_url,
                "export",
                "--dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, name: value},
            check=False,
        )
        assert done.returncode != 0
        assert name in done.stderr
        assert not (tmp_path / "onebox.prom").exists()
