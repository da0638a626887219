"""Settings: the one loader of ``ONEBOX_*`` variables for every service and command line above it.

`EnvSettings` is the base of every settings class (pydantic-settings, ``ONEBOX_`` prefix,
frozen); `ServiceSettings` adds what every service reads (``ONEBOX_DATABASE_URL``,
``ONEBOX_HOST``, ``ONEBOX_PORT``, ``ONEBOX_LOG_LEVEL``, ``ONEBOX_LOG_FORMAT``,
``ONEBOX_ADMIN_TOKEN``, ...), and each service subclasses it, sets its own port default and
adds its fields. A `SettingsSection` groups fields under one attribute while their variables
stay flat (the orchestrator's ``routing.groq_api_key`` is ``ONEBOX_GROQ_API_KEY``): the
variable names are an interface that units, scripts and tests configure onebox with.

`load_settings` builds one at start: a variable that is absent may come from a systemd
credential file ``$CREDENTIALS_DIRECTORY/<VARIABLE_NAME>`` (``LoadCredential=...``), and a bad
value stops the process with one line naming the variable, never its value
(`describe_validation_error` is the one formatter of that line). `systemd_environment` reads
the variables systemd hands a ``Type=notify`` service.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from onebox_bus import DEFAULT_DATABASE_URL
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "ONEBOX_"
MAX_BODY_BYTES = 1024 * 1024

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["json", "console"]

S = TypeVar("S", bound="EnvSettings")


class SettingsSection(BaseModel):
    """A group of settings nested under one attribute, read from flat variables.

    Field ``x`` of a section is read from ``ONEBOX_X`` (or the credential file of that name),
    not ``ONEBOX_<SECTION>__X``. An empty variable counts as absent.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


class EnvSettings(BaseSettings):
    """Settings read from ``ONEBOX_*`` variables: the base of every onebox settings class."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="ignore", case_sensitive=False
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The usual sources, then the sections' flat variables (init > env > credentials)."""
        sections = _FlatSections(settings_cls, env=env_settings, secrets=file_secret_settings)
        return init_settings, env_settings, dotenv_settings, file_secret_settings, sections

    @classmethod
    def variables(cls) -> dict[str, tuple[str, ...]]:
        """Every variable this class reads, with the field (or section and field) it sets."""
        prefix = str(cls.model_config.get("env_prefix") or "")
        found: dict[str, tuple[str, ...]] = {}
        for name, field in cls.model_fields.items():
            section = _section_of(field)
            if section is None:
                found[f"{prefix}{name}".upper()] = (name,)
            else:
                found.update(
                    {f"{prefix}{sub}".upper(): (name, sub) for sub in section.model_fields}
                )
        return found

    @classmethod
    def field_values(cls, variables: Mapping[str, str]) -> dict[str, Any]:
        """The field values that `variables` (``ONEBOX_*`` names, e.g. an env file) set."""
        values: dict[str, Any] = {}
        for variable, loc in cls.variables().items():
            if variable not in variables:
                continue
            if len(loc) == 1:
                values[loc[0]] = variables[variable]
            elif variables[variable]:
                values.setdefault(loc[0], {})[loc[1]] = variables[variable]
        return values

    @classmethod
    def variable(cls, *loc: int | str) -> str:
        """The variable behind a field, or a section's field: ``("routing", "groq_model")``."""
        prefix = str(cls.model_config.get("env_prefix") or "")
        names = [str(part) for part in loc if isinstance(part, str)]
        if len(names) > 1 and _section_of(cls.model_fields.get(names[0])) is not None:
            names = names[1:]
        return f"{prefix}{names[0]}".upper() if names else f"{prefix}*"


class RoutingSettings(SettingsSection):
    """The providers the router may use, read from flat variables (``ONEBOX_GROQ_API_KEY``).

    An unset field keeps the router's default (`onebox_router.RouterSettings`).

    Attributes:
        groq_api_key / anthropic_api_key: a provider's key; without one it is in no chain.
        groq_base_url / anthropic_base_url: a provider's endpoint.
        groq_model / anthropic_model: the model asked.
        local_llm_url / local_llm_model: an OpenAI-compatible local server (Ollama,
            llama.cpp) and its model; without the URL there is no ``local`` provider.
        routing_file: chains, prices, limits and budgets in TOML (``ONEBOX_ROUTING_FILE``).
    """

    groq_api_key: SecretStr | None = None
    groq_base_url: str | None = None
    groq_model: str | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    anthropic_model: str | None = None
    local_llm_url: str | None = None
    local_llm_model: str | None = None
    routing_file: Path | None = None


class RoutingEnv(EnvSettings):
    """The routing section alone, for a service other than the orchestrator.

    The agents transcribe voice notes through the router's chain and need the same provider
    keys and routing file (``[transcription]``) the orchestrator reads.
    """

    routing: RoutingSettings = RoutingSettings()


