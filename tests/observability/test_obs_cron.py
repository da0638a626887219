"""The crontab alternative: valid schedule fields, and units that are the PM2 app names."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CRONTAB = ROOT / "infra" / "cron" / "onebox.crontab"
RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def _field_ok(field: str, low: int, high: int) -> bool:
    for part in field.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return False
        if base == "*":
            continue
        lo, _, hi = base.partition("-")
        numbers = [lo, hi] if hi else [lo]
        if not all(n.isdigit() and low <= int(n) <= high for n in numbers):
            return False
    return True


def _parse() -> tuple[dict[str, str], list[tuple[list[str], str]]]:
    env: dict[str, str] = {}
    jobs: list[tuple[list[str], str]] = []
    for line in CRONTAB.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        first = line.split()[0]
        if "=" in first and not first[0].isdigit() and first[0] != "*":
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
            continue
        parts = line.split(None, 5)
        jobs.append((parts[:5], parts[5]))
    return env, jobs


def test_every_job_has_a_valid_schedule_and_a_known_command() -> None:
    env, jobs = _parse()
    assert len(jobs) == 4
    for fields, command in jobs:
        assert all(_field_ok(f, lo, hi) for f, (lo, hi) in zip(fields, RANGES, strict=True))
        assert command.strip()
    commands = " ".join(command for _, command in jobs)
    assert "infra/bin/onebox-healthcheck" in commands
    assert "onebox-metrics export" in commands
    assert "onebox purge" in commands
    assert (ROOT / "infra" / "bin" / "onebox-healthcheck").exists()
    assert env["ONEBOX_HEALTHCHECK_RESTART_CMD"] == "pm2 restart"
    assert env["ONEBOX_HEALTHCHECK_STATE_CMD"] == ""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_health_checked_units_are_the_pm2_apps_with_their_ports() -> None:
    env, _ = _parse()
    script = (
        "const c = require(process.argv[1]);"
        "console.log(JSON.stringify(c.apps.map(a => [a.name, (a.env || {}).ONEBOX_PORT || null])))"
    )
    done = subprocess.run(
        ["node", "-e", script, str(ROOT / "infra" / "pm2" / "ecosystem.config.js")],
        capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    ports = {name: port for name, port in json.loads(done.stdout)}
    units = dict(item.split("=", 1) for item in env["ONEBOX_HEALTHCHECK_UNITS"].split(","))
    assert set(units) <= set(ports)
    for name, url in units.items():
        assert url == f"http://127.0.0.1:{ports[name]}/health"
