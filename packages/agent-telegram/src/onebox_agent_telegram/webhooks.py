"""``POST /webhook/telegram``: authentic updates stored durably before the 200.

Order: the secret header (constant time; missing or wrong -> 401, nothing stored; without a
secret, in sandbox mode, only a request from this machine through no proxy, else 403), the body
under the size cap (413), parse (400 with a short reason, recorded), then either publish the
inbound message with ``dedupe_key`` ``telegram:<update_id>`` and answer 200 after the commit,
or record the event (blocked, service message, channel post, unknown type) and answer 200.
A message from the operator chat (``ONEBOX_OPERATOR_CHAT_ID``) goes to the ``operator`` topic
instead of ``inbound``: only that chat's messages are the operator's, so no customer can
issue an operator command.
A database that cannot take the write answers 503 (the kit's error mapping), so Telegram
delivers the update again.

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

import time
from collections.abc import Callable
from typing import Any

import structlog
from litestar import Request
from litestar.handlers import HTTPRouteHandler
from onebox_bus.contracts import INBOUND, OPERATOR, media_topic
from onebox_service import WebhookIngest, new_correlation_id, secret_matches, webhook_post
from pydantic import SecretStr

from .chats import ChatStore
from .updates import ParsedUpdate, UpdateError, parse_update

log = structlog.get_logger("onebox.telegram.webhook")

SECRET_HEADER = "x-telegram-bot-api-secret-token"
WEBHOOK_PATH = "/webhook/telegram"
MEDIA = media_topic("telegram")
_OK = {"ok": True}


async def apply_event(chats: ChatStore, parsed: ParsedUpdate) -> None:
    """Keep the chat state in step with an event (blocked, unblocked, migrated)."""
    chat_id = parsed.chat_id
    if chat_id is None:
        return
    if parsed.event == "member.blocked":
        await chats.mark_async(chat_id, "blocked", reason="user blocked the bot")
    elif parsed.event == "member.unblocked":
        await chats.mark_async(chat_id, "active")
    elif parsed.event == "service.migrate":
        await chats.mark_async(
            chat_id, "migrated", migrated_to=parsed.detail.get("migrate_to_chat_id")
        )


def telegram_webhook(
    ingest: WebhookIngest,
    *,
    secret: SecretStr | None,
    chats: ChatStore,
    clock: Callable[[], float] = time.time,
    operator_chat_id: int | None = None,
    voice: bool = False,
) -> HTTPRouteHandler:
    """The webhook route; `secret` None (sandbox only) admits only direct local requests.

    With `voice` (a media stage runs), voice notes go to ``media.telegram`` instead of
    ``inbound`` (`ParsedUpdate.topic`), and so does a message of a conversation whose voice
    note is still there, to be answered after it (`WebhookIngest.publish`'s ``behind``).
    """
    expected = secret.get_secret_value() if secret is not None else None
    operator_chat = str(operator_chat_id) if operator_chat_id is not None else None

    @webhook_post(WEBHOOK_PATH)
    async def telegram_update(request: Request[Any, Any, Any]) -> dict[str, bool]:
        if expected is None:
            ingest.admit_unsigned(request)
        elif not secret_matches(request.headers.get(SECRET_HEADER), expected):
            ingest.refuse("secret token missing or wrong", status_code=401)
        body = await ingest.read_body(request)
        correlation_id = new_correlation_id()
        try:
            parsed = parse_update(body, received_at=clock(), correlation_id=correlation_id)
        except UpdateError as exc:
            await ingest.reject(str(exc)[:200], kind="malformed", status_code=400)
        with structlog.contextvars.bound_contextvars(
            correlation_id=correlation_id, update_id=parsed.update_id
        ):
            if parsed.inbound is not None:
                operator = parsed.chat_id is not None and parsed.chat_id == operator_chat
                await ingest.publish(
                    parsed.inbound,
                    dedupe_key=parsed.dedupe_key,
                    topic=OPERATOR if operator else (parsed.topic if voice else INBOUND),
                    behind=MEDIA if voice and not operator else None,
                )
                return _OK
            await apply_event(chats, parsed)
            event = parsed.event or f"ignored.{parsed.kind}"
            details = ",".join(f"{k}={v}" for k, v in sorted(parsed.detail.items()))
            reason = f"update {parsed.update_id}: {event}" + (f" ({details})" if details else "")
            await ingest.record(event, reason)
            return _OK

    return telegram_update