class ServiceSettings(EnvSettings):
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
        bus_doorbell: wake consumers in other processes as soon as a message is published
            (``ONEBOX_BUS_DOORBELL``; ``0`` leaves them to polling; see docs/doorbell.md).
        database_synchronous: SQLite's ``synchronous`` (``ONEBOX_DATABASE_SYNCHRONOUS``):
            ``FULL`` (default) fsyncs every commit, so a message answered 200 survives a
            power cut; ``NORMAL`` may lose the last commits on a power cut.
        retention_every_seconds: how often the retention worker purges (the orchestrator's).
        retention_batch_rows: rows deleted per transaction by a purge (short write locks).
        bus_done_retention_days: done bus messages older than this are deleted.
        webhook_events_retention_days: recorded webhook refusals/errors older than this are
            deleted.
        deliveries_retention_days: delivery records (what was sent, its text, the platform's
            id) older than this are deleted.
        metrics_samples_retention_days: metrics rows (raw and rolled up) older than this are
            deleted.
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
        operator_photo_max_mb: the largest operator photo passed on to a WhatsApp customer
            (``ONEBOX_OPERATOR_PHOTO_MAX_MB``; WhatsApp takes JPEG and PNG photos up to 5 MB):
            a larger one is refused and the operator told, before any download when Telegram
            declares the size.
        parcels_retention_days: a fetched file not picked up by its reply (a crash, a reply
            that gave up waiting) is deleted after this (``ONEBOX_PARCELS_RETENTION_DAYS``).
    """

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
    bus_doorbell: bool = True
    database_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    retention_every_seconds: float = Field(default=3600.0, gt=0)
    retention_batch_rows: int = Field(default=1000, ge=1, le=100_000)
    bus_done_retention_days: float = Field(default=7.0, gt=0)
    webhook_events_retention_days: float = Field(default=30.0, gt=0)
    deliveries_retention_days: float = Field(default=30.0, gt=0)
    metrics_samples_retention_days: float = Field(default=90.0, gt=0)
    voice_enabled: bool = True
    media_dir: Path | None = None
    voice_max_mb: float = Field(default=16.0, gt=0, le=20)
    voice_max_seconds: float = Field(default=300.0, gt=0, le=3600)
    voice_lease_seconds: float = Field(default=120.0, ge=1)
    operator_photo_max_mb: float = Field(default=5.0, gt=0, le=5)
    parcels_retention_days: float = Field(default=1.0, gt=0)

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


def build_settings(
    cls: type[S],
    *,
    credentials_directory: Path | None = None,
    overrides: Mapping[str, object] | None = None,
) -> S:
    """Build `cls` from the environment (and systemd credentials when given).

    Args:
        cls: the settings class.
        credentials_directory: where secret files are (default: ``$CREDENTIALS_DIRECTORY``).
        overrides: field values that win over the environment (a command line's arguments,
            or what the caller already merged from a ``.env`` file).

    Raises:
        SettingsError: one line naming each bad variable and what is wrong.
    """
    creds = credentials_directory
    if creds is None:
        creds = systemd_environment().credentials_directory
    values: dict[str, Any] = dict(overrides or {})
    if creds is not None and creds.is_dir():
        values["_secrets_dir"] = creds
    try:
        return cls(**values)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(cls, exc)) from None


def describe_validation_error(cls: type[EnvSettings], exc: ValidationError) -> str:
    """One line naming each bad ``ONEBOX_*`` variable and the problem (no input values)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        if not error["loc"]:  # a rule across settings: its message names the variables
            parts.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        parts.append(f"{cls.variable(*error['loc'])}: {error['msg']}")
    return "invalid setting " + "; ".join(parts)


def load_settings(cls: type[S], *, overrides: Mapping[str, object] | None = None) -> S:
    """Build the settings for `main()`; on a bad value print one line and exit with status 2."""
    try:
        return build_settings(cls, overrides=overrides)
    except SettingsError as exc:
        print(f"onebox: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _section_of(field: FieldInfo | None) -> type[SettingsSection] | None:
    annotation = field.annotation if field is not None else None
    if isinstance(annotation, type) and issubclass(annotation, SettingsSection):
        return annotation
    return None


class _FlatSections(PydanticBaseSettingsSource):
    """Each `SettingsSection` field's values, from ``ONEBOX_<FIELD>`` variables or credentials."""

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        *,
        env: PydanticBaseSettingsSource,
        secrets: PydanticBaseSettingsSource,
    ) -> None:
        super().__init__(settings_cls)
        self._environ: Mapping[str, str | None] = (
            env.env_vars if isinstance(env, EnvSettingsSource) else {}
        )
        secrets_dir = secrets.secrets_dir if isinstance(secrets, SecretsSettingsSource) else None
        self._secrets_dir = Path(secrets_dir) if isinstance(secrets_dir, str | Path) else None

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: `__call__` reads whole sections."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        prefix = str(self.config.get("env_prefix") or "")
        found: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            section = _section_of(field)
            if section is None:
                continue
            values = {}
            for sub in section.model_fields:
                value = self._read(f"{prefix}{sub}".upper())
                if value:
                    values[sub] = value
            found[name] = values
        return found

    def _read(self, variable: str) -> str | None:
        value = self._environ.get(variable.lower()) or self._environ.get(variable)
        if value or self._secrets_dir is None:
            return value
        for name in (variable, variable.lower()):
            path = self._secrets_dir / name
            if path.is_file():
                return path.read_text().strip()
        return None
