"""Group commit: many concurrent async publishes written in one transaction.

Callers of `Bus.publish_async` queue a prepared message with a future. The first caller that
finds no write running on its event loop becomes the leader: it lets the loop go round once
(so the publishes started in the same turn join), writes everything queued in ONE
transaction through `Bus.run_async` (inline when SQLite's lock is free, in a worker thread
when it is not), resolves each caller's future with its own id only after the commit, and
goes on while more arrived meanwhile. Under load, batches grow by themselves while the
previous commit runs; a lone publish waits for nothing but its own commit.

If the write fails (locked past the busy timeout, disk full) or the leader is cancelled,
every caller of that batch gets the error: nothing is acknowledged that was not committed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bus import Bus
    from .payload import Publish

Pending = list[tuple["Publish", "asyncio.Future[int]"]]


class GroupCommitter:
    """The batching behind `Bus.publish_async`, one queue per event loop."""

    def __init__(self, bus: Bus, *, max_batch: int = 500) -> None:
        self._bus = bus
        self._max_batch = max_batch
        self._pending: dict[asyncio.AbstractEventLoop, Pending] = {}
        self._leading: set[asyncio.AbstractEventLoop] = set()
        self.batches = 0
        self.published = 0

    async def submit(self, item: Publish) -> int:
        """Queue one message and wait until its transaction has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._pending.setdefault(loop, []).append((item, future))
        if loop not in self._leading:
            self._leading.add(loop)
            try:
                await self._lead(loop)
            finally:
                self._leading.discard(loop)
        return await future

    def close(self) -> None:
        """Nothing to stop: batches are written by their callers."""
        self._pending.clear()

    async def _lead(self, loop: asyncio.AbstractEventLoop) -> None:
        pending = self._pending[loop]
        batch: Pending = []
        try:
            await asyncio.sleep(0)
            while pending:
                batch = pending[: self._max_batch]
                del pending[: self._max_batch]
                items = [item for item, _ in batch]
                try:
                    ids = await self._bus.run_async(
                        lambda items=items: self._bus.publish_many(items)
                    )
                except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
                    _fail(batch, exc)
                    batch = []
                    continue
                self.batches += 1
                self.published += len(batch)
                for (_, future), id_ in zip(batch, ids, strict=True):
                    if not future.done():
                        future.set_result(id_)
                batch = []
        except BaseException as exc:
            # The leader was cancelled: its own caller is gone, the others must not hang.
            _fail(batch + pending, _unavailable(exc))
            pending.clear()
            raise


def _fail(batch: Pending, exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)


def _unavailable(exc: BaseException) -> Any:
    from .errors import BusUnavailable

    return BusUnavailable(f"publish abandoned ({type(exc).__name__}); nothing is acknowledged")
