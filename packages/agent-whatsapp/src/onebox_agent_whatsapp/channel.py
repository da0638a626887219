"""`WhatsAppChannel`: the kit's `Channel` for the Cloud API, with the 24-hour window.

For one reply: check the conversation's window (closed: an approved template if one is
configured, else a permanent failure that the sender dead-letters with the reason; an
operator's reply uses the template it names, from the business file, with the operator's text
as its parameter when the template takes one, and is retried as that template when the API
answers 131047 to the free-form text), mark the
customer's message read (best effort), then send the text split at 4096 characters. A reply
carrying a parcel (``meta["parcel"]``: an operator's photo the Telegram agent fetched) is
uploaded (``POST /{phone-number-id}/media``) and sent as an image with the text as its caption
(1024 characters; the rest follows as text); outside the window it is refused at once, never
sent as a template, and the operator is told why. Graph API
errors become the kit's delivery errors by ``error.code``: rate limits -> `RateLimited`,
re-engagement / invalid recipient / policy -> `PermanentDeliveryError`, 5xx and timeouts ->
`TransientDeliveryError`, token and permission problems -> `ChannelConfigError`. A 131047
answer also marks the conversation so no further free-form reply is tried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import anyio
import anyio.to_thread
import structlog
from onebox_bus import Clock, Sleep
from onebox_bus.contracts import FROM_OPERATOR, PARCEL, OutboundMessage
from onebox_service import (
    ChannelConfigError,
    DeliveryError,
    DeliveryReceipt,
    ParcelStore,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
    WhatsAppTemplate,
    split_caption,
)

from .client import GraphApiClient
from .errors import REENGAGEMENT_REQUIRED, GraphApiError
from .split import MAX_TEXT, split_text
from .window import ConversationWindows, WindowState, closed_reason

log = structlog.get_logger("onebox.whatsapp.channel")


#: Limits that hold for the whole phone number, not one customer.
_GLOBAL_LIMITS = frozenset({4, 80007, 130429, 131048})
_PART_RETRIES = 3
TEMPLATE_TEXT_LIMIT = 1024
"""Characters a template's body parameter may hold."""
CAPTION_LIMIT = 1024
"""Characters an image's caption may hold."""
PHOTO_NOT_TEMPLATE = "a photo cannot go as a template, so nothing was sent: answer with text"
_SPACES = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """An approved template sent when the window is closed."""

    name: str
    language: str = "en_US"


class _WindowClosed(Exception):
    """The API refused free-form text (131047) to a reply that names a template."""


def delivery_error(error: GraphApiError) -> DeliveryError | ChannelConfigError:
    """The kit's error for a Graph API error (the sender picks the bus action from it)."""
    if error.kind == "rate_limited":
        scope: Literal["conversation", "global"] = (
            "global" if error.code in _GLOBAL_LIMITS else "conversation"
        )
        return RateLimited(error.retry_after or 5.0, reason=error.reason, scope=scope)
    if error.kind == "transient":
        return TransientDeliveryError(error.reason)
    if error.kind == "config":
        return ChannelConfigError(error.reason)
    return PermanentDeliveryError(error.reason)


def recipient_of(conversation_id: str) -> str:
    """The customer's wa_id or BSUID in ``<phone_number_id>:<recipient>``."""
    _, sep, recipient = conversation_id.partition(":")
    if not sep or not recipient:
        raise PermanentDeliveryError(f"conversation id {conversation_id!r} names no recipient")
    return recipient


