"""`Bus.wake`: a message published to wait (a reply waiting for its file) woken by its id."""

from __future__ import annotations

from onebox_bus import Bus
from onebox_bus.testing import FakeClock


def test_a_waiting_head_holds_its_key_until_woken(bus: Bus, clock: FakeClock) -> None:
    waiting = bus.publish("out", b"photo", key="k", delay=600.0)
    bus.publish("out", b"text after the photo", key="k")
    assert bus.claim("out", consumer="c") == []  # the head waits, and holds its key
    heard: list[str] = []
    bus.add_listener(heard.append)
    with bus.transaction():
        assert bus.wake("out", waiting)
    assert heard == ["out"]
    [first] = bus.claim("out", consumer="c")
    assert (first.id, first.payload, first.attempt) == (waiting, b"photo", 1)
    bus.ack(first)
    [second] = bus.claim("out", consumer="c")
    assert second.payload == b"text after the photo"


def test_only_a_waiting_message_of_that_topic_is_woken(bus: Bus, clock: FakeClock) -> None:
    visible = bus.publish("out", b"now")
    assert not bus.wake("out", visible)  # already claimable
    waiting = bus.publish("out", b"later", delay=60.0)
    assert not bus.wake("other", waiting)  # another topic names another message
    clock.advance(61.0)
    assert not bus.wake("out", waiting)  # its time came: nothing to wake
    assert not bus.wake("out", 10_000)  # no such message
    assert [m.id for m in bus.claim("out", consumer="c", limit=5)] == [visible, waiting]
