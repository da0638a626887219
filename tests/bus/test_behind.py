"""WriteBehind: items queued from async code are written in batches by one task."""

from __future__ import annotations

import asyncio

import pytest
from onebox_bus import WriteBehind

pytestmark = pytest.mark.anyio


async def test_items_of_one_loop_turn_share_a_write_and_later_ones_follow_in_order() -> None:
    batches: list[list[int]] = []
    writing, gate = asyncio.Event(), asyncio.Event()

    async def write(batch: list[int]) -> None:
        batches.append(batch)
        writing.set()
        await gate.wait()

    behind = WriteBehind(write, on_error=lambda exc, items: None)
    behind.add(1, 2)
    behind.add(3)
    await writing.wait()  # the writer took what gathered
    behind.add(4)  # arrives while the first write runs
    behind.add(5, 6)
    assert behind.pending() == 3
    gate.set()
    await behind.flush()

    assert batches == [[1, 2, 3], [4, 5, 6]]
    assert (behind.written, behind.failures, behind.pending()) == (6, 0, 0)


async def test_a_failed_write_is_reported_with_its_items_and_the_next_ones_still_go() -> None:
    written: list[list[str]] = []
    failed: list[tuple[str, list[str]]] = []

    async def write(batch: list[str]) -> None:
        if "bad" in batch:
            raise OSError("disk full")
        written.append(batch)

    behind = WriteBehind(write, on_error=lambda exc, items: failed.append((str(exc), items)))
    behind.add("a", "bad")
    await behind.flush()
    behind.add("c")
    await behind.flush()

    assert failed == [("disk full", ["a", "bad"])]
    assert written == [["c"]]
    assert (behind.failures, behind.written) == (1, 1)


def test_items_left_by_a_finished_event_loop_are_written_on_the_next() -> None:
    written: list[list[int]] = []

    async def write(batch: list[int]) -> None:
        written.append(batch)

    behind = WriteBehind(write, on_error=lambda exc, items: None)

    async def queue_and_leave() -> None:
        behind.add(1, 2)  # the loop ends before its writer task runs

    asyncio.run(queue_and_leave())

    async def queue_more() -> None:
        behind.add(3)
        await behind.flush()

    asyncio.run(queue_more())
    assert [item for batch in written for item in batch] == [1, 2, 3]
