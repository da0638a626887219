"""The production readiness checks behind ``onebox doctor``.

Each check looks at one thing on this machine (the database file, a folder, a unit file, a
port) and returns `Check` results: ``ok``, ``warn`` or ``fail``, each with the fix. Every
path and the systemctl command come from `Paths`, so tests point them at temporary folders.
Secrets are never printed: a settings problem names the variable, never its value.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
from pydantic import ValidationError
from pydantic_settings import BaseSettings

Status = Literal["ok", "warn", "fail"]
SERVICES = ("onebox-telegram", "onebox-whatsapp", "onebox-orchestrator")
TIMERS = (
    "onebox-recycle-telegram.timer",
    "onebox-recycle-whatsapp.timer",
    "onebox-recycle-orchestrator.timer",
    "onebox-healthcheck.timer",
    "onebox-backup.timer",
)
LIMITS = ("MemoryHigh", "MemoryMax", "CPUQuota", "TasksMax")
WEBHOOKS = {"onebox-telegram": "/webhook/telegram", "onebox-whatsapp": "/webhook/whatsapp"}
DEFAULT_PORTS = {"onebox-telegram": 3001, "onebox-whatsapp": 3002, "onebox-orchestrator": 3003}
SECRET_WORDS = ("TOKEN", "SECRET", "API_KEY", "PASSWORD")
SANDBOX_TOKENS = {
    "onebox-telegram": "ONEBOX_TELEGRAM_BOT_TOKEN",
    "onebox-whatsapp": "ONEBOX_WHATSAPP_ACCESS_TOKEN",
}
# Variables read outside the services' settings classes (scripts, the exporter, the router).
EXTRA_NAMES = frozenset(
    {"ONEBOX_METRICS_DIR", "ONEBOX_METRICS_RETENTION_DAYS", "ONEBOX_TEST_POSTGRES_URL"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One finding: what was checked, how it stands, and what to do about it."""

    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Paths:
    """Where doctor looks (production defaults; tests inject temporary folders)."""

    database: Path
    etc_dir: Path = Path("/etc/onebox")
    unit_dir: Path = Path("/etc/systemd/system")
    textfile_dir: Path = Path("/var/lib/onebox-metrics")
    systemctl: tuple[str, ...] = ("systemctl",)
    host: str = "127.0.0.1"
    min_free_bytes: int = 1 << 30

    @property
    def credentials(self) -> Path:
        """The systemd credential folders, one per service."""
        return self.etc_dir / "credentials"


@dataclass(slots=True)
class Enabled:
    """The services configured on this machine (an env file or a unit file exists)."""

    services: list[str] = field(default_factory=list)

    @classmethod
    def find(cls, paths: Paths) -> Enabled:
        """Services with an ``/etc/onebox/<unit>.env`` or an installed unit file."""
        found = [
            s
            for s in SERVICES
            if (paths.etc_dir / f"{s}.env").is_file() or (paths.unit_dir / f"{s}.service").is_file()
        ]
        return cls(found)


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a systemd EnvironmentFile (comments and blanks skipped)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("\"'")
    return values


def check_database(paths: Paths, url: str) -> Iterator[Check]:
    """The file exists and is writable with its folder, WAL is on, the schema is at head."""
    db = paths.database
    if not db.is_file():
        yield Check(
            name="database",
            status="fail",
            detail=f"no database at {db}",
            fix="run `onebox migrate` (or start onebox-migrate.service)",
        )
        return
    writable = os.access(db, os.W_OK) and os.access(db.parent, os.W_OK)
    yield Check(
        name="database writable",
        status="ok" if writable else "fail",
        detail=f"{db} and its folder" + ("" if writable else " are not both writable"),
        fix="" if writable else f"chown -R onebox:onebox {db.parent} (WAL writes beside the file)",
    )
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()
    yield Check(
        name="WAL mode",
        status="ok" if mode == "wal" else "fail",
        detail=f"journal_mode={mode}",
        fix="" if mode == "wal" else "run `onebox migrate`: onebox connections switch it to WAL",
    )
    from onebox_bus import BusError, check_schema

    try:
        check_schema(url)
    except BusError as exc:
        yield Check(name="migrations", status="fail", detail=str(exc), fix="run `onebox migrate`")
    else:
        yield Check(name="migrations", status="ok", detail="schema at the installed heads")


def check_disk(paths: Paths) -> Iterator[Check]:
    """Free space where the database lives."""
    folder = paths.database.parent if paths.database.parent.exists() else Path("/")
    usage = shutil.disk_usage(folder)
    share = usage.free / usage.total
    detail = f"{usage.free / 2**30:.1f} GiB free ({share:.0%}) on {folder}"
    if usage.free < paths.min_free_bytes or share < 0.05:
        yield Check(
            name="disk space",
            status="fail",
            detail=detail,
            fix="free space: SQLite fails writes with 'database or disk is full' "
            "(journalctl --vacuum-size=200M, prune backups)",
        )
    elif share < 0.15:
        yield Check(name="disk space", status="warn", detail=detail, fix="free some space soon")
    else:
        yield Check(name="disk space", status="ok", detail=detail)


