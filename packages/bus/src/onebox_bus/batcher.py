"""The unit-of-work batcher: concurrent async writers share one transaction and one commit.

A *unit* is ``work(conn)``: a few statements that must commit atomically (publish a reply,
record the turns, ack the inbound). Written one transaction each, most of the cost is the
commit writing the same pages again and again; so `Batcher.run` queues the unit, and ONE
writer task per event loop writes everything queued in one transaction (through
`Database.run`: inline when SQLite's lock is free, else on a worker thread), then whatever
queued meanwhile. Under load batches grow by themselves; a lone unit waits for nothing but its
own commit. `Bus.publish_async` queues publishes as units of their own kind: consecutive
publishes in a batch are written by one ``publish_many``; on PostgreSQL a batch of one
publish is one statement on the event loop's own connection (`Bus.publish_alone_async`).

Rules:
- each unit runs inside its own ``SAVEPOINT`` when it shares the transaction: a unit that
  raises is rolled back alone and its caller gets the error; the rest commit. (A run of
  publishes is one such unit: if it fails, each of its callers gets the error.)
- every caller returns only after the shared ``COMMIT``; if the commit fails, every caller of
  the batch gets the error: nothing is acknowledged that was not committed.
- the batch is written by a task that belongs to no caller. A caller cancelled while its unit
  still waits in the queue withdraws it (it is never run); a caller cancelled once its unit is
  in the transaction being written does not stop it (the unit commits with the batch, the
  caller just does not hear of it). Other callers are never failed or left hanging by it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from sqlalchemy.engine import Connection

from .database import WouldWait
from .errors import BusUnavailable

if TYPE_CHECKING:
    from .database import Database
    from .payload import Publish

T = TypeVar("T")


class Publisher(Protocol):
    """What a publish unit needs: the queue's `publish_many` and, on PostgreSQL, its
    `publish_alone_async` (`Bus`)."""

    def publish_many(self, items: Sequence[Publish]) -> list[int]: ...

    async def publish_alone_async(self, item: Publish) -> int: ...


@dataclass(slots=True, eq=False)
class _Unit(Generic[T]):
    future: asyncio.Future[T]
    work: Callable[[Connection], T] | None = None
    publisher: Publisher | None = None
    item: Publish | None = None


@dataclass(slots=True)
class _Queue:
    pending: list[_Unit[Any]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


# One segment of a batch: the units it settles and how to run it on the connection.
_Segment = tuple[list[_Unit[Any]], Callable[[Connection], list[Any]]]


class Batcher:
    """Batches concurrent units of work on `db` into shared transactions (one queue per loop).

    Args:
        db: the database the units write to.
        max_batch: the most units one transaction holds.
    """

    def __init__(self, db: Database, *, max_batch: int = 256) -> None:
        self.db = db
        self.max_batch = max_batch
        self.batches = 0
        self.units = 0
        self._queues: dict[asyncio.AbstractEventLoop, _Queue] = {}

    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run `work(conn)` atomically; return its result once committed, or raise its error."""
        loop = asyncio.get_running_loop()
        unit: _Unit[T] = _Unit(loop.create_future(), work=work)
        queue = self._enqueue(loop, unit)
        try:
            return await unit.future
        except asyncio.CancelledError:
            _withdraw(queue, unit)
            raise

    async def publish(self, publisher: Publisher, item: Publish) -> int:
        """Publish one prepared message with `publisher`; its id once committed."""
        loop = asyncio.get_running_loop()
        unit: _Unit[int] = _Unit(loop.create_future(), publisher=publisher, item=item)
        queue = self._enqueue(loop, unit)
        try:
            return await unit.future
        except asyncio.CancelledError:
            _withdraw(queue, unit)
            raise

    def pending(self) -> int:
        """Units queued on the running loop and not yet taken into a transaction."""
        queue = self._queues.get(asyncio.get_running_loop())
        return len(queue.pending) if queue else 0

    def close(self) -> None:
        """Forget the queues (their writers finish what they hold)."""
        self._queues.clear()

    def _enqueue(self, loop: asyncio.AbstractEventLoop, unit: _Unit[Any]) -> _Queue:
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        queue.pending.append(unit)
        if queue.writer is None or queue.writer.done():
            queue.writer = loop.create_task(self._write_all(queue), name="onebox-batcher")
        return queue

    async def _write_all(self, queue: _Queue) -> None:
        # One turn of the loop first, so units started in the same turn join this batch
        # (the write itself may run inline, leaving no other moment to gather them).
        await asyncio.sleep(0)
        pending = queue.pending
        while pending:
            batch = [u for u in pending[: self.max_batch] if not u.future.done()]
            del pending[: self.max_batch]
            if not batch:
                continue
            if len(batch) == 1 and not self.db.sqlite and batch[0].publisher is not None:
                await self._publish_alone(batch[0], pending)
                continue
            segments = _segments(batch)
            write = functools.partial(self._write, segments)
            try:
                outcomes = await self.db.run(write)
            except Exception as exc:  # noqa: BLE001 - the transaction failed: every caller hears
                _settle_all(batch, self.db.translate(exc))
                continue
            except BaseException:
                # The writer itself was cancelled (the loop is shutting down): the batch's
                # outcome is unknown, so nobody is told it committed.
                _settle_all(batch + pending, _abandoned())
                pending.clear()
                raise
            self.batches += 1
            self.units += len(batch)
            for (units, _), outcome in zip(segments, outcomes, strict=True):
                if isinstance(outcome, _Failed):
                    _settle_all(units, outcome.error)
                    continue
                for unit, value in zip(units, outcome, strict=True):
                    if not unit.future.done():
                        unit.future.set_result(value)

    async def _publish_alone(self, unit: _Unit[Any], pending: list[_Unit[Any]]) -> None:
        """A lone publish on PostgreSQL: one statement on the loop's connection, in turn."""
        assert unit.publisher is not None
        assert unit.item is not None
        try:
            value = await unit.publisher.publish_alone_async(unit.item)
        except Exception as exc:  # noqa: BLE001 - the statement failed: its caller hears
            _settle_all([unit], self.db.translate(exc))
            return
        except BaseException:
            _settle_all([unit, *pending], _abandoned())
            pending.clear()
            raise
        self.batches += 1
        self.units += 1
        if not unit.future.done():
            unit.future.set_result(value)

    def _write(self, segments: list[_Segment]) -> list[Any]:
        """Write the segments in one transaction; each segment's results or its `_Failed`."""
        db = self.db
        if len(segments) == 1:  # alone: its own transaction is its savepoint
            _, run = segments[0]
            try:
                with db.transaction() as conn:
                    return [run(conn)]
            except WouldWait:
                raise
            except Exception as exc:  # noqa: BLE001 - handed to the unit's caller
                return [_Failed(db.translate(exc))]
        outcomes: list[Any] = []
        with db.transaction() as conn:
            for _, run in segments:
                try:
                    with db.savepoint():
                        outcomes.append(run(conn))
                except WouldWait:
                    raise
                except Exception as exc:  # noqa: BLE001 - undone alone; its caller gets it
                    outcomes.append(_Failed(db.translate(exc)))
        return outcomes


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