class WhatsAppChannel:
    """Sends replies through the Cloud API as one business phone number.

    Args:
        client: the Graph API client.
        windows: the conversations' 24-hour window state.
        clock: the time source for the window (injectable so tests need not wait a day).
        template: sent instead of a free-form reply outside the window, when set.
        window_margin: seconds before the 24 h mark at which the window counts as closed.
        mark_read: mark the customer's message read when replying.
        sleep: how a later part waits out a rate limit (``anyio.sleep``).
        parcels: where an operator's photo waits to be sent (the shared database's).
    """

    name = "whatsapp"

    def __init__(
        self,
        *,
        client: GraphApiClient,
        windows: ConversationWindows,
        clock: Clock,
        template: Template | None = None,
        window_margin: float = 60.0,
        mark_read: bool = True,
        sleep: Sleep = anyio.sleep,
        parcels: ParcelStore | None = None,
    ) -> None:
        self.client = client
        self.parcels = parcels if parcels is not None else ParcelStore(windows.db, clock=clock)
        self.windows = windows
        self.clock = clock
        self.template = template
        self.window_margin = window_margin
        self.mark_read = mark_read
        self._sleep = sleep

    async def send(self, reply: OutboundMessage) -> DeliveryReceipt:
        """Deliver one reply, or raise the kit's delivery error saying what to do next."""
        to = recipient_of(reply.conversation_id)
        state = await self.windows.db.run(lambda: self.windows.state(reply.conversation_id))
        by_operator = reply.meta.get(FROM_OPERATOR) == "1"
        if (
            not by_operator
            and reply.received_at is not None
            and (state.last_inbound_at is None or reply.received_at > state.last_inbound_at)
        ):
            # The reply's own inbound message is a lower bound of the customer's last message.
            state = WindowState(
                last_inbound_at=reply.received_at,
                reengagement_required_at=state.reengagement_required_at,
                reengagement_reason=state.reengagement_reason,
            )
        closed = closed_reason(state, now=self.clock(), margin=self.window_margin)
        if (ref := reply.meta.get(PARCEL)) is not None:
            if closed is not None:
                raise PermanentDeliveryError(f"{closed}; {PHOTO_NOT_TEMPLATE}")
            return await self._send_photo(reply, to, ref)
        if closed is not None:
            return await self._outside_window(reply, to, closed)
        parts = split_text(reply.text)
        if not parts:
            raise PermanentDeliveryError("empty reply: nothing to send")
        ids: list[str] = []
        for index, part in enumerate(parts):
            context = reply.reply_to if index == 0 else None
            try:
                ids.append(await self._send_part(reply, to, part, context=context, sent=len(ids)))
            except _WindowClosed as closed_now:
                return await self._outside_window(reply, to, f"131047: {closed_now}")
        if self.mark_read and reply.reply_to:
            # After the reply, not before it: the receipt is one more round trip to the
            # platform, and the customer waits for the answer, not for the blue ticks.
            await self._mark_read(reply.reply_to)
        return DeliveryReceipt(platform_message_ids=tuple(ids))

    async def _send_part(
        self, reply: OutboundMessage, to: str, part: str, *, context: str | None, sent: int
    ) -> str:
        attempt = 0
        while True:
            try:
                return (await self.client.send_text(to, part, reply_to=context)).message_id
            except GraphApiError as exc:
                if exc.code == REENGAGEMENT_REQUIRED:
                    await self._mark_closed(reply.conversation_id, exc.reason)
                    if sent == 0 and WhatsAppTemplate.from_meta(reply.meta) is not None:
                        raise _WindowClosed(exc.reason) from None
                # Parts already sent would be sent again if the whole reply were retried:
                # wait out a short limit here instead, a few times.
                retry = sent > 0 and exc.kind in ("rate_limited", "transient")
                if not retry or attempt >= _PART_RETRIES:
                    raise delivery_error(exc) from None
                attempt += 1
                log.info("whatsapp.part_retry", part=sent + 1, code=exc.code, attempt=attempt)
                await self._sleep(exc.retry_after or float(attempt))

    async def _send_photo(self, reply: OutboundMessage, to: str, ref: str) -> DeliveryReceipt:
        """Upload the reply's parcel and send it as an image, the text as its caption (the
        rest of a long text follows as text messages)."""
        parcel = await self.windows.db.run(lambda: self.parcels.get(ref))
        if parcel is None:
            raise PermanentDeliveryError(
                "the photo did not arrive from the operator chat in time; send it again"
            )
        if parcel.data is None:
            raise PermanentDeliveryError(parcel.error or "the photo could not be fetched")
        mime = parcel.content_type or "image/jpeg"
        parts = split_caption(reply.text, caption_limit=CAPTION_LIMIT, limit=MAX_TEXT)
        try:
            media_id = await self.client.upload_media(
                parcel.data,
                mime_type=mime,
                filename="photo.png" if mime == "image/png" else "photo.jpg",
            )
            sent = await self.client.send_image(to, media_id, caption=parts[0] if parts else None)
        except GraphApiError as exc:
            if exc.code == REENGAGEMENT_REQUIRED:
                await self._mark_closed(reply.conversation_id, exc.reason)
                raise PermanentDeliveryError(
                    f"131047: {exc.reason}; {PHOTO_NOT_TEMPLATE}"
                ) from None
            raise delivery_error(exc) from None
        ids = [sent.message_id]
        for part in parts[1:]:
            ids.append(await self._send_part(reply, to, part, context=None, sent=len(ids)))
        return DeliveryReceipt(platform_message_ids=tuple(ids))

    async def _outside_window(self, reply: OutboundMessage, to: str, why: str) -> DeliveryReceipt:
        named = WhatsAppTemplate.from_meta(reply.meta)
        if reply.meta.get(FROM_OPERATOR) == "1":
            # An operator's text must not be replaced by a generic template: only the one
            # the business file names for operator replies, else the operator is told.
            template = named
        elif self.template is not None:
            template = WhatsAppTemplate(name=self.template.name, language=self.template.language)
        else:
            template = None
        if template is None:
            log.info("whatsapp.window_closed", action="dead_letter")
            raise PermanentDeliveryError(f"{why}; no approved template is configured")
        components = None
        if template.takes_text:
            text = _SPACES.sub(" ", reply.text).strip()
            if not text:
                raise PermanentDeliveryError(f"{why}; the template's text would be empty")
            if len(text) > TEMPLATE_TEXT_LIMIT:
                raise PermanentDeliveryError(
                    f"{why}; the text is too long for template {template.name!r} "
                    f"({len(text)} characters, at most {TEMPLATE_TEXT_LIMIT})"
                )
            components = [{"type": "body", "parameters": [{"type": "text", "text": text}]}]
        log.info("whatsapp.window_closed", action="template", template=template.name)
        try:
            sent = await self.client.send_template(
                to, name=template.name, language=template.language, components=components
            )
        except GraphApiError as exc:
            error = delivery_error(exc)
            if isinstance(error, PermanentDeliveryError):
                raise PermanentDeliveryError(f"template {template.name!r}: {exc.reason}") from None
            raise error from None
        note = None
        if reply.meta.get(FROM_OPERATOR) == "1" and not template.takes_text:
            note = (
                f"the customer's 24-hour window had closed, so WhatsApp template "
                f"{template.name!r} went instead of your reply; it takes no text, so your "
                "words were not included. Write again once the customer answers it."
            )
        return DeliveryReceipt(platform_message_ids=(sent.message_id,), note=note)

    async def show_typing(self, signal: OutboundMessage) -> bool:
        """Mark the customer's message read with the typing indicator (`ShowsTyping`).

        WhatsApp shows it until the reply or for 25 s. Needs the message's wamid
        (`OutboundMessage.reply_to`); best effort: errors are logged and answered False.
        """
        if not signal.reply_to:
            return False
        try:
            await self.client.mark_read(signal.reply_to, typing=True)
        except GraphApiError as exc:
            log.info("whatsapp.typing_failed", code=exc.code, kind=exc.kind)
            return False
        return True

    async def _mark_read(self, message_id: str) -> None:
        try:
            await self.client.mark_read(message_id)
        except GraphApiError as exc:  # a receipt is a courtesy: the reply is sent already
            log.info("whatsapp.mark_read_failed", code=exc.code, kind=exc.kind)

    async def _mark_closed(self, conversation_id: str, reason: str) -> None:
        now = self.clock()
        await self.windows.db.run(
            lambda: self.windows.mark_reengagement_required(conversation_id, at=now, reason=reason)
        )