def _settings_classes(service: str) -> list[type[BaseSettings]]:
    if service == "onebox-telegram":
        from onebox_agent_telegram.settings import TelegramSettings

        return [TelegramSettings]
    if service == "onebox-whatsapp":
        from onebox_agent_whatsapp import WhatsAppSettings

        return [WhatsAppSettings]
    from onebox_orchestrator.settings import OrchestratorSettings
    from onebox_router import RouterSettings

    return [OrchestratorSettings, RouterSettings]


def _known_names(classes: list[type[BaseSettings]]) -> set[str]:
    names = set(EXTRA_NAMES)
    for cls in classes:
        names |= {f"ONEBOX_{f.upper()}" for f in cls.model_fields}
    return names


def check_settings(paths: Paths, enabled: Enabled) -> Iterator[Check]:
    """Each enabled service's env file plus credentials validate with its settings classes."""
    common = read_env_file(paths.etc_dir / "common.env")
    if not enabled.services:
        yield Check(
            name="settings",
            status="warn",
            detail=f"no service configured (no {paths.etc_dir}/onebox-*.env, no unit installed)",
            fix="run infra/install.sh, then edit the env files",
        )
    for service in enabled.services:
        env_file = paths.etc_dir / f"{service}.env"
        values = {**common, **read_env_file(env_file)}
        classes = _settings_classes(service)
        unknown = sorted(
            k for k in values if k.startswith("ONEBOX_") and k not in _known_names(classes)
        )
        if unknown:
            yield Check(
                name=f"settings {service}",
                status="warn",
                detail=f"unknown variable(s) in {env_file.name}: {', '.join(unknown)}",
                fix="check the spelling against the service's settings",
            )
        leaked = sorted(k for k in values if any(word in k for word in SECRET_WORDS))
        if leaked:
            yield Check(
                name=f"secrets {service}",
                status="fail",
                detail=f"secret(s) in {env_file}: {', '.join(leaked)}",
                fix=f"move each to {paths.credentials / service}/<NAME without ONEBOX_> "
                "(chmod 600) and delete the line",
            )
        creds = paths.credentials / service
        secrets: dict[str, str] = {}
        if creds.is_dir():
            for item in creds.iterdir():
                if item.is_file():
                    secrets[f"ONEBOX_{item.name}"] = item.read_text().strip()
        fields = {k[len("ONEBOX_") :].lower(): v for k, v in {**values, **secrets}.items()}
        problems = []
        for cls in classes:
            own = {k: v for k, v in fields.items() if k in cls.model_fields}
            try:
                cls(**own)
            except ValidationError as exc:
                from onebox_service.settings import describe_validation_error

                problems.append(describe_validation_error(cls, exc))  # type: ignore[arg-type]
        if problems:
            yield Check(
                name=f"settings {service}",
                status="fail",
                detail="; ".join(problems),
                fix=f"correct {env_file} or the credential files in {creds}",
            )
        elif service in SANDBOX_TOKENS and getattr(_first(classes, fields), "sandbox", None):
            token = SANDBOX_TOKENS[service]
            yield Check(
                name=f"settings {service}",
                status="fail",
                detail="sandbox mode on a production install: replies are recorded, not sent, "
                "and unsigned webhooks from this machine are accepted",
                fix=f"put {token} in {creds}/ (name without ONEBOX_) and remove ONEBOX_SANDBOX",
            )
        else:
            yield Check(name=f"settings {service}", status="ok", detail="valid (configured)")


def _first(classes: list[type[BaseSettings]], fields: dict[str, str]) -> BaseSettings:
    cls = classes[0]
    return cls(**{k: v for k, v in fields.items() if k in cls.model_fields})


def check_secret_permissions(paths: Paths) -> Iterator[Check]:
    """The credentials folders and files are readable by root only."""
    root = paths.credentials
    if not root.is_dir():
        yield Check(
            name="secrets permissions",
            status="warn",
            detail=f"no {root}",
            fix="run infra/install.sh (creates it, mode 0700)",
        )
        return
    loose = [p for p in [root, *sorted(root.rglob("*"))] if p.stat().st_mode & 0o077]
    if loose:
        yield Check(
            name="secrets permissions",
            status="fail",
            detail="readable by others: " + ", ".join(str(p) for p in loose),
            fix="chmod 700 on the folders and 600 on the files (owner root)",
        )
    else:
        yield Check(name="secrets permissions", status="ok", detail=f"{root} is root-only")


def _unit_keys(path: Path) -> dict[str, str]:
    keys: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            keys[key.strip()] = value.strip()
    return keys


