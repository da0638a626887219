"""Write-behind: rows that need not be durable before an answer, written many per write.

Some rows follow a message without guarding it: the time a WhatsApp customer last wrote
(the message itself is already on the bus), a router call's cost and the answer it cached.
Writing each in its own transaction on its own thread hop costs more than the work it saves.
`WriteBehind.add` queues items from async code and returns at once; one task per queue
writes whatever has gathered with ONE call of `write`, and goes on while more arrived
meanwhile, so batches grow with the load.

A failed write is handed to `on_error` with its items and not retried: callers use this
only for rows whose loss costs accuracy (a window bound, a spend figure), never a message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class WriteBehind(Generic[T]):
    """A queue of items written behind their producers by one task.

    Args:
        write: writes one batch (an async callable; e.g. `Bus.run_async` around a transaction).
        on_error: told about a batch whose write raised; the items are dropped.
    """

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[None]],
        *,
        on_error: Callable[[Exception, list[T]], None],
    ) -> None:
        self._write = write
        self._on_error = on_error
        self._pending: list[T] = []
        self._task: asyncio.Task[None] | None = None
        self.failures = 0
        self.written = 0

    def add(self, *items: T) -> None:
        """Queue `items` (call from the event loop's thread)."""
        if not items:
            return
        self._pending.extend(items)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run())

    def pending(self) -> int:
        """Items queued and not yet written."""
        return len(self._pending)

    async def flush(self) -> None:
        """Wait until everything queued so far is written (or has failed)."""
        loop = asyncio.get_running_loop()
        while self._task is not None and not self._task.done() and self._task.get_loop() is loop:
            await asyncio.shield(self._task)
        if self._pending:  # left by a loop that has gone: write them on this one
            self._task = loop.create_task(self._run())
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._write(batch)
            except Exception as exc:  # noqa: BLE001 - reported to the owner, who decides
                self.failures += 1
                self._on_error(exc, batch)
            else:
                self.written += len(batch)
