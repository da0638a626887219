"""The ``/webhook/whatsapp`` routes: callback verification (GET) and notifications (POST).

POST, in order: read the body under the size cap (413, counted only: nothing is written to
the database before authentication), verify ``X-Hub-Signature-256`` on the
raw bytes before parsing (401, nothing stored), parse (400, recorded), publish every message
to ``inbound`` with ``whatsapp:<wamid>`` as dedupe key and record its window, apply every
status to the delivery records, then answer 200: only after the commits. A database that
cannot take the write answers 503 (the kit's handler), and Meta retries.

(No ``from __future__ import annotations``: Litestar resolves handler types at runtime.)
"""

import hmac
import time
from collections.abc import Callable
from typing import Any

import structlog
from litestar import Request, Response, get
from litestar.enums import MediaType
from litestar.types import ControllerRouterHandler
from onebox_bus.contracts import INBOUND, media_topic
from onebox_metrics import Collector
from onebox_service import DeliveryStore, WebhookIngest, new_correlation_id, webhook_post
from pydantic import SecretStr

from .errors import REENGAGEMENT_REQUIRED, MalformedWebhook
from .signature import HEADER, Verifier
from .updates import CHANNEL, DeliveryStatus, dedupe_key, parse_webhook
from .window import ConversationWindows, InboundRecorder

log = structlog.get_logger("onebox.whatsapp.webhook")

PATH = "/webhook/whatsapp"


class WhatsAppWebhook:
    """What the two webhook routes do, with their collaborators injected.

    Args:
        ingest: the kit's ingest (size cap, publish after commit, event records).
        deliveries: the kit's delivery records, moved forward by statuses.
        windows: the conversations' 24-hour window state.
        collector: metrics.
        app_secret: verifies signatures; None (sandbox only) accepts unsigned posts made on
            this machine through no proxy, and refuses (403) every other.
        verify_token: the callback verification token; None refuses every verification.
        clock: the time source.
        voice: a media stage runs: voice notes and audio files go to ``media.whatsapp``, and
            so does a message of a conversation whose note is still there, to be answered
            after it (`WebhookIngest.publish`'s ``behind``).
    """

    def __init__(
        self,
        *,
        ingest: WebhookIngest,
        deliveries: DeliveryStore,
        windows: ConversationWindows,
        collector: Collector,
        app_secret: SecretStr | None,
        verify_token: SecretStr | None,
        clock: Callable[[], float] = time.time,
        voice: bool = False,
    ) -> None:
        self.ingest = ingest
        self.voice = voice
        self.deliveries = deliveries
        self.windows = windows
        self.recorder = InboundRecorder(windows)
        self._verify = Verifier(app_secret.get_secret_value()) if app_secret is not None else None
        self.verify_token = verify_token
        self.clock = clock
        self._inbound = collector.counter(
            "onebox_whatsapp_inbound_messages_total",
            "Customer messages received over the WhatsApp webhook, by content kind.",
            labels=("kind",),
        )
        self._statuses = collector.counter(
            "onebox_whatsapp_statuses_total",
            "Delivery statuses received, by status and effect on the delivery record.",
            labels=("status", "outcome"),
        )

    def verify_subscription(self, mode: str | None, token: str | None, challenge: str) -> bool:
        """Whether a callback verification request is genuine."""
        if mode != "subscribe" or token is None or self.verify_token is None:
            return False
        expected = self.verify_token.get_secret_value()
        return bool(expected) and _equal(token, expected)

    async def receive(self, request: Request[Any, Any, Any]) -> None:
        """Handle one notification POST; returns once everything in it is committed."""
        # The signature covers the body, so the body is read first: nothing about an oversized
        # body is written to the database before authentication (only counted).
        body = await self.ingest.read_body(request, authenticated=False)
        if self._verify is None:
            self.ingest.admit_unsigned(request)
        elif not self._verify(body, request.headers.get(HEADER)):
            self.ingest.refuse("X-Hub-Signature-256 missing or wrong", status_code=401)
        try:
            batch = parse_webhook(
                body, received_at=self.clock(), new_correlation_id=new_correlation_id
            )
        except MalformedWebhook as exc:
            await self.ingest.reject(str(exc)[:300], kind="malformed", status_code=400)
        if batch.messages:
            for m in batch.messages:
                speech = self.voice and m.content_kind in ("voice", "audio")
                topic = media_topic(CHANNEL) if speech else INBOUND
                behind = media_topic(CHANNEL) if self.voice else None
                await self.ingest.publish(m, dedupe_key=dedupe_key(m), topic=topic, behind=behind)
            self.recorder.record_soon(
                [(m.conversation_id, float(m.meta["timestamp"])) for m in batch.messages]
            )
            for message in batch.messages:
                self._inbound.inc(kind=message.content_kind)
                log.info(
                    "webhook.message",
                    kind=message.content_kind,
                    correlation_id=message.correlation_id,
                )
        for status in batch.statuses:
            await self._apply(status)
        for reason in batch.rejected:
            log.warning("webhook.item_rejected")
            await self.ingest.record("malformed_item", reason)
        for error in batch.errors:
            log.warning("webhook.platform_error", error=error)
            await self.ingest.record("platform_error", error)
        if batch.ignored:
            await self.ingest.record("ignored", f"{batch.ignored} update(s) not answered")

    async def _apply(self, status: DeliveryStatus) -> None:
        # "played" (voice) is read for our purposes; the records know sent/delivered/read/failed.
        name = "read" if status.status == "played" else status.status
        change = await self.deliveries.update_status_async(
            "whatsapp", status.message_id, name, error=status.error
        )
        self._statuses.inc(status=status.status, outcome=change)
        if status.status == "failed":
            log.warning("webhook.delivery_failed", code=status.error_code, record=change)
            if status.error_code == REENGAGEMENT_REQUIRED:
                await self.windows.db.run(
                    lambda: self.windows.mark_reengagement_required(
                        status.conversation_id, at=status.timestamp, reason=status.error or ""
                    )
                )

    def route_handlers(self) -> list[ControllerRouterHandler]:
        """``GET`` and ``POST /webhook/whatsapp``."""
        webhook = self

        @get(PATH, media_type=MediaType.TEXT)
        async def verify_callback(request: Request[Any, Any, Any]) -> Response[str]:
            query = request.query_params
            mode, token = query.get("hub.mode"), query.get("hub.verify_token")
            challenge = query.get("hub.challenge") or ""
            if webhook.verify_subscription(mode, token, challenge):
                log.info("webhook.verified")
                return Response(challenge, status_code=200, media_type=MediaType.TEXT)
            log.warning("webhook.verification_refused", mode=mode)
            return Response("forbidden", status_code=403, media_type=MediaType.TEXT)

        @webhook_post(PATH)
        async def receive_notification(request: Request[Any, Any, Any]) -> Response[bytes]:
            await webhook.receive(request)
            return Response(b"", status_code=200)

        return [verify_callback, receive_notification]


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
