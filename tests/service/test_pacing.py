from __future__ import annotations

import pytest
from onebox_bus.testing import FakeClock
from onebox_service import Pacer, PacingLimits, pace


def test_per_key_interval(clock: FakeClock) -> None:
    pacer = Pacer(PacingLimits(per_key_interval=1.0), clock=clock)
    assert pacer.delay("a") == 0.0
    pacer.record("a")
    assert pacer.delay("a") == pytest.approx(1.0)
    assert pacer.delay("b") == 0.0
    clock.advance(0.4)
    assert pacer.delay("a") == pytest.approx(0.6)
    clock.advance(0.6)
    assert pacer.delay("a") == 0.0


def test_group_limit_per_minute(clock: FakeClock) -> None:
    pacer = Pacer(PacingLimits(per_key_interval=None, group_per_minute=20), clock=clock)
    for _ in range(20):
        assert pacer.delay("g", group="g") == 0.0
        pacer.record("g", group="g")
        clock.advance(1.0)
    # 20 sends in the last 20 s: the next waits until the first leaves the 60 s window
    assert pacer.delay("g", group="g") == pytest.approx(40.0)
    assert pacer.delay("other", group="other") == 0.0


def test_global_rate_smooths_a_burst(clock: FakeClock) -> None:
    pacer = Pacer(PacingLimits(per_key_interval=None, global_per_second=30), clock=clock)
    for i in range(30):
        assert pacer.delay(f"k{i}") == 0.0
        pacer.record(f"k{i}")
    assert pacer.delay("k31") == pytest.approx(1.0)
    clock.advance(0.5)
    assert pacer.delay("k31") == pytest.approx(0.5)


def test_hold_blocks_key_or_everyone(clock: FakeClock) -> None:
    pacer = Pacer(PacingLimits(per_key_interval=None), clock=clock)
    pacer.hold(7.0, key="a")
    assert pacer.delay("a") == pytest.approx(7.0)
    assert pacer.delay("b") == 0.0
    pacer.hold(3.0)
    assert pacer.delay("b") == pytest.approx(3.0)
    clock.advance(7.0)
    assert pacer.delay("a") == 0.0


@pytest.mark.anyio
async def test_pace_waits_then_books(clock: FakeClock) -> None:
    pacer = Pacer(PacingLimits(per_key_interval=1.0), clock=clock)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    assert await pace(pacer, "a", sleep=sleep) == 0.0
    assert await pace(pacer, "a", sleep=sleep) == pytest.approx(1.0)
    assert slept == [pytest.approx(1.0)]
