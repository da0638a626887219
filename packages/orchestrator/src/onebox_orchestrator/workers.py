"""The orchestrator's workers: the `inbound` consumer and the memory's retention sweep.

The consumer is the bus's `Consumer` (per-key FIFO claims, a concurrency cap, adaptive
polling woken by same-process publishes, graceful drain), run by the service kit's runtime.
Its lease outlasts the processing window, so a message is not handed to a second worker while
the first can still answer it inside the deadline. The sweep is a small worker of its own that
deletes turns past the retention once an hour and goes round every few seconds, so /health
sees it alive.
"""

from __future__ import annotations

import time

import anyio
import anyio.to_thread
import structlog
from onebox_bus import BusError

from .memory import ConversationMemory

log = structlog.get_logger("onebox.orchestrator.workers")

LEASE_MARGIN = 30.0
"""Seconds the lease outlasts the processing window (routing ends at the deadline at the latest)."""


def inbound_lease(deadline_seconds: float, lease_seconds: float | None = None) -> float:
    """The lease on a claimed inbound message: the processing window plus a margin."""
    return lease_seconds or deadline_seconds + LEASE_MARGIN


class RetentionSweeper:
    """Deletes conversation turns older than the memory's retention, every `every` seconds."""

    name = "memory-retention"

    def __init__(self, memory: ConversationMemory, *, every: float = 3600.0, tick: float = 5.0):
        self.memory = memory
        self.every = every
        self.tick = tick
        self.running = False
        self.last_loop_at = time.monotonic()
        self._stop = anyio.Event()

    def seconds_since_loop(self) -> float:
        """How long ago the loop last went round."""
        return time.monotonic() - self.last_loop_at

    def stop(self) -> None:
        """Ask `run()` to return."""
        self._stop.set()

    async def run(self) -> None:
        """Sweep at start and then every `every` seconds until `stop()`."""
        self.running = True
        next_sweep = 0.0
        try:
            while not self._stop.is_set():
                self.last_loop_at = time.monotonic()
                if self.last_loop_at >= next_sweep:
                    next_sweep = self.last_loop_at + self.every
                    await self._sweep()
                with anyio.move_on_after(self.tick):
                    await self._stop.wait()
        finally:
            self.running = False

    async def _sweep(self) -> None:
        try:
            deleted = await anyio.to_thread.run_sync(self.memory.purge)
        except BusError as exc:
            log.warning("memory.purge_failed", error=str(exc))
            return
        if deleted:
            log.info("memory.purged", turns=deleted)
