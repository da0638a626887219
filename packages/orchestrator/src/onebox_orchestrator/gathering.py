"""Gathering a conversation's burst on the bus: the messages behind a head, the wait, its end.

The inbound consumer holds one message of a conversation at a time (per-key FIFO). To answer
a burst once, the handler holding the head claims the text messages queued behind it
(`Bus.claim_followers`), and again once the answer is prepared, for those that arrived
meanwhile (`BurstGate.later`: they are folded in and the joined text answered again). Under
the ``decide`` policy, when the latest of them is a fragment, it gives all of them back to the
bus until the quiet window ends (`Bus.defer`; ``fold`` answers at once): no worker is
held while the customer types, no other conversation waits for it, and a SIGKILL during the
wait loses nothing (the messages are ready rows, claimable again at the due time, each acked
only when the reply that answers it is committed).

`BurstWatch` (a worker of the service) ends a wait early when another message of that
conversation arrives (the window then restarts from the newest message) and wakes the
consumer at the due time; without it, after a restart, the deferred head is found by polling.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio
import structlog
from onebox_bus import Bus, BusError, Message
from onebox_bus.contracts import InboundMessage

from .bursts import BurstPolicy, join

log = structlog.get_logger("onebox.orchestrator.bursts")

MAX_FOLLOWERS = 20
"""The most messages folded behind one head (a longer burst is answered in pieces)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One claimed message of a burst and its decoded envelope."""

    message: Message
    inbound: InboundMessage


def foldable(inbound: InboundMessage) -> bool:
    """True for typed text: media, commands, buttons and voice notes are answered alone."""
    return inbound.content_kind == "text" and bool(inbound.text.strip())


def joined(parts: Sequence[Part]) -> InboundMessage:
    """The burst as one message: texts joined in order, the first arrival's window (the
    processing deadline counts from it), the latest message's ids (the reply answers it)."""
    if len(parts) == 1:
        return parts[0].inbound
    first, last = parts[0].inbound, parts[-1].inbound
    return InboundMessage(
        channel=last.channel,
        conversation_id=last.conversation_id,
        sender_id=last.sender_id,
        text=join([p.inbound.text for p in parts]),
        platform_message_id=last.platform_message_id,
        received_at=first.received_at,
        correlation_id=last.correlation_id,
        sender_name=last.sender_name,
        content_kind="text",
        meta=dict(last.meta),
    )


class BurstGate:
    """Claims a burst's followers and decides whether to answer now or give it back to wait.

    Args:
        bus: the bus.
        policy: the burst policy.
        lease: the lease on claimed followers (the consumer's lease).
        consumer: the consumer name recorded on claims.
        clock: wall-clock seconds (the bus's clock).
        watch: ends waits early and wakes the consumer on time (None: polling only).
    """

    def __init__(
        self,
        *,
        bus: Bus,
        policy: BurstPolicy,
        lease: float,
        consumer: str = "inbound",
        clock: Callable[[], float] = time.time,
        watch: BurstWatch | None = None,
    ) -> None:
        self.bus = bus
        self.policy = policy
        self.lease = lease
        self.consumer = consumer
        self.clock = clock
        self.watch = watch

    async def more(self, parts: list[Part]) -> list[Part]:
        """Claim the text messages queued behind `parts`' head; returns the new ones, in order.

        Raises:
            LeaseLost: the head is no longer ours.
        """
        head = parts[0].message
        if not await self.bus.run_async(lambda: self.bus.followers_waiting(head)):
            return []
        limit = max(0, MAX_FOLLOWERS - len(parts))
        claimed = await self.bus.run_async(
            lambda: self.bus.claim_followers(
                head, lease=self.lease, consumer=self.consumer, limit=limit
            )
        )
        # Skip the ones already in hand: a follower claimed again gets a new attempt number.
        have = {p.message.id for p in parts}
        new: list[Part] = []
        rest: list[Message] = []
        for message in claimed:
            if message.id in have:
                parts[:] = [Part(message=message, inbound=p.inbound) if p.message.id == message.id
                            else p for p in parts]  # fmt: skip
                continue
            if rest:
                rest.append(message)
                continue
            try:
                inbound = InboundMessage.from_payload(message.payload)
            except (ValueError, TypeError, AttributeError):
                inbound = None
            if inbound is None or not foldable(inbound) or not self._open(parts + new, inbound):
                rest.append(message)  # answered on its own, after this burst
                continue
            new.append(Part(message=message, inbound=inbound))
        if rest:

            def release() -> None:
                for message in rest:
                    self.bus.release(message)

            await self.bus.run_async(release)
        return new

    def _open(self, parts: Sequence[Part], follower: InboundMessage) -> bool:
        """Whether `follower` arrived while the burst of `parts` was still open
        (`BurstPolicy.joins`: before its reply, within the cap)."""
        first_at = parts[0].inbound.received_at
        return self.policy.joins(follower.received_at, first_at=first_at)

    def _due(self, parts: Sequence[Part]) -> float:
        first_at, last_at = parts[0].inbound.received_at, parts[-1].inbound.received_at
        return self.policy.due([p.inbound.text for p in parts], first_at=first_at, last_at=last_at)

    async def gather(self, head: Part) -> list[Part] | None:
        """The burst to answer now, starting at `head`; None when it was given back to wait.

        Raises:
            LeaseLost: the head is no longer ours.
        """
        parts = [head]
        if not self.policy.gathers or not foldable(head.inbound):
            return parts
        parts += await self.more(parts)
        due = self._due(parts)
        if due <= self.clock():
            return parts
        await self._wait(parts, due)
        return None

    async def later(self, parts: list[Part]) -> list[Part] | None:
        """After an answer to `parts` was prepared: the burst with what arrived meanwhile.

        Before the cap, the messages that arrived are claimed and returned with `parts`, to be
        answered again; under ``decide``, when the latest of them is a fragment, the burst is
        given back to wait for its quiet window instead (None). Returns `parts` itself when
        nothing is to be folded (commit the answer).

        Raises:
            LeaseLost: the head is no longer ours.
        """
        first_at = parts[0].inbound.received_at
        if not self.policy.folds(first_at=first_at, now=self.clock()):
            return parts
        new = await self.more(parts)
        if not new:
            return parts
        parts = [*parts, *new]
        log.info("burst.folded", messages=len(parts))
        due = self._due(parts)
        if due <= self.clock():
            return parts
        await self._wait(parts, due)
        return None

    async def _wait(self, parts: Sequence[Part], due: float) -> None:
        """Give the burst back to the bus until `due` (the watch may end the wait early)."""
        messages = [p.message for p in parts]
        await self.bus.run_async(lambda: self.bus.defer(messages, until=due))
        log.info("burst.waiting", messages=len(parts), wait_ms=round((due - self.clock()) * 1e3))
        if self.watch is not None:
            behind = await self.bus.run_async(lambda: self.bus.followers_waiting(messages[0]))
            self.watch.add(parts[0].message, due=due, behind=behind)


