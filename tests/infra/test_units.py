"""The systemd units, slice and timers, checked by systemd's own tools.

`systemd-analyze verify` reads every unit in one call inside a throwaway root holding the
programs they run (shims); `security --offline` rates the hardening; `calendar` expands the
recycle timers to show that no two services restart in the same minute.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import UNITS, require_tool

SERVICES = ("onebox-telegram", "onebox-whatsapp", "onebox-orchestrator")
LONG_RUNNING = (*SERVICES, "onebox-metrics")
PORTS = {"onebox-telegram": 3001, "onebox-whatsapp": 3002, "onebox-orchestrator": 3003}


def read_unit(name: str) -> dict[str, dict[str, list[str]]]:
    """Unit file -> {section: {key: [values...]}} (keys repeat in systemd units)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def throwaway_root(tmp_path: Path) -> Path:
    """A root holding systemd's own units, ours, and a shim at every path our units execute."""
    root = tmp_path / "root"
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    target = root / "etc/systemd/system"
    shutil.copytree(UNITS, target)
    for unit in UNITS.iterdir():
        for values in read_unit(unit.name).get("Service", {}).items():
            key, commands = values
            if not key.startswith("Exec"):
                continue
            for command in commands:
                program = command.lstrip("-@:+!").split()[0]
                shim = root / program.lstrip("/")
                shim.parent.mkdir(parents=True, exist_ok=True)
                shim.write_text("#!/bin/sh\n")
                shim.chmod(0o755)
    return root


def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    tool = require_tool("systemd-analyze")
    root = throwaway_root(tmp_path)
    names = sorted(p.name for p in UNITS.iterdir())
    names = [n.replace("@.service", "@onebox-telegram.service") for n in names]
    (root / "etc/systemd/system/onebox-recycle@onebox-telegram.service").symlink_to(
        "onebox-recycle@.service"
    )
    result = subprocess.run(
        [tool, "verify", f"--root={root}", "--recursive-errors=yes", "--man=no", *names],
        capture_output=True,
        text=True,
        check=False,
        cwd=root / "etc/systemd/system",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert len(names) >= 15


def test_verify_catches_a_deprecated_key(tmp_path: Path) -> None:
    """The same call fails on MemoryLimit=, so a pass above means something."""
    tool = require_tool("systemd-analyze")
    root = throwaway_root(tmp_path)
    unit = root / "etc/systemd/system/onebox-telegram.service"
    unit.write_text(unit.read_text().replace("MemoryMax=", "MemoryLimit="))
    result = subprocess.run(
        [tool, "verify", f"--root={root}", "--recursive-errors=yes", "--man=no", unit.name],
        capture_output=True,
        text=True,
        check=False,
        cwd=unit.parent,
    )
    assert result.returncode != 0
    assert "MemoryLimit" in result.stderr


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_service_exposure_is_2_or_lower(service: str) -> None:
    tool = require_tool("systemd-analyze")
    result = subprocess.run(
        [tool, "security", "--offline=yes", "--threshold=20", str(UNITS / f"{service}.service")],
        capture_output=True,
        text=True,
        check=False,
    )
    score = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    assert score is not None, result.stdout + result.stderr
    print(f"{service}: exposure {score.group(1)}")
    assert float(score.group(1)) <= 2.0
    assert result.returncode == 0


@pytest.mark.parametrize("service", SERVICES)
def test_service_unit_has_the_production_settings(service: str) -> None:
    unit = read_unit(f"{service}.service")
    svc, head = unit["Service"], unit["Unit"]
    one = {k: v[-1] for k, v in svc.items()}
    assert one["Type"] == "notify"
    assert one["NotifyAccess"] == "all"  # uv is the main process
    assert one["WatchdogSec"]
    assert one["Restart"] == "on-failure"
    assert 2 <= int(one["RestartSec"].rstrip("s")) <= 10
    assert head["StartLimitBurst"]
    assert head["StartLimitIntervalSec"]
    assert "onebox-migrate.service" in head["Requires"][0]
    assert "onebox-migrate.service" in head["After"][0]
    assert one["User"] == "onebox"
    assert "DynamicUser" not in svc
    assert one["Slice"] == "onebox.slice"
    assert one["MemoryHigh"]
    assert one["MemoryMax"]
    assert "MemoryLimit" not in svc
    assert one["CPUQuota"].endswith("%")
    assert int(one["TasksMax"]) > 0
    assert one["SyslogIdentifier"] == service
    assert f"-/etc/onebox/{service}.env" in svc["EnvironmentFile"]
    assert svc["LoadCredential"] == [f"ONEBOX:/etc/onebox/credentials/{service}"]
    assert f"ONEBOX_PORT={PORTS[service]}" in svc["Environment"]
    assert any(e.startswith("UV_CACHE_DIR=") for e in svc["Environment"])
    assert f"UV_PROJECT_ENVIRONMENT=/opt/onebox/venvs/{service}" in svc["Environment"]
    assert re.fullmatch(
        rf"/opt/onebox/bin/uv run --frozen --no-sync --package onebox-\S+ {service}",
        one["ExecStart"],
    )
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "SystemCallErrorNumber": "EPERM",
        "StateDirectory": "onebox",
    }.items():
        assert one[key] == value, key
    assert "@system-service" in svc["SystemCallFilter"]


