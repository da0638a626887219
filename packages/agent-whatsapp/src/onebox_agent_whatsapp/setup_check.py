"""``onebox-whatsapp verify-setup``: are the token, phone number id and webhook consistent?

Each check gives one line, ``ok`` or ``FAIL`` with what to do; secrets are never printed.
With a token it asks the Graph API for the phone number (a wrong token answers 190, a phone
number id the token cannot see answers 100/33). With a webhook URL it performs Meta's
verification handshake against the running service with the configured verify token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx

from .client import GraphApiClient
from .errors import GraphApiError
from .settings import WhatsAppSettings


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        """``ok    name: detail``."""
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


async def verify_setup(
    settings: WhatsAppSettings, *, http: httpx.AsyncClient, webhook_url: str | None = None
) -> list[Check]:
    """Run every check that the configuration allows; the report's lines in order."""
    checks: list[Check] = []
    if settings.sandbox:
        checks.append(
            Check(
                name="mode",
                ok=True,
                detail="sandbox: ONEBOX_WHATSAPP_ACCESS_TOKEN is not set, replies are recorded "
                "and not sent; set it with ONEBOX_WHATSAPP_PHONE_NUMBER_ID and "
                "ONEBOX_WHATSAPP_APP_SECRET to go live",
            )
        )
    else:
        checks.append(await _graph_check(settings, http))
    checks.append(
        Check(
            name="app secret",
            ok=settings.whatsapp_app_secret is not None or bool(settings.sandbox),
            detail="set: webhook signatures are verified"
            if settings.whatsapp_app_secret is not None
            else "not set: webhooks are accepted unsigned (sandbox only)",
        )
    )
    if settings.whatsapp_verify_token is None:
        checks.append(
            Check(
                name="verify token",
                ok=False,
                detail="ONEBOX_WHATSAPP_VERIFY_TOKEN is not set: Meta cannot verify the callback",
            )
        )
    elif webhook_url is not None:
        checks.append(await _webhook_check(settings, http, webhook_url))
    else:
        checks.append(Check(name="verify token", ok=True, detail="set"))
    return checks


async def _graph_check(settings: WhatsAppSettings, http: httpx.AsyncClient) -> Check:
    assert settings.whatsapp_access_token is not None
    assert settings.whatsapp_phone_number_id is not None
    client = GraphApiClient(
        http=http,
        api_url=settings.whatsapp_api_url,
        api_version=settings.whatsapp_api_version,
        phone_number_id=settings.whatsapp_phone_number_id,
        access_token=settings.whatsapp_access_token,
        timeout=settings.whatsapp_request_timeout_seconds,
    )
    pnid = settings.whatsapp_phone_number_id
    try:
        info = await client.phone_number()
    except GraphApiError as exc:
        if exc.code == 190 or exc.kind == "config":
            hint = "the access token is invalid or expired (ONEBOX_WHATSAPP_ACCESS_TOKEN)"
        elif exc.code == 100:
            hint = (
                f"phone number id {pnid!r} is unknown to this token "
                "(ONEBOX_WHATSAPP_PHONE_NUMBER_ID)"
            )
        else:
            hint = "the Graph API could not be reached or failed"
        return Check(name="token and phone number", ok=False, detail=f"{hint}: {exc.reason}")
    number = info.get("display_phone_number", "?")
    name = info.get("verified_name", "?")
    return Check(
        name="token and phone number",
        ok=True,
        detail=f"phone number id {pnid!r} is {number} ({name}), the token can send from it",
    )


async def _webhook_check(
    settings: WhatsAppSettings, http: httpx.AsyncClient, webhook_url: str
) -> Check:
    assert settings.whatsapp_verify_token is not None
    challenge = secrets.token_hex(8)
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": settings.whatsapp_verify_token.get_secret_value(),
        "hub.challenge": challenge,
    }
    try:
        response = await http.get(webhook_url, params=params, timeout=5.0)
    except httpx.HTTPError as exc:
        return Check(
            name="webhook",
            ok=False,
            detail=f"{webhook_url} is not reachable ({type(exc).__name__}): is the service up?",
        )
    if response.status_code == 200 and response.text == challenge:
        return Check(name="webhook", ok=True, detail=f"{webhook_url} answers Meta's verification")
    return Check(
        name="webhook",
        ok=False,
        detail=f"{webhook_url} refused the verification (HTTP {response.status_code}): the "
        "service runs with another ONEBOX_WHATSAPP_VERIFY_TOKEN",
    )