def check_units(paths: Paths, enabled: Enabled) -> Iterator[Check]:
    """Unit files installed, each service with its memory, CPU and task limits."""
    for service in [*enabled.services, "onebox-metrics", "onebox-migrate"]:
        unit = paths.unit_dir / f"{service}.service"
        if not unit.is_file():
            yield Check(
                name=f"unit {service}",
                status="fail",
                detail=f"{unit} is not installed",
                fix="run infra/install.sh",
            )
            continue
        keys = _unit_keys(unit)
        if service == "onebox-migrate":
            yield Check(name=f"unit {service}", status="ok", detail="installed")
            continue
        missing = [k for k in LIMITS if not keys.get(k)]
        if "MemoryLimit" in keys:
            missing.append("MemoryLimit= (deprecated; use MemoryHigh/MemoryMax)")
        if missing:
            yield Check(
                name=f"unit {service}",
                status="fail",
                detail="limits missing or wrong: " + ", ".join(missing),
                fix="reinstall the unit from infra/systemd (infra/install.sh)",
            )
        else:
            detail = " ".join(f"{k}={keys[k]}" for k in LIMITS)
            yield Check(name=f"unit {service}", status="ok", detail=detail)
    for timer in TIMERS:
        if not (paths.unit_dir / timer).is_file():
            yield Check(
                name=f"unit {timer}",
                status="fail",
                detail="not installed",
                fix="run infra/install.sh",
            )


def check_timers(paths: Paths) -> Iterator[Check]:
    """Every recycle, health-check and backup timer is active."""
    try:
        done = subprocess.run(
            [*paths.systemctl, "is-active", *TIMERS],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        yield Check(
            name="timers",
            status="warn",
            detail=f"cannot ask systemd ({type(exc).__name__})",
            fix="run doctor on the VM, where systemd manages onebox",
        )
        return
    states = done.stdout.split()
    if len(states) != len(TIMERS):
        yield Check(
            name="timers",
            status="warn",
            detail="systemd did not answer (not running here?)",
            fix="run doctor on the VM, where systemd manages onebox",
        )
        return
    idle = [t for t, s in zip(TIMERS, states, strict=True) if s != "active"]
    if idle:
        yield Check(
            name="timers",
            status="fail",
            detail="not active: " + ", ".join(idle),
            fix="systemctl enable --now " + " ".join(idle),
        )
    else:
        yield Check(name="timers", status="ok", detail=f"{len(TIMERS)} timers active")


def check_webhooks(paths: Paths, enabled: Enabled) -> Iterator[Check]:
    """Each enabled channel's webhook route answers on loopback (not 404, not refused)."""
    common = read_env_file(paths.etc_dir / "common.env")
    for service, route in WEBHOOKS.items():
        if service not in enabled.services:
            continue
        values = {**common, **read_env_file(paths.etc_dir / f"{service}.env")}
        port = values.get("ONEBOX_PORT") or str(DEFAULT_PORTS[service])
        url = f"http://{paths.host}:{port}{route}"
        try:
            status = httpx.get(url, timeout=3.0).status_code
        except httpx.HTTPError as exc:
            yield Check(
                name=f"webhook {service}",
                status="fail",
                detail=f"{url} unreachable ({type(exc).__name__})",
                fix=f"systemctl status {service}; journalctl -u {service}",
            )
            continue
        bad = status == 404 or status >= 500
        yield Check(
            name=f"webhook {service}",
            status="fail" if bad else "ok",
            detail=f"{url} answers {status}",
            fix=f"journalctl -u {service}" if bad else "",
        )


def check_textfile(paths: Paths) -> Iterator[Check]:
    """The metrics textfile folder exists, is writable here and readable by node_exporter."""
    folder = paths.textfile_dir
    if not folder.is_dir():
        yield Check(
            name="textfile folder",
            status="fail",
            detail=f"{folder} does not exist",
            fix="run infra/install.sh (StateDirectory=onebox-metrics creates it)",
        )
        return
    mode = folder.stat().st_mode & 0o777
    if not os.access(folder, os.W_OK):
        yield Check(
            name="textfile folder",
            status="fail",
            detail=f"{folder} is not writable",
            fix=f"chown onebox:onebox {folder}",
        )
    elif mode & 0o005 != 0o005:
        yield Check(
            name="textfile folder",
            status="fail",
            detail=f"{folder} is {oct(mode)}: node_exporter cannot read it",
            fix=f"chmod 755 {folder}",
        )
    else:
        yield Check(name="textfile folder", status="ok", detail=f"{folder} ({oct(mode)})")


def check_clock(paths: Paths) -> Iterator[Check]:
    """The clock is plausible and not behind the newest message in the database."""
    now = time.time()
    if dt.datetime.fromtimestamp(now, dt.UTC).year < 2025:
        yield Check(
            name="clock",
            status="fail",
            detail="the system clock is before 2025",
            fix="enable time sync: timedatectl set-ntp true",
        )
        return
    newest = None
    if paths.database.is_file():
        conn = sqlite3.connect(f"file:{paths.database}?mode=ro", uri=True)
        try:
            newest = conn.execute("SELECT max(created_at) FROM bus_messages").fetchone()[0]
        except sqlite3.Error:
            newest = None
        finally:
            conn.close()
    if newest is not None and float(newest) > now + 300:
        yield Check(
            name="clock",
            status="fail",
            detail=f"the newest message is {float(newest) - now:.0f} s in the future",
            fix="the clock went back: enable time sync (timedatectl set-ntp true)",
        )
        return
    yield Check(name="clock", status="ok", detail="plausible, not behind the database")
