"""Group commit of settled messages: many handlers' reply-and-ack units in one transaction.

Each handler's unit of work (publish the reply, store the turns, ack or dead-letter the
inbound message) must be atomic on its own. Written one transaction each, most of the cost is
the commit writing the same index pages again and again; so concurrent units share one
transaction, each inside its own ``SAVEPOINT``: a unit that fails (a lost lease) is rolled
back to its savepoint alone and its caller gets the error, the others commit together. Every
caller returns only after the shared ``COMMIT``; if that fails, every caller gets the error.

The first caller that finds no batch running becomes the leader: it writes what is queued,
then whatever queued meanwhile, and resolves each caller's future. A lone unit is written at
once, with no added wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from onebox_bus import Bus

from . import _db

Work = Callable[[], None]


class GroupCommit:
    """Runs units of work on `bus`, batching concurrent ones into one transaction."""

    def __init__(self, bus: Bus, *, max_batch: int = 64) -> None:
        self.bus = bus
        self.max_batch = max_batch
        self.batches = 0
        self.units = 0
        self._pending: list[tuple[Work, asyncio.Future[None]]] = []
        self._leading = False

    async def run(self, work: Work) -> None:
        """Run `work` atomically; return once it is committed, or raise what it raised."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((work, future))
        if not self._leading:
            self._leading = True
            try:
                await self._lead()
            finally:
                self._leading = False
        await future

    async def _lead(self) -> None:
        # One turn of the loop first, so units started in the same turn join this batch
        # (the write itself may run inline, leaving no other moment to gather them).
        await asyncio.sleep(0)
        while self._pending:
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            try:
                outcomes = await self.bus.run_async(
                    lambda batch=batch: self._write([work for work, _ in batch])
                )
            except BaseException as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if outcome is None:
                    future.set_result(None)
                else:
                    future.set_exception(outcome)

    def _write(self, units: list[Work]) -> list[Exception | None]:
        outcomes: list[Exception | None] = []
        with self.bus.transaction():
            for work in units:
                _db.execute(self.bus, "SAVEPOINT onebox_unit", {})
                try:
                    work()
                except Exception as exc:  # noqa: BLE001 - undone alone; its caller gets it
                    _db.execute(self.bus, "ROLLBACK TO SAVEPOINT onebox_unit", {})
                    outcomes.append(exc)
                else:
                    outcomes.append(None)
                _db.execute(self.bus, "RELEASE SAVEPOINT onebox_unit", {})
        self.batches += 1
        self.units += len(units)
        return outcomes
