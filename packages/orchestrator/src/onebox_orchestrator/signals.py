"""Typing signals: the platform's "typing..." while an answer is being prepared.

When routing a message takes longer than `TypingSignals.after` seconds (a cache hit or a fast
model answers before that, and then no signal is sent at all: one platform call saved per
reply), the orchestrator publishes an `OutboundMessage` with ``signal="typing"`` and no text
to the channel's outbound topic, keyed by the conversation. The agent's sender turns it into
the platform call (Telegram ``sendChatAction`` "typing", shown for 5 s; WhatsApp's read
receipt with ``typing_indicator``, shown up to 25 s) and repeats no failure. Telegram's lasts
only 5 s, so the signal is published again every `every` seconds while routing goes on.

Ordering: the signal shares the reply's key, so per-key FIFO sends it before the reply, never
after it; the handler waits for a signal being published to finish before it commits the
reply. A signal has one attempt (``max_attempts=1``): a crash never shows it twice, and the
sender drops one that is redelivered or stale.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping

import anyio
import orjson
import structlog
from onebox_bus import Bus, BusError, Message
from onebox_bus.contracts import InboundMessage, OutboundMessage, outbound_topic

log = structlog.get_logger("onebox.orchestrator.signals")

REPEAT_EVERY: Mapping[str, float] = {"telegram": 4.5, "whatsapp": 20.0}
"""Seconds between two signals of one answer, per channel (Telegram's lasts 5 s, WhatsApp's
25 s)."""


class TypingSignals:
    """Publishes typing signals while a block of work runs (`shown`).

    Args:
        bus: the bus.
        after: seconds of routing before the first signal.
        every: seconds between signals, per channel (`REPEAT_EVERY`).
    """

    def __init__(
        self, bus: Bus, *, after: float = 0.8, every: Mapping[str, float] = REPEAT_EVERY
    ) -> None:
        self.bus = bus
        self.after = after
        self.every = every
        self.published = 0

    @contextlib.asynccontextmanager
    async def shown(self, message: Message, inbound: InboundMessage) -> AsyncIterator[None]:
        """Signal "typing" in `inbound`'s conversation while the block runs past `after`."""
        task = asyncio.create_task(self._signal(message, inbound))
        try:
            yield
        finally:
            task.cancel()
            # A publish under way commits before the reply is written (FIFO: signal first).
            await asyncio.wait([task])

    async def _signal(self, message: Message, inbound: InboundMessage) -> None:
        every = self.every.get(inbound.channel, 4.5)
        await anyio.sleep(self.after)
        count = 0
        while True:
            signal = OutboundMessage(
                channel=inbound.channel,
                conversation_id=inbound.conversation_id,
                text="",
                correlation_id=inbound.correlation_id,
                reply_to=inbound.platform_message_id or None,
                meta=dict(inbound.meta),
                signal="typing",
            )
            try:
                await self.bus.publish_async(
                    outbound_topic(inbound.channel),
                    orjson.dumps(signal),
                    key=inbound.key,
                    dedupe_key=f"typing:{message.id}:{message.attempt}:{count}",
                    correlation_id=inbound.correlation_id,
                    max_attempts=1,
                )
            except BusError as exc:  # a courtesy: never fail the answer for it
                log.info("typing.publish_failed", error=type(exc).__name__)
                return
            self.published += 1
            count += 1
            await anyio.sleep(every)
