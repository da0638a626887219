"""The repeated-failure trigger: a conversation the bot fails twice goes to a person.

Real SQLite bus, the real handler and desk, a scripted router that can fail, a fixed clock.
"""

from __future__ import annotations

from typing import Literal

import pytest
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, InboundMessage
from onebox_bus.testing import FakeClock
from onebox_orchestrator.escalation import failures_in_a_row
from onebox_orchestrator.memory import StoredTurn
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_router.transcribe import with_voice_error

from .test_handler import ScriptedRouter, handle_all
from .test_handler import make_handler as make_plain_handler
from .test_handoff_desk import CUSTOMER, bus, clock, make_desk, make_handler, sent

pytestmark = pytest.mark.anyio
__all__ = ["bus", "clock"]


class ChainDown(Exception):
    """A provider chain failure the router marks retryable."""

    retryable = True


def too_long_voice_note() -> InboundMessage:
    return with_voice_error(make_inbound("", content_kind="voice"), "too_long")


async def test_a_second_chain_failure_on_a_message_escalates_instead_of_retrying(
    bus: Bus, clock: FakeClock
) -> None:
    desk = make_desk(bus, clock)
    router = ScriptedRouter(fail=ChainDown("every provider timed out"))
    handler = make_handler(bus, router, desk)
    publish_inbound(bus, make_inbound("Is the fern pet-safe?", received_at=clock()))
    [first] = bus.claim(INBOUND, consumer="test")
    with pytest.raises(ChainDown):
        await handler(first)  # the first failure is retried (the consumer nacks it)
    assert desk.open_for(CUSTOMER) is None
    bus.nack(first, "chain down", retry_after=0.0)
    [second] = bus.claim(INBOUND, consumer="test")
    assert second.attempt == 2
    await handler(second)
    [told], [post] = sent(bus)
    assert "a person will reply in this chat" in told.text
    assert "Why: the bot failed 2 times in this conversation." in post.text
    handoff = desk.open_for(CUSTOMER)
    assert handoff is not None
    assert handoff.reason == "repeated_failure"
    assert len(router.calls) == 2


async def test_a_second_fixed_reply_in_a_row_escalates(bus: Bus, clock: FakeClock) -> None:
    desk = make_desk(bus, clock)
    handler = make_handler(bus, ScriptedRouter(), desk)
    note = too_long_voice_note()
    publish_inbound(bus, note)
    await handle_all(bus, handler)
    [polite], [] = sent(bus)
    assert "too long for me to listen to" in polite.text
    publish_inbound(bus, make_inbound("", content_kind="voice", received_at=clock()))
    await handle_all(bus, handler)  # a second note the bot cannot hear: a person takes over
    [told], [post] = sent(bus)
    assert "a person will reply in this chat" in told.text
    assert "Why: the bot failed 2 times in this conversation." in post.text


async def test_an_answer_in_between_resets_the_count(bus: Bus, clock: FakeClock) -> None:
    desk = make_desk(bus, clock)
    handler = make_handler(bus, ScriptedRouter(), desk)
    for inbound in (too_long_voice_note(), make_inbound("Hello"), too_long_voice_note()):
        publish_inbound(bus, inbound)
        await handle_all(bus, handler)
    replies, posts = sent(bus)
    assert posts == []
    assert [r.text.startswith("echo:") for r in replies] == [False, True, False]


async def test_without_a_desk_failures_keep_their_polite_replies(bus: Bus) -> None:
    handler = make_plain_handler(bus, ScriptedRouter())
    for _ in range(3):
        publish_inbound(bus, too_long_voice_note())
    await handle_all(bus, handler)
    replies, posts = sent(bus)
    assert posts == []
    assert len(replies) == 3
    assert all("too long" in r.text for r in replies)


def test_failures_in_a_row_counts_fixed_bot_turns_only() -> None:
    def turn(role: Literal["user", "assistant"], provider: str | None) -> StoredTurn:
        return StoredTurn(role=role, text="", created_at=0.0, provider=provider)

    assert failures_in_a_row([]) == 0
    fixed, user = turn("assistant", "fixed"), turn("user", None)
    assert failures_in_a_row([fixed, user, fixed, user]) == 2
    assert failures_in_a_row([fixed, turn("assistant", "operator"), fixed]) == 1
    assert failures_in_a_row([fixed, turn("assistant", "groq")]) == 0
