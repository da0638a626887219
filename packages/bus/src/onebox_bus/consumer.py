"""The async consumer loop every service runs: claim, hand to a handler, settle, repeat.

Polling adapts: right after work it polls again at once, and when idle it backs off from
`min_poll` to `max_poll` (low idle cost); a publish to the topic from this process wakes it
at once, and a publish from another process rings the bus's `doorbell`, which wakes it too
(while the doorbell is up, the idle poll stretches `doorbell_idle_factor` times: polling is
then only the safety net). At most `concurrency` messages are in hand at a time. The
handler settles each message itself (ack, nack, dead-letter, usually inside
`bus.transaction()` with what it publishes); if it raises, the message is nacked with the
error. On stop, claiming ends, in-flight messages get `grace` seconds to finish, and the
rest are released unprocessed.

Each claim is stored with the consumer's `claimant`, ``<name>@<host>:<pid>``, so the
claims of several processes and hosts on one database are told apart (``claimed_by``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import socket
import time
from collections.abc import Awaitable, Callable

import anyio.to_thread
import structlog

from .bus import Bus
from .doorbell import Subscription
from .errors import BusError, LeaseLost
from .message import Message

Handler = Callable[[Message], Awaitable[None]]

log = structlog.get_logger("onebox.bus.consumer")


class Consumer:
    """Runs `handler` for every message of `topic`, in per-key order, `concurrency` at a time.

    Also keeps the SQLite WAL in check: a passive checkpoint every `maintenance_every`
    seconds, and a truncating one once the topic has been quiet for `truncate_after`.
    """

    def __init__(
        self,
        bus: Bus,
        topic: str,
        handler: Handler,
        *,
        name: str,
        concurrency: int = 1,
        lease: float = 60.0,
        min_poll: float = 0.01,
        max_poll: float = 1.0,
        grace: float = 10.0,
        maintenance_every: float = 1.0,
        truncate_after: float = 30.0,
        doorbell_idle_factor: float = 5.0,
    ) -> None:
        self.bus = bus
        self.topic = topic
        self.name = name
        self._host = socket.gethostname()
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.min_poll = min_poll
        self.max_poll = max_poll
        self.grace = grace
        self.maintenance_every = maintenance_every
        self.truncate_after = truncate_after
        self.doorbell_idle_factor = max(1.0, doorbell_idle_factor)
        self._bell: Subscription | None = None
        self._handler = handler
        self._stopping = False
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[asyncio.Task[None], Message] = {}
        self.last_loop_at = time.monotonic()
        self._busy_at = time.monotonic()
        self.running = False
        self.handled = 0

    @property
    def claimant(self) -> str:
        """Who holds this consumer's claims: ``<name>@<host>:<pid>`` (the pid read now: a fork
        is a new claimant)."""
        return f"{self.name}@{self._host}:{os.getpid()}"

    @property
    def in_flight(self) -> int:
        """Messages currently being handled."""
        return len(self._tasks)

    def seconds_since_loop(self) -> float:
        """How long ago the loop last went round (a wedged loop stops advancing this)."""
        return time.monotonic() - self.last_loop_at

    @property
    def doorbell_up(self) -> bool:
        """True while publishes from other processes wake this consumer."""
        return self._bell is not None and self._bell.up

    def _idle_poll(self) -> float:
        return self.max_poll * (self.doorbell_idle_factor if self.doorbell_up else 1.0)

    def wake(self) -> None:
        """Poll now (thread-safe)."""
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wake.set)

    def _on_publish(self, topic: str) -> None:
        if topic == self.topic or topic == "*":
            self.wake()

    def stop(self) -> None:
        """Stop claiming; `run()` returns once in-flight messages are finished or released."""
        self._stopping = True
        self.wake()

    async def run(self) -> None:
        """Consume until `stop()`; then drain within the grace period."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.bus.add_listener(self._on_publish)
        if self.bus.doorbell is not None:
            self._bell = self.bus.doorbell.subscribe(self.topic, self.wake)
        self.running = True
        interval = self.min_poll
        self._busy_at = time.monotonic()
        # Checkpoints fsync the database file: never inside the claim loop, where a message
        # would wait for the disk.
        maintenance = asyncio.create_task(self._maintain_forever())
        try:
            while not self._stopping:
                self.last_loop_at = time.monotonic()
                self._wake.clear()
                free = self.concurrency - len(self._tasks)
                claimed: list[Message] = []
                if free > 0:
                    try:
                        claimed = await self._claim(free)
                    except BusError as exc:
                        log.warning("bus.claim_failed", topic=self.topic, error=str(exc))
                        interval = self.max_poll
                for message in claimed:
                    task = asyncio.create_task(self._handle(message))
                    self._tasks[task] = message
                    task.add_done_callback(self._done)
                if claimed or self._tasks:
                    self._busy_at = time.monotonic()
                if claimed:
                    interval = self.min_poll
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=interval)
                if not claimed and not self._wake.is_set():
                    interval = min(self._idle_poll(), interval * 2)
        finally:
            maintenance.cancel()
            self.bus.remove_listener(self._on_publish)
            if self._bell is not None:
                self._bell.close()
                self._bell = None
            await self._drain()
            self.running = False

    async def _claim(self, limit: int) -> list[Message]:
        return await self.bus.claim_async(
            self.topic, limit=limit, lease=self.lease, consumer=self.claimant
        )

    async def _maintain_forever(self) -> None:
        while True:
            await asyncio.sleep(self.maintenance_every)
            # Truncating waits for every reader and writer: only after a quiet spell.
            await self._maintain(idle=time.monotonic() - self._busy_at > self.truncate_after)

    async def _maintain(self, *, idle: bool) -> None:
        try:
            await anyio.to_thread.run_sync(lambda: self.bus.checkpoint(truncate=idle))
        except BusError as exc:
            log.warning("bus.checkpoint_failed", error=str(exc))

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)
        self.handled += 1
        if self._wake is not None:
            self._wake.set()

    async def _handle(self, message: Message) -> None:
        with structlog.contextvars.bound_contextvars(
            correlation_id=message.correlation_id, topic=message.topic, message_id=message.id
        ):
            try:
                await self._handler(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("message.failed", error=type(exc).__name__)
                reason = f"{type(exc).__name__}: {exc}"
                try:
                    await self.bus.run_async(lambda: self.bus.nack(message, reason))
                except LeaseLost:
                    log.warning("message.lease_lost")
                except BusError as bus_exc:
                    log.error("message.nack_failed", error=str(bus_exc))

    async def _drain(self) -> None:
        if not self._tasks:
            return
        pending = set(self._tasks)
        _, still = await asyncio.wait(pending, timeout=self.grace)
        for task in still:
            message = self._tasks.get(task)
            task.cancel()
            if message is None:
                continue
            try:
                await self.bus.run_async(functools.partial(self.bus.release, message))
                log.info("message.released", message_id=message.id)
            except BusError:
                log.warning("message.release_failed", message_id=message.id)
        if still:
            await asyncio.wait(still, timeout=1.0)