def test_metrics_textfile_is_readable_by_node_exporter(tmp_path: Path, db_path: Path) -> None:
    """Run the exporter with the unit's UMask: the file must be readable by other users."""
    unit = read_unit("onebox-metrics.service")["Service"]
    umask = int(unit["UMask"][-1], 8)
    assert umask & 0o044 == 0, "a UMask hiding group/other read would hide the textfile"
    assert unit["StateDirectoryMode"][-1] == "0755"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")}
    out = tmp_path / "textfile"
    out.mkdir(mode=0o755)
    url = f"sqlite:///{db_path}"
    old = os.umask(umask)
    try:
        subprocess.run(
            ["onebox-metrics", "--database-url", url, "export", "--dir", str(out)],
            check=True,
            env=env,
            capture_output=True,
        )
    finally:
        os.umask(old)
    mode = (out / "onebox.prom").stat().st_mode & 0o777
    assert mode & 0o004, oct(mode)


def test_recycle_timers_never_fire_in_the_same_minute() -> None:
    tool = require_tool("systemd-analyze")
    fired: dict[str, set[str]] = {}
    for timer in sorted(UNITS.glob("onebox-recycle-*.timer")):
        parsed = read_unit(timer.name)
        spec = parsed["Timer"]["OnCalendar"][0]
        service = "onebox-" + timer.stem.removeprefix("onebox-recycle-")
        assert parsed["Timer"]["Unit"] == [f"onebox-recycle@{service}.service"]
        result = subprocess.run(
            [tool, "calendar", "--iterations=8", spec],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "TZ": "UTC", "LC_ALL": "C"},
        )
        times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", result.stdout)
        assert len(times) == 8, result.stdout
        fired[timer.name] = {t[11:] for t in times}
    assert set(fired) == {f"onebox-recycle-{s[7:]}.timer" for s in SERVICES}
    names = list(fired)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not fired[a] & fired[b], (a, b)
    print({n: sorted(t) for n, t in fired.items()})


def test_recycle_is_a_graceful_try_restart() -> None:
    unit = read_unit("onebox-recycle@.service")["Service"]
    assert unit["ExecStart"] == ["/usr/bin/systemctl try-restart %i.service"]
    for service in SERVICES:
        assert "RuntimeMaxSec" not in read_unit(f"{service}.service")["Service"]


def test_slice_sets_the_shared_budget() -> None:
    unit = read_unit("onebox.slice")["Slice"]
    assert unit["MemoryHigh"]
    assert unit["MemoryMax"]
    assert unit["CPUQuota"][0].endswith("%")
    for service in LONG_RUNNING:
        assert read_unit(f"{service}.service")["Service"]["Slice"] == ["onebox.slice"]