@dataclass(slots=True)
class _Waiting:
    head: Message
    due: float
    behind: int


class BurstWatch:
    """Ends a burst's wait when the conversation writes again, and wakes the consumer on time.

    A service worker (the kit's `Worker` shape). While heads wait, it reads every `every`
    seconds how many messages are queued behind each (one read per head, no write); a new
    one makes the head claimable at once (`Bus.undefer`). At a head's due time it wakes the
    consumer (`wake`, set once the consumer exists). Idle, it costs nothing.
    """

    name = "burst-watch"

    def __init__(
        self, bus: Bus, *, every: float = 0.05, clock: Callable[[], float] = time.time
    ) -> None:
        self.bus = bus
        self.every = every
        self.clock = clock
        self.wake: Callable[[], None] = lambda: None
        self.running = False
        self.last_loop_at = time.monotonic()
        self._waiting: dict[int, _Waiting] = {}
        self._changed = asyncio.Event()
        self._stopping = False

    def add(self, head: Message, *, due: float, behind: int) -> None:
        """Watch a deferred head with `behind` messages already queued behind it."""
        self._waiting[head.id] = _Waiting(head=head, due=due, behind=behind)
        self._changed.set()

    def seconds_since_loop(self) -> float:
        """How long ago the loop last went round."""
        return time.monotonic() - self.last_loop_at if self._waiting else 0.0

    def stop(self) -> None:
        """Ask `run()` to return."""
        self._stopping = True
        self._changed.set()

    async def run(self) -> None:
        """Watch until `stop()`."""
        self.running = True
        try:
            while not self._stopping:
                self.last_loop_at = time.monotonic()
                if not self._waiting:
                    self._changed.clear()
                    await self._changed.wait()
                    continue
                try:
                    await self.check()
                except BusError as exc:
                    log.warning("burst.watch_failed", error=str(exc))
                await anyio.sleep(self.every)
        finally:
            self.running = False

    async def check(self) -> int:
        """One round: end the waits that are over; returns how many ended."""
        now = self.clock()
        waiting = list(self._waiting.values())

        def look() -> list[int]:
            over = []
            for w in waiting:
                if w.due <= now:
                    over.append(w.head.id)
                elif self.bus.followers_waiting(w.head) > w.behind:
                    self.bus.undefer(w.head)
                    over.append(w.head.id)
            return over

        over = await self.bus.run_async(look)
        for head_id in over:
            self._waiting.pop(head_id, None)
        if over:
            self.wake()
        return len(over)
