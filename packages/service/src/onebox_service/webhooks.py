"""Webhook ingest: capped bodies, commit-then-200, and a record of what was not answered.

The rule (field notes, "ack = commit"): check authenticity, read the body under the size
cap, parse, publish with the platform id as ``dedupe_key``, and answer 200 only after the
commit. `WebhookIngest.publish` returns only once the row is committed (group commit); a
locked or full database raises `BusUnavailable`, which the app maps to 503 so the platform
retries: never 200 with the update lost. Updates the bot does not answer and malformed bodies
are recorded in ``service_webhook_events`` (channel, kind, reason, status; never the text)
and counted. Litestar's ``@post`` answers 201 by default: declare webhook routes with
`webhook_post` (200).

Inbound text is capped at the platform's own maximum (``max_text_chars``, 4096 characters on
Telegram and WhatsApp) when it is published: a longer text is cut there and the envelope says
so (``meta["text_truncated"]`` and ``meta["text_length"]``), so nothing downstream spends
minutes on a 100 KB message and nothing is cut silently.

A conversation's order survives the media stage: while a voice note of the conversation waits
in ``media.<channel>`` (being downloaded and transcribed), the conversation's next messages
are published there too (`WebhookIngest.publish`'s `behind`), queued behind it by the bus's
per-key order, and the stage passes them on to ``inbound`` after the note
(`onebox_service.media_stage`). Otherwise a message typed after a voice note would be
answered before it, minutes before when the agent was restarted during the transcription.
"""

from __future__ import annotations

import hmac
import random
import time
from dataclasses import dataclass, replace
from typing import Any, NoReturn

import anyio.to_thread
import structlog
from litestar import Request, post
from litestar.handlers import HTTPRouteHandler
from onebox_bus import Bus, BusUnavailable, Clock, Database
from onebox_bus.contracts import INBOUND, InboundMessage
from onebox_metrics import Collector
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ._schema import webhook_events as table
from .errors import BodyTooLarge, WebhookRejected
from .journal import MessageJournal
from .sandbox import direct_from_loopback
from .settings import MAX_BODY_BYTES

log = structlog.get_logger("onebox.service.webhooks")

#: The longest text Telegram and WhatsApp deliver in one message (characters).
MAX_TEXT_CHARS = 4096


def webhook_post(path: str, **kwargs: Any) -> HTTPRouteHandler:
    """``@post(path)`` answering 200 (platforms expect 200, Litestar's default is 201)."""
    kwargs.setdefault("status_code", 200)
    return post(path, **kwargs)


def new_correlation_id() -> str:
    """A fresh correlation id (32 hex characters) for a message born at a webhook.

    128 random bits from the process's generator (seeded from the OS, reseeded after a
    fork): an id to follow, not a secret. `uuid.uuid4` asks the kernel each time, and that
    call lets go of the GIL, which the request then waits to get back from busy threads.
    """
    return f"{random.getrandbits(128):032x}"


def cap_text(message: InboundMessage, limit: int = MAX_TEXT_CHARS) -> InboundMessage:
    """`message` with its text cut at `limit` characters, the cut recorded in ``meta``.

    ``meta["text_truncated"] = "true"`` and ``meta["text_length"]`` (the original length) say
    that it happened; a text within the limit is returned unchanged.
    """
    if len(message.text) <= limit:
        return message
    meta = {**message.meta, "text_truncated": "true", "text_length": str(len(message.text))}
    return replace(message, text=message.text[:limit], meta=meta)


def secret_matches(given: str | bytes | None, expected: str | bytes) -> bool:
    """Constant-time comparison of a presented secret with the expected one."""
    if given is None:
        return False
    a = given.encode() if isinstance(given, str) else given
    b = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(a, b)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookEvent:
    """One recorded webhook event (an update not answered, or a rejected body)."""

    id: int
    channel: str
    kind: str
    reason: str
    status_code: int
    received_at: float


