"""Waiting for a burst on the bus: defer, undefer, and claiming the messages behind a head."""

from __future__ import annotations

import pytest
from onebox_bus import Bus, LeaseLost
from onebox_bus.testing import FakeClock


def test_a_deferred_head_holds_its_key_until_due_and_counts_no_attempt(
    bus: Bus, clock: FakeClock
) -> None:
    bus.publish("t", b"1", key="k")
    bus.publish("t", b"2", key="k")
    [head] = bus.claim("t", consumer="c")
    bus.defer([head], until=clock() + 1.5)
    assert bus.claim("t", consumer="c") == []  # nor the head, nor the message behind it
    clock.advance(1.5)
    [again] = bus.claim("t", consumer="c")
    assert (again.id, again.attempt) == (head.id, 1)


def test_followers_are_counted_and_claimed_in_order_by_the_head_holder(
    bus: Bus, clock: FakeClock
) -> None:
    head_id = bus.publish("t", b"1", key="k")
    bus.publish("t", b"other", key="other")
    ids = [bus.publish("t", str(i).encode(), key="k") for i in range(3)]
    [head, _other] = bus.claim("t", consumer="c")
    assert head.id == head_id
    assert bus.followers_waiting(head) == 3
    followers = bus.claim_followers(head, lease=30.0, consumer="c", limit=2)
    assert [f.id for f in followers] == ids[:2]
    bus.ack_many([head, *followers])
    [last] = bus.claim("t", consumer="c")
    assert last.id == ids[2]


def test_claiming_followers_needs_the_head(bus: Bus, clock: FakeClock) -> None:
    bus.publish("t", b"1", key="k")
    bus.publish("t", b"2", key="k")
    [head] = bus.claim("t", consumer="c", lease=1.0)
    clock.advance(2.0)
    bus.claim("t", consumer="another")  # the lease ran out: the head is someone else's
    with pytest.raises(LeaseLost):
        bus.claim_followers(head, lease=30.0, consumer="c")


def test_deferred_followers_and_an_early_end_to_the_wait(bus: Bus, clock: FakeClock) -> None:
    bus.publish("t", b"1", key="k")
    bus.publish("t", b"2", key="k")
    [head] = bus.claim("t", consumer="c")
    followers = bus.claim_followers(head, lease=30.0, consumer="c")
    bus.defer([head, *followers], until=clock() + 5.0)
    assert bus.followers_waiting(head) == 1
    bus.publish("t", b"3", key="k")
    assert bus.followers_waiting(head) == 2
    assert bus.undefer(head)
    assert not bus.undefer(head)  # no longer waiting
    [again] = bus.claim("t", consumer="c")
    assert [f.payload for f in bus.claim_followers(again, lease=30.0)] == [b"2", b"3"]
