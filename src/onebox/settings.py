"""The umbrella CLI's settings: the one place ``onebox`` reads the environment (and ``.env``).

`OneboxSettings` holds what ``onebox up``, ``onebox chat``, ``onebox status`` and the other
commands need to reach the services (the database, the secrets that sign a webhook); it is
built by the service kit's loader like every service's settings. `read_env_file` is the tiny
``KEY=VALUE`` parser behind ``.env`` support, and `child_environment` builds what the
services started by ``onebox up`` see: this process's environment, plus the ``.env`` values
that the environment does not already set (the environment wins, as with systemd and Docker).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from onebox_bus import DEFAULT_DATABASE_URL
from onebox_service import EnvSettings, SettingsError, TelegramChatId, build_settings, load_settings
from pydantic import SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

DEFAULT_ENV_FILE = Path(".env")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class EnvFileError(ValueError):
    """A ``.env`` line is not ``KEY=VALUE``; the message names the line, never the value."""


class OneboxSettings(EnvSettings):
    """``ONEBOX_*`` settings the umbrella CLI reads (from the environment, then ``.env``).

    Attributes:
        database_url: the shared database (``ONEBOX_DATABASE_URL``).
        telegram_secret_token: signs ``onebox chat``'s Telegram webhooks when set.
        telegram_bot_token: present means the agent sends for real (chat says so).
        whatsapp_app_secret: signs ``onebox chat``'s WhatsApp webhooks when set.
        whatsapp_phone_number_id: the business number the chat's webhooks are addressed to.
        whatsapp_access_token: present means the agent sends for real.
        operator_chat_id: the operator chat ``onebox chat --operator`` speaks in.
        sandbox: ``ONEBOX_SANDBOX=1`` puts both channels in sandbox mode, tokens or not.
    """

    model_config = SettingsConfigDict(env_ignore_empty=True)

    database_url: str = DEFAULT_DATABASE_URL
    telegram_secret_token: SecretStr | None = None
    telegram_bot_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_access_token: SecretStr | None = None
    operator_chat_id: TelegramChatId | None = None
    sandbox: bool | None = None

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("must be a database URL such as sqlite:///./var/onebox.db")
        return value


def load_onebox_settings(env_file: Path | None = DEFAULT_ENV_FILE) -> OneboxSettings:
    """Build the settings from the environment and `env_file` (when it exists).

    Raises:
        EnvFileError: a bad ``.env`` line or a bad value (the message names the variable).
    """
    values = read_env_file(env_file) if env_file is not None and env_file.is_file() else {}
    # The environment wins over the file, as for the services started by `onebox up`: the
    # loader reads the environment, and the file only fills what the environment leaves unset.
    fields = {
        name: values[variable]
        for name in OneboxSettings.model_fields
        if values.get(variable := OneboxSettings.variable(name)) and not os.environ.get(variable)
    }
    try:
        return build_settings(OneboxSettings, overrides=fields)
    except SettingsError as exc:
        raise EnvFileError(str(exc)) from None


def database_url(given: str | None) -> str:
    """``--database-url`` when given, else ``ONEBOX_DATABASE_URL`` or the local default.

    A bad variable stops the command with one line naming it (exit status 2).
    """
    return given or load_settings(OneboxSettings).database_url


def read_env_file(path: Path) -> dict[str, str]:
    """Parse ``KEY=VALUE`` lines: ``#`` comments, blank lines, ``export``, quoted values.

    Raises:
        EnvFileError: a line that is not an assignment (its number is named).
    """
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise EnvFileError(f"{path}:{number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[name] = value
    return values


def child_environment(
    env_file: Path | None = DEFAULT_ENV_FILE, *, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a child service: ours, the ``.env`` values we lack, then `overrides`."""
    values = read_env_file(env_file) if env_file is not None and env_file.is_file() else {}
    env = {**values, **os.environ}
    env.update(overrides or {})
    return env


def stdout_is_terminal() -> bool:
    """True when output goes to a terminal that takes colours (``NO_COLOR`` unset)."""
    import sys

    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
