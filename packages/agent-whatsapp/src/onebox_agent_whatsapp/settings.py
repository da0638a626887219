"""The WhatsApp agent's settings: the only place it reads the environment.

Sandbox mode (replies recorded, not sent) is asked for with ``ONEBOX_SANDBOX=1``, or implied
by a missing ``ONEBOX_WHATSAPP_ACCESS_TOKEN`` on a loopback address; anywhere else the agent
refuses to start without the token. With a token, the phone number id and
``ONEBOX_WHATSAPP_APP_SECRET`` (to verify webhook signatures) are required; in sandbox mode
off loopback the app secret is required too, and without it the webhook accepts only
requests made on this machine through no proxy.
"""

from __future__ import annotations

from onebox_service import ServiceSettings, is_loopback, sandbox_mode
from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from .client import DEFAULT_API_URL, DEFAULT_API_VERSION


class WhatsAppSettings(ServiceSettings):
    """Settings of ``onebox-whatsapp`` (``ONEBOX_*`` variables, port 3002 by default).

    Attributes:
        sandbox: resolved when built: True in sandbox mode (``ONEBOX_SANDBOX=1``, or no
            access token on loopback).
        whatsapp_access_token: the Graph API token (``ONEBOX_WHATSAPP_ACCESS_TOKEN``).
        whatsapp_phone_number_id: the business phone number replies are sent from.
        whatsapp_app_secret: the Meta app secret that signs webhooks.
        whatsapp_verify_token: the token Meta echoes when verifying the callback URL.
        whatsapp_api_url: the Graph API base URL.
        whatsapp_api_version: the Graph API version (``v23.0``).
        whatsapp_template_name: an approved template sent instead of a free-form reply
            outside the 24-hour window (none: such replies are dead-lettered).
        whatsapp_template_language: the template's language code.
        whatsapp_window_margin_seconds: how long before the 24 h mark the window counts as
            closed (clocks disagree at the edge).
        whatsapp_recipient_interval_seconds: minimum seconds between two replies to one
            customer (bursts are smoothed, not refused).
        whatsapp_max_per_second: sends per second for the phone number (Cloud API: ~80).
        whatsapp_request_timeout_seconds: timeout of each Graph API request.
        whatsapp_mark_read: mark the customer's message read when replying.
        whatsapp_sender_lease: seconds a claimed reply stays ours; after a crash it is sent
            again once this has passed.
    """

    port: int = Field(default=3002, ge=1, le=65535)
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = Field(default=None, validate_default=True)
    whatsapp_app_secret: SecretStr | None = Field(default=None, validate_default=True)
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_url: str = DEFAULT_API_URL
    whatsapp_api_version: str = Field(default=DEFAULT_API_VERSION, pattern=r"^v\d+\.\d+$")
    whatsapp_template_name: str | None = None
    whatsapp_template_language: str = "en_US"
    whatsapp_window_margin_seconds: float = Field(default=60.0, ge=0, lt=86400)
    whatsapp_recipient_interval_seconds: float = Field(default=1.0, ge=0)
    whatsapp_max_per_second: float = Field(default=80.0, gt=0)
    whatsapp_request_timeout_seconds: float = Field(default=10.0, gt=0)
    whatsapp_mark_read: bool = True
    whatsapp_sender_lease: float = Field(default=60.0, gt=0)

    @field_validator("whatsapp_phone_number_id", mode="after")
    @classmethod
    def _phone_number_id_with_token(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("whatsapp_access_token") is not None and not value:
            raise ValueError("required when ONEBOX_WHATSAPP_ACCESS_TOKEN is set")
        return value

    @field_validator("whatsapp_app_secret", mode="after")
    @classmethod
    def _app_secret_with_token(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if info.data.get("whatsapp_access_token") is not None and (
            value is None or not value.get_secret_value()
        ):
            raise ValueError(
                "required when ONEBOX_WHATSAPP_ACCESS_TOKEN is set (webhooks are verified with it)"
            )
        return value

    @model_validator(mode="after")
    def _resolve_sandbox(self) -> WhatsAppSettings:
        sandbox = sandbox_mode(
            self.sandbox,
            configured=self.whatsapp_access_token is not None,
            host=self.host,
            token_variable="ONEBOX_WHATSAPP_ACCESS_TOKEN",
        )
        if sandbox and self.whatsapp_app_secret is None and not is_loopback(self.host):
            raise ValueError(
                "ONEBOX_WHATSAPP_APP_SECRET is required when ONEBOX_HOST is not loopback "
                "(sandbox mode accepts unsigned webhooks only on 127.0.0.1)"
            )
        object.__setattr__(self, "sandbox", sandbox)  # frozen: resolved once, here
        return self