class WebhookEventStore:
    """Reads and writes ``service_webhook_events`` on the process's `Database`.

    Args:
        db: the shared database.
        clock: the time source.
        journal: where `WebhookIngest` records message events.
    """

    def __init__(
        self, db: Database, *, clock: Clock = time.time, journal: MessageJournal | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.journal = journal

    def record(self, channel: str, kind: str, reason: str, *, status_code: int = 200) -> int:
        """Store one event; returns its id."""
        values = {
            "channel": channel[:32],
            "kind": kind[:64],
            "reason": reason[:500],
            "status_code": status_code,
            "received_at": self.clock(),
        }

        def work(conn: Connection) -> int:
            key = conn.execute(insert(table), values).inserted_primary_key
            assert key is not None
            return int(key[0])

        return self.db.write(work)

    def recent(self, *, channel: str | None = None, limit: int = 100) -> list[WebhookEvent]:
        """The latest events, newest first."""
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if channel is not None:
            query = query.where(table.c.channel == channel)
        rows = self.db.read(lambda conn: conn.execute(query).all())
        return [WebhookEvent(**dict(r._mapping)) for r in rows]


class WebhookIngest:
    """The shared half of a channel's webhook handler.

    Args:
        bus: where inbound messages go.
        events: the webhook event store.
        collector: counts ``onebox_webhook_requests_total{channel,outcome}``.
        channel: the channel name (``telegram``).
        max_body_bytes: the body size limit (413 above it).
        max_text_chars: inbound text is cut at this many characters (the platform's maximum).
        journal: where ``webhook.received`` / ``published`` events go (default: the one the
            runtime attached to `events`).
    """

    def __init__(
        self,
        *,
        bus: Bus,
        events: WebhookEventStore,
        collector: Collector,
        channel: str,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_text_chars: int = MAX_TEXT_CHARS,
        journal: MessageJournal | None = None,
    ) -> None:
        self.bus = bus
        self.events = events
        self.journal = journal if journal is not None else events.journal
        self.channel = channel
        self.max_body_bytes = max_body_bytes
        self.max_text_chars = max_text_chars
        self._requests = collector.counter(
            "onebox_webhook_requests_total",
            "Webhook requests by channel and outcome.",
            labels=("channel", "outcome"),
        )
        self._events = collector.counter(
            "onebox_webhook_events_total",
            "Webhook updates not answered, or rejected, by channel and kind.",
            labels=("channel", "kind"),
        )

    async def read_body(
        self, request: Request[Any, Any, Any], *, authenticated: bool = True
    ) -> bytes:
        """The raw body, or `BodyTooLarge` (413) when it is over the limit.

        Args:
            request: the webhook request.
            authenticated: whether the request has already passed its authenticity check.
                Only then is a refused body recorded in ``service_webhook_events``; before
                authentication (a signature over the body can only be checked after reading
                it) the refusal is counted and logged, and nothing is written.
        """
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > self.max_body_bytes:
                await self._too_large(
                    f"body of {declared} bytes is over {self.max_body_bytes}", authenticated
                )
            return await request.body()
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(f"body is over {self.max_body_bytes} bytes", authenticated)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _too_large(self, reason: str, authenticated: bool) -> NoReturn:
        if authenticated:
            await self.reject(reason, kind="too_large", status_code=413)
        self._events.inc(channel=self.channel, kind="too_large")
        self._requests.inc(channel=self.channel, outcome="rejected")
        log.info("webhook.too_large", channel=self.channel, authenticated=False)
        raise BodyTooLarge(reason)

    async def publish(
        self,
        message: InboundMessage,
        *,
        dedupe_key: str,
        topic: str = INBOUND,
        behind: str | None = None,
    ) -> int:
        """Publish one inbound message; returns only after its commit (group commit).

        The text is capped at `max_text_chars` first (`cap_text`). With `behind` (the
        channel's media topic, when its media stage runs), a message the conversation has an
        unsettled message in there goes there too, to be handled after it (module docstring).

        Raises:
            BusUnavailable: the database cannot take it now (answer 503; the app does).
        """
        message = cap_text(message, self.max_text_chars)
        try:
            if behind is not None and topic != behind:
                key = message.key
                if await self.bus.run_async(lambda: self.bus.waiting(behind, key)):
                    topic = behind
            id_ = await self.bus.publish_async(
                topic,
                message.to_payload(),
                key=message.key,
                dedupe_key=dedupe_key,
                correlation_id=message.correlation_id,
            )
        except BusUnavailable:
            self._requests.inc(channel=self.channel, outcome="unavailable")
            log.warning("webhook.unavailable", channel=self.channel)
            raise
        self._requests.inc(channel=self.channel, outcome="accepted")
        if self.journal is not None:
            cid = message.correlation_id
            self.journal.record(
                cid, "webhook.received", at=message.received_at, channel=self.channel
            )
            self.journal.record(cid, "published", topic=topic, bus_message_id=id_)
        return id_

    async def publish_many(self, items: list[tuple[InboundMessage, str]]) -> list[int]:
        """Publish several (message, dedupe_key) pairs; all committed before it returns."""
        ids = []
        for message, dedupe_key in items:
            ids.append(await self.publish(message, dedupe_key=dedupe_key))
        return ids

    async def record(self, kind: str, reason: str, *, status_code: int = 200) -> None:
        """Record an update the bot does not answer (or a rejected body), and count it.

        Raises:
            BusUnavailable: the record could not be stored (answer 503 so it comes again).
        """
        await anyio.to_thread.run_sync(
            lambda: self.events.record(self.channel, kind, reason, status_code=status_code)
        )
        self._events.inc(channel=self.channel, kind=kind)
        outcome = "ignored" if status_code < 300 else "rejected"
        self._requests.inc(channel=self.channel, outcome=outcome)
        log.info("webhook.recorded", channel=self.channel, kind=kind, status_code=status_code)

    async def reject(
        self, reason: str, *, kind: str = "malformed", status_code: int = 400
    ) -> NoReturn:
        """Record and count a refused body, then raise `WebhookRejected` (the app answers it)."""
        await self.record(kind, reason, status_code=status_code)
        if status_code == 413:
            raise BodyTooLarge(reason)
        raise WebhookRejected(reason, status_code=status_code)

    def admit_unsigned(self, request: Request[Any, Any, Any]) -> None:
        """Let an unsigned request (sandbox without a secret) in only from this machine.

        Anything else, a request through a reverse proxy on this host included, is refused
        with 403 (counted, nothing stored): sandbox must never answer the internet.
        """
        peer = request.client.host if request.client is not None else None
        if not direct_from_loopback(peer, request.headers):
            self.refuse(
                "sandbox accepts unsigned requests only from this machine, not through a proxy",
                status_code=403,
            )

    def refuse(self, reason: str, *, status_code: int = 401) -> NoReturn:
        """Count and raise an unauthenticated request; nothing is stored (no database write)."""
        self._requests.inc(channel=self.channel, outcome="unauthorized")
        log.warning("webhook.unauthorized", channel=self.channel, reason=reason)
        raise WebhookRejected(reason, status_code=status_code)
