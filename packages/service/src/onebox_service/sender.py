"""The outbound sender: a bus consumer on ``outbound.<channel>`` that paces, sends and settles.

For each claimed message: decode the `OutboundMessage` (undecodable -> dead letter), skip the
send when a delivery for this bus message is already recorded (a redelivery after a crash
between send and ack), wait for the `Pacer`, call `channel.send` once, then record the
delivery and ack. Errors choose the bus action:

- `RateLimited`             -> nack with ``retry_after`` exactly as the platform said, and the
                               pacer holds that conversation (or everything) as long;
- `PermanentDeliveryError`  -> dead letter with the reason, and a ``failed`` delivery record;
                               a reply that carries a failure notice (`failures`: an
                               operator's reply) has it published in the same transaction;
- `TransientDeliveryError`,
  `ChannelConfigError`      -> nack with backoff (dead after the message's max attempts);
- `TypeError`, `ValueError`,
  `OverflowError`           -> the reply cannot even be put into a request (an id past
                               int64, a value of the wrong type): no retry can change that,
                               so it is dead-lettered at once with the reason;
- anything else             -> the consumer's one ``except Exception`` nacks it.

A typing signal (``signal="typing"``, no text) is shown once through the channel's
`ShowsTyping.show_typing` and acked whatever happens: never paced with the replies, never
retried (a redelivered one, after a crash, is dropped; the reply may already have gone), never
dead-lettered, and dropped unsent when older than `signal_ttl` seconds.

A reply that sends a parcel (``meta["parcel"]``: a file another agent fetched, see
`parcels`) has it deleted in the transaction that records its delivery or dead-letters it. A
receipt's note (a template went without the operator's text) is published through the
reply's note envelope in the transaction that records the delivery (`failures`).

The window no sender can close: the platform accepted the message and the process died
before the delivery record committed. The platform has no idempotency key, so that reply is
sent again after the lease runs out. The window is one HTTP call wide: nothing else happens
between the platform's answer and the record's commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
import structlog
from onebox_bus import Bus, Clock, Consumer, Message, Sleep
from onebox_bus.contracts import PARCEL, OutboundMessage, conversation_key, outbound_topic
from onebox_metrics import Collector
from sqlalchemy.engine import Connection

from .channel import Channel, DeliveryReceipt, ShowsTyping
from .deliveries import DeliveryStore
from .errors import ChannelConfigError, PermanentDeliveryError, RateLimited, TransientDeliveryError
from .failures import failure_notice, sent_note
from .journal import MessageJournal
from .pacing import Pacer, PacingLimits
from .parcels import drop_parcel

log = structlog.get_logger("onebox.service.sender")

_R = TypeVar("_R")
GroupOf = Callable[[OutboundMessage], str | None]

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)


class Sender:
    """Consumes ``outbound.<channel.name>`` and delivers each reply through `channel`.

    Satisfies the kit's `Worker` shape (``name``, ``run``, ``stop``, ``running``,
    ``seconds_since_loop``), so `ServiceRuntime.add_worker` can run it in the lifespan.
    """

    def __init__(
        self,
        *,
        bus: Bus,
        channel: Channel,
        deliveries: DeliveryStore,
        collector: Collector,
        limits: PacingLimits | None = None,
        pacer: Pacer | None = None,
        group_of: GroupOf | None = None,
        clock: Clock = time.time,
        sleep: Sleep = anyio.sleep,
        concurrency: int = 8,
        lease: float = 60.0,
        grace: float = 10.0,
        min_poll: float = 0.01,
        max_poll: float = 1.0,
        name: str | None = None,
        journal: MessageJournal | None = None,
        signal_ttl: float = 5.0,
    ) -> None:
        self.bus = bus
        self.signal_ttl = signal_ttl
        # Message events: default to the journal the runtime attached to the delivery store.
        self.journal = journal if journal is not None else getattr(deliveries, "journal", None)
        self.channel = channel
        self.deliveries = deliveries
        self.clock = clock
        self.pacer = pacer or Pacer(limits or PacingLimits(), clock=clock)
        self.lease = lease
        self._group_of = group_of or (lambda _reply: None)
        self._sleep = sleep
        self.topic = outbound_topic(channel.name)
        self.consumer = Consumer(
            bus,
            self.topic,
            self.handle,
            name=name or f"sender-{channel.name}",
            concurrency=concurrency,
            lease=lease,
            grace=grace,
            min_poll=min_poll,
            max_poll=max_poll,
        )
        self._outcomes = collector.counter(
            "onebox_deliveries_total",
            "Outbound replies by channel and outcome.",
            labels=("channel", "outcome"),
        )
        self._signals = collector.counter(
            "onebox_typing_signals_total",
            "Typing signals by channel and outcome (shown, failed, dropped, unsupported).",
            labels=("channel", "outcome"),
        )
        self._latency = collector.histogram(
            "onebox_reply_latency_seconds",
            "Webhook received to reply accepted by the platform.",
            labels=("channel",),
            buckets=LATENCY_BUCKETS,
        )

    # -- the Worker shape ---------------------------------------------------------------

    @property
    def name(self) -> str:
        """The consumer name (``sender-telegram``)."""
        return self.consumer.name

    @property
    def running(self) -> bool:
        """True while the consumer loop runs."""
        return self.consumer.running

    def seconds_since_loop(self) -> float:
        """How long ago the consumer loop last went round."""
        return self.consumer.seconds_since_loop()

    async def run(self) -> None:
        """Consume until `stop()`; then drain within the grace period."""
        await self.consumer.run()

    def stop(self) -> None:
        """Stop claiming; in-flight sends finish or are released."""
        self.consumer.stop()

    # -- one message --------------------------------------------------------------------

    async def handle(self, message: Message) -> None:
        """Deliver one claimed outbound message and settle it on the bus."""
        name = self.channel.name
        try:
            reply = OutboundMessage.from_payload(message.payload)
        except (ValueError, TypeError) as exc:
            reason = f"undecodable reply: {type(exc).__name__}: {exc}"[:300]
            await self._bus(lambda: self.bus.dead_letter(message, reason))
            self._outcomes.inc(channel=name, outcome="undecodable")
            log.warning("delivery.undecodable", error=type(exc).__name__)
            return
        if reply.signal is not None:
            await self._signal(message, reply)
            return
        # Only a redelivered message (attempt > 1) can have been sent before.
        if message.attempt > 1 and await anyio.to_thread.run_sync(
            lambda: self.deliveries.sent_for_message(message.id)
        ):
            await self._bus(lambda: self.bus.ack(message))
            self._outcomes.inc(channel=name, outcome="duplicate")
            log.info("delivery.already_sent", conversation_id=reply.conversation_id)
            return
        journal = self.journal
        if journal is not None:
            cid = reply.correlation_id
            if message.attempt == 1:
                journal.record(cid, "reply.published", at=message.created_at, topic=self.topic)
            journal.record(cid, "reply.claimed", attempt=message.attempt)
        message = await self._pace(message, reply)
        outcome = "sent"
        try:
            receipt = await self.channel.send(reply)
        except RateLimited as exc:
            self.pacer.hold(
                exc.retry_after, key=None if exc.scope == "global" else reply.conversation_id
            )
            await self._retry(message, reply, exc.reason, retry_after=exc.retry_after)
            outcome = "rate_limited"
        except PermanentDeliveryError as exc:
            await self._dead(message, reply, exc.reason)
            outcome = "permanent"
        except TransientDeliveryError as exc:
            await self._retry(message, reply, exc.reason, retry_after=exc.retry_after)
            outcome = "transient"
        except ChannelConfigError as exc:
            log.error("delivery.config_error", error=str(exc))
            await self._retry(message, reply, f"channel misconfigured: {exc}", retry_after=None)
            outcome = "config_error"
        except (TypeError, ValueError, OverflowError) as exc:
            reason = f"reply cannot be sent: {type(exc).__name__}: {exc}"[:300]
            log.warning("delivery.unsendable", error=type(exc).__name__)
            await self._dead(message, reply, reason)
            outcome = "permanent"
        if outcome != "sent":
            self._outcomes.inc(channel=name, outcome=outcome)
            if journal is not None:
                step = "send.failed" if outcome == "permanent" else "send.retry"
                journal.record(reply.correlation_id, step, outcome=outcome)
        else:
            await self._sent(message, reply, receipt)

    async def _signal(self, message: Message, reply: OutboundMessage) -> None:
        name = self.channel.name
        if reply.signal != "typing" or not isinstance(self.channel, ShowsTyping):
            outcome = "unsupported"
        elif message.attempt > 1 or self.clock() - message.created_at > self.signal_ttl:
            outcome = "dropped"
        else:
            shown = await self.channel.show_typing(reply)
            outcome = "shown" if shown else "failed"
        await self._bus(lambda: self.bus.ack(message))
        self._signals.inc(channel=name, outcome=outcome)
        log.debug("delivery.signal", signal=reply.signal, outcome=outcome)

    async def _pace(self, message: Message, reply: OutboundMessage) -> Message:
        key, group = reply.conversation_id, self._group_of(reply)
        while True:
            wait = self.pacer.delay(key, group=group)
            if wait <= 0:
                self.pacer.record(key, group=group)
                return message
            if message.lease_until - self.clock() < wait + self.lease / 2:
                message = await self._extend(message, wait + self.lease)
            await self._sleep(wait)

    async def _extend(self, message: Message, lease: float) -> Message:
        return await self._bus(lambda: self.bus.extend(message, lease=lease))

    async def _sent(
        self, message: Message, reply: OutboundMessage, receipt: DeliveryReceipt
    ) -> None:
        await self.bus.run_async(
            lambda: self.deliveries.record_sent_and_ack(
                self.bus,
                message,
                channel=self.channel.name,
                conversation_id=reply.conversation_id,
                correlation_id=reply.correlation_id,
                receipt=receipt,
                also=self._after_sent(message, reply, receipt),
            )
        )
        self._outcomes.inc(
            channel=self.channel.name, outcome="sandbox" if receipt.sandbox else "sent"
        )
        fields: dict[str, int | float] = {"parts": len(receipt.platform_message_ids)}
        if reply.received_at is not None:
            latency = max(0.0, self.clock() - reply.received_at)
            self._latency.observe(latency, channel=self.channel.name)
            fields["latency_ms"] = round(latency * 1000, 1)
        log.info("delivery.sent", sandbox=receipt.sandbox, **fields)
        if self.journal is not None:
            self.journal.record(
                reply.correlation_id, "sent", channel=self.channel.name, sandbox=receipt.sandbox,
                **fields,
            )  # fmt: skip

    async def _retry(
        self, message: Message, reply: OutboundMessage, reason: str, *, retry_after: float | None
    ) -> None:
        notice = failure_notice(reply, reason)

        def nack() -> bool:
            with self.bus.transaction() as conn:
                again = self.bus.nack(message, reason, retry_after=retry_after)
                if not again:
                    if notice is not None:
                        self._publish_notice(message, notice)
                    if (ref := reply.meta.get(PARCEL)) is not None:
                        drop_parcel(conn, ref)
                return again

        if await self._bus(nack):
            log.info("delivery.retry", reason=reason, retry_after=retry_after)
            return
        await self._record_failed(message, reply, reason)
        log.warning("delivery.dead", reason=reason, attempts=message.attempt)

    async def _dead(self, message: Message, reply: OutboundMessage, reason: str) -> None:
        await self._record_failed(message, reply, reason)
        notice = failure_notice(reply, reason)

        def dead() -> None:
            with self.bus.transaction() as conn:
                if notice is not None:
                    self._publish_notice(message, notice)
                if (ref := reply.meta.get(PARCEL)) is not None:
                    drop_parcel(conn, ref)
                self.bus.dead_letter(message, reason)

        await self._bus(dead)
        log.warning("delivery.dead", reason=reason, attempts=message.attempt)

    def _after_sent(
        self, message: Message, reply: OutboundMessage, receipt: DeliveryReceipt
    ) -> Callable[[Connection], None] | None:
        """What joins a sent reply's delivery record: its parcel deleted, its note published."""
        ref = reply.meta.get(PARCEL)
        note = sent_note(reply, receipt.note) if receipt.note else None
        if ref is None and note is None:
            return None

        def also(conn: Connection) -> None:
            if ref is not None:
                drop_parcel(conn, ref)
            if note is not None:
                self._publish_notice(message, note, kind="sent-note")

        return also

    def _publish_notice(
        self, message: Message, notice: OutboundMessage, *, kind: str = "dead-notice"
    ) -> None:
        """Publish a dead reply's failure notice, or a sent one's note (inside the caller's
        transaction)."""
        self.bus.publish(
            outbound_topic(notice.channel),
            notice.to_payload(),
            key=conversation_key(notice.channel, notice.conversation_id),
            dedupe_key=f"{kind}:{message.id}",
            correlation_id=notice.correlation_id,
        )
        event = "delivery.failure_notice" if kind == "dead-notice" else "delivery.sent_note"
        log.info(event, channel=notice.channel)

    async def _record_failed(self, message: Message, reply: OutboundMessage, reason: str) -> None:
        await anyio.to_thread.run_sync(
            lambda: self.deliveries.record_failed(
                channel=self.channel.name,
                conversation_id=reply.conversation_id,
                correlation_id=reply.correlation_id,
                error=reason,
                bus_message_id=message.id,
            )
        )

    async def _bus(self, call: Callable[[], _R]) -> _R:
        return await self.bus.run_async(call)
