"""The Telegram agent's settings: the service kit's common ones plus ``ONEBOX_TELEGRAM_*``.

Sandbox mode (replies recorded, not sent) is asked for with ``ONEBOX_SANDBOX=1``, or implied
by a missing bot token on a loopback address; anywhere else the agent refuses to start
without ``ONEBOX_TELEGRAM_BOT_TOKEN`` and ``ONEBOX_TELEGRAM_SECRET_TOKEN``. Without a secret
the webhook accepts only requests made on this machine through no proxy.
"""

from __future__ import annotations

import re
from typing import Literal

from onebox_service import ServiceSettings, is_loopback, sandbox_mode
from pydantic import Field, SecretStr, field_validator, model_validator

DEFAULT_API_URL = "https://api.telegram.org"
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramSettings(ServiceSettings):
    """``ONEBOX_*`` settings of ``onebox-telegram``.

    Attributes:
        sandbox: resolved when built: True in sandbox mode (``ONEBOX_SANDBOX=1``, or no bot
            token on loopback).
        telegram_bot_token: the bot token; required outside sandbox mode.
        telegram_secret_token: the webhook secret (1-256 of ``A-Z a-z 0-9 _ -``), required
            with a bot token; compared with ``X-Telegram-Bot-Api-Secret-Token``.
        telegram_api_url: the Bot API server (a local one, or a test fake).
        telegram_parse_mode: how replies are formatted; plain text by default.
        telegram_max_connections: what ``set-webhook`` asks Telegram for (1-100).
        telegram_request_timeout: seconds for one Bot API call.
        telegram_sender_concurrency: replies in flight at once (pacing still holds).
        telegram_sender_lease: seconds a claimed reply stays ours; after a crash it is sent
            again once this has passed.
    """

    port: int = Field(default=3001, ge=1, le=65535)
    telegram_bot_token: SecretStr | None = None
    telegram_secret_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    telegram_parse_mode: Literal["MarkdownV2", "HTML"] | None = None
    telegram_max_connections: int = Field(default=40, ge=1, le=100)
    telegram_request_timeout: float = Field(default=10.0, gt=0)
    telegram_sender_concurrency: int = Field(default=32, ge=1, le=256)
    telegram_sender_lease: float = Field(default=60.0, gt=0)

    @field_validator("telegram_bot_token", "telegram_secret_token", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_secret_token")
    @classmethod
    def _secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_RE.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _token_needs_secret(self) -> TelegramSettings:
        if self.telegram_bot_token is not None and self.telegram_secret_token is None:
            raise ValueError(
                "ONEBOX_TELEGRAM_SECRET_TOKEN is required when ONEBOX_TELEGRAM_BOT_TOKEN is set"
            )
        sandbox = sandbox_mode(
            self.sandbox,
            configured=self.telegram_bot_token is not None,
            host=self.host,
            token_variable="ONEBOX_TELEGRAM_BOT_TOKEN",
        )
        if sandbox and self.telegram_secret_token is None and not self.loopback:
            raise ValueError(
                "ONEBOX_TELEGRAM_SECRET_TOKEN is required when ONEBOX_HOST is not loopback "
                "(sandbox mode skips the webhook secret only on 127.0.0.1)"
            )
        object.__setattr__(self, "sandbox", sandbox)  # frozen: resolved once, here
        return self

    @property
    def loopback(self) -> bool:
        """True when the service listens on loopback only."""
        return is_loopback(self.host)
