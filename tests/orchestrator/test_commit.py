"""Group commit: concurrent units share a transaction; a failing unit is undone alone."""

from __future__ import annotations

import asyncio

import pytest
from onebox_bus import Bus, LeaseLost
from onebox_orchestrator.commit import GroupCommit

pytestmark = pytest.mark.anyio


async def test_units_commit_together_and_a_failing_one_is_undone_alone(bus: Bus) -> None:
    committer = GroupCommit(bus)

    def unit(n: int, *, fail: bool = False) -> None:
        bus.publish("outbound.telegram", {"n": n}, dedupe_key=f"reply:{n}")
        if fail:
            raise LeaseLost(n)

    results = await asyncio.gather(
        *(committer.run(lambda n=n: unit(n, fail=n == 3)) for n in range(6)),
        return_exceptions=True,
    )

    assert [type(r).__name__ for r in results] == ["NoneType"] * 3 + ["LeaseLost"] + [
        "NoneType"
    ] * 2
    published = []
    while batch := bus.claim("outbound.telegram", limit=100):
        published += [m.json()["n"] for m in batch]
        bus.ack_many(batch)
    assert sorted(published) == [0, 1, 2, 4, 5]
    assert committer.units == 6
    assert committer.batches < 6  # concurrent units shared transactions


async def test_a_lone_unit_is_written_at_once(bus: Bus) -> None:
    committer = GroupCommit(bus)
    await committer.run(lambda: bus.publish("outbound.telegram", {"n": 1}))
    assert bus.stats()["outbound.telegram"].ready == 1
    assert committer.batches == 1
