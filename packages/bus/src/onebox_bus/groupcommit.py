"""Group commit: many concurrent async publishes written in one transaction.

One writer thread owns a connection. Async callers enqueue a prepared message with a future
and await it; the writer takes everything queued at that moment (up to `max_batch`), writes
it in one `BEGIN IMMEDIATE` transaction, and resolves each future with its own id only after
the commit. Under load, batches grow by themselves while the previous commit runs; a lone
publish is written at once, with no added wait.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bus import Bus, Publish

_STOP = object()


class GroupCommitter:
    """The writer thread behind `Bus.publish_async`."""

    def __init__(self, bus: Bus, *, max_batch: int = 500) -> None:
        self._bus = bus
        self._max_batch = max_batch
        self.batches = 0
        self.published = 0
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="onebox-bus-commit", daemon=True)
        self._thread.start()

    async def submit(self, item: Publish) -> int:
        """Queue one message and wait until its transaction has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._queue.put((item, loop, future))
        return await future

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[Any]) -> None:
        try:
            ids = self._bus.publish_many([item for item, _, _ in batch])
            self.batches += 1
            self.published += len(batch)
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller
            _resolve(batch, [exc] * len(batch))
            return
        _resolve(batch, ids)


def _resolve(batch: list[Any], outcomes: list[Any]) -> None:
    """Settle each caller's future on its own loop: one wake-up per loop, not per caller."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[int], Any]]] = {}
    for (_, loop, future), outcome in zip(batch, outcomes, strict=True):
        by_loop.setdefault(loop, []).append((future, outcome))
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, settled)
        except RuntimeError:  # the caller's loop is closed: nobody is waiting any more
            continue


def _settle(settled: list[tuple[asyncio.Future[int], Any]]) -> None:
    for future, outcome in settled:
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(int(outcome))