def _segments(batch: list[_Unit[Any]]) -> list[_Segment]:
    """Runs of publishes by one publisher become one segment; every other unit its own."""
    first = batch[0].publisher
    if first is not None and all(u.publisher is first for u in batch):
        return [_publishes(batch)]  # the common case: only publishes, by one bus
    segments: list[_Segment] = []
    run: list[_Unit[Any]] = []
    for unit in [*batch, None]:
        if unit is not None and unit.publisher is not None:
            if run and run[0].publisher is not unit.publisher:
                segments.append(_publishes(run))
                run = []
            run.append(unit)
            continue
        if run:
            segments.append(_publishes(run))
            run = []
        if unit is not None:
            work = unit.work
            assert work is not None
            segments.append(([unit], functools.partial(_one, work)))
    return segments


def _one(work: Callable[[Connection], Any], conn: Connection) -> list[Any]:
    return [work(conn)]


def _publishes(units: list[_Unit[Any]]) -> _Segment:
    publisher = units[0].publisher
    assert publisher is not None
    items = [u.item for u in units]
    return units, lambda _conn: publisher.publish_many(items)  # type: ignore[arg-type]


def _withdraw(queue: _Queue, unit: _Unit[Any]) -> None:
    """A cancelled caller's unit that has not started is never run."""
    if unit in queue.pending:
        queue.pending.remove(unit)


def _settle_all(units: list[_Unit[Any]], error: BaseException) -> None:
    for unit in units:
        if not unit.future.done():
            unit.future.set_exception(error)


def _abandoned() -> BusUnavailable:
    return BusUnavailable("the batch's writer was stopped; its commit is not confirmed")
