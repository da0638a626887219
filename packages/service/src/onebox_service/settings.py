"""Service settings: the one place onebox's services read the environment.

`ServiceSettings` holds what every service reads (``ONEBOX_DATABASE_URL``, ``ONEBOX_HOST``,
``ONEBOX_PORT``, ``ONEBOX_LOG_LEVEL``, ``ONEBOX_LOG_FORMAT``, ``ONEBOX_ADMIN_TOKEN``, ...);
each service subclasses it, sets its own port default and adds its fields. `load_settings`
builds one at start: a variable that is absent may come from a systemd credential file
``$CREDENTIALS_DIRECTORY/<VARIABLE_NAME>`` (``LoadCredential=ONEBOX_ADMIN_TOKEN:/etc/...``),
and a bad value stops the process with one line naming the variable, never its value.
`systemd_environment` reads the variables systemd hands a ``Type=notify`` service.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "ONEBOX_"
DEFAULT_DATABASE_URL = "sqlite:///./var/onebox.db"
MAX_BODY_BYTES = 1024 * 1024

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["json", "console"]

S = TypeVar("S", bound="ServiceSettings")


class ServiceSettings(BaseSettings):
    """What every onebox service reads; subclass it per service.

    Attributes:
        database_url: the shared database (``ONEBOX_DATABASE_URL``).
        host: the address to listen on (``ONEBOX_HOST``), loopback by default.
        port: the port (``ONEBOX_PORT``); each service sets its own default.
        log_level: ``debug``, ``info``, ``warning`` or ``error``.
        log_format: ``json`` (one object per line, for journald) or ``console``.
        admin_token: bearer token of the admin API; without it the admin API is off.
        sandbox: ``ONEBOX_SANDBOX``: True asks for sandbox mode (replies recorded, unsigned
            webhooks only from this machine), False refuses it; unset, an agent implies it
            only from missing platform tokens on a loopback address. Agents resolve it to a
            bool when their settings are built (`onebox_service.sandbox_mode`).
        metrics_flush_seconds: how often the metrics collector writes to the database.
        shutdown_grace_seconds: how long in-flight work may take to finish on stop.
        worker_stall_seconds: a worker whose loop has not gone round for this long is wedged
            (health 503, no watchdog ping).
        max_body_bytes: the webhook body size limit (413 above it).
        busy_timeout_seconds: how long a write waits for the SQLite lock before the request
            is answered 503.
        runtime_sample_seconds: how often process and provider figures are sampled.
        events_enabled: record message events (``service_events``) for ``onebox trace``.
        events_flush_seconds: how often buffered message events are written.
        events_retention_days: message events older than this are purged.
        http_header_timeout_seconds: a connection must send a request's headers within this
            (from opening, or from the previous response), else it is closed.
        http_keepalive_seconds: an idle keep-alive connection is closed after this.
        http_max_connections: connections (and requests) served at once; above it uvicorn
            answers 503 at once.
        voice_enabled: agents transcribe voice notes (``ONEBOX_VOICE_ENABLED``); off, a voice
            note gets the polite "please type" reply.
        media_dir: where an agent writes a voice note while it is transcribed
            (``ONEBOX_MEDIA_DIR``; by default ``media`` beside the SQLite file, else
            ``var/media``); no ``..`` in it.
        voice_max_mb: larger voice notes are refused, before the download when the platform
            declares the size (``ONEBOX_VOICE_MAX_MB``; Telegram's Bot API stops at 20).
        voice_max_seconds: longer voice notes are refused (``ONEBOX_VOICE_MAX_SECONDS``).
        voice_lease_seconds: how long a claimed voice note stays the agent's while it is
            downloaded and transcribed; after a crash it is handled again once this has
            passed (``ONEBOX_VOICE_LEASE_SECONDS``).
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="ignore", case_sensitive=False
    )

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=1, le=65535)
    log_level: LogLevel = "info"
    log_format: LogFormat = "json"
    admin_token: SecretStr | None = None
    sandbox: bool | None = None
    metrics_flush_seconds: float = Field(default=10.0, gt=0)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    worker_stall_seconds: float = Field(default=30.0, gt=0)
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, gt=0)
    busy_timeout_seconds: float = Field(default=5.0, gt=0)
    runtime_sample_seconds: float = Field(default=10.0, gt=0)
    events_enabled: bool = True
    events_flush_seconds: float = Field(default=2.0, gt=0)
    events_retention_days: float = Field(default=14.0, gt=0)
    http_header_timeout_seconds: float = Field(default=10.0, gt=0)
    http_keepalive_seconds: float = Field(default=5.0, gt=0)
    http_max_connections: int = Field(default=1000, ge=1)
    voice_enabled: bool = True
    media_dir: Path | None = None
    voice_max_mb: float = Field(default=16.0, gt=0, le=20)
    voice_max_seconds: float = Field(default=300.0, gt=0, le=3600)
    voice_lease_seconds: float = Field(default=120.0, ge=1)

    @field_validator("media_dir")
    @classmethod
    def _media_inside(cls, value: Path | None) -> Path | None:
        if value is not None and ".." in value.parts:
            raise ValueError("must not contain '..' (voice notes stay inside the data folder)")
        return value


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemdEnvironment:
    """What systemd hands a service: notify socket, watchdog interval, credentials folder."""

    notify_socket: str | None = None
    watchdog_usec: int | None = None
    credentials_directory: Path | None = None

    @property
    def watchdog_seconds(self) -> float | None:
        """The watchdog timeout in seconds, or None when the watchdog is off."""
        if not self.watchdog_usec or self.watchdog_usec <= 0:
            return None
        return self.watchdog_usec / 1_000_000


def systemd_environment() -> SystemdEnvironment:
    """Read ``NOTIFY_SOCKET``, ``WATCHDOG_USEC`` and ``CREDENTIALS_DIRECTORY``."""
    usec_text = os.environ.get("WATCHDOG_USEC", "")
    usec = int(usec_text) if usec_text.isdigit() else None
    creds = os.environ.get("CREDENTIALS_DIRECTORY") or None
    return SystemdEnvironment(
        notify_socket=os.environ.get("NOTIFY_SOCKET") or None,
        watchdog_usec=usec,
        credentials_directory=Path(creds) if creds else None,
    )


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable and never shows the value."""


def build_settings(cls: type[S], *, credentials_directory: Path | None = None) -> S:
    """Build `cls` from the environment (and systemd credentials when given).

    Raises:
        SettingsError: one line per bad variable, naming it and what is wrong.
    """
    creds = credentials_directory
    if creds is None:
        creds = systemd_environment().credentials_directory
    try:
        if creds is not None and creds.is_dir():
            return cls(_secrets_dir=creds)  # type: ignore[call-arg]
        return cls()
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(cls, exc)) from None


def describe_validation_error(cls: type[ServiceSettings], exc: ValidationError) -> str:
    """One line naming each bad ``ONEBOX_*`` variable and the problem (no input values)."""
    prefix = str(cls.model_config.get("env_prefix") or "")
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        if not error["loc"]:  # a rule across settings: its message names the variables
            parts.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        field = str(error["loc"][0])
        parts.append(f"{prefix}{field.upper()}: {error['msg']}")
    return "invalid setting " + "; ".join(parts)


def load_settings(cls: type[S]) -> S:
    """Build the settings for `main()`; on a bad value print one line and exit with status 2."""
    try:
        return build_settings(cls)
    except SettingsError as exc:
        print(f"onebox: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
