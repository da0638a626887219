"""Conversation memory and personas on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from onebox_bus import Bus
from onebox_bus.retention import DAY
from onebox_bus.testing import FakeClock
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.persona import Personas, unsupported_reply
from onebox_orchestrator.retention import all_purges
from onebox_orchestrator.settings import OrchestratorSettings


def remember(memory: ConversationMemory, key: str, inbound_id: int, text: str) -> None:
    with memory.db.transaction() as conn:
        memory.record(
            conn,
            conversation_key=key,
            inbound_id=inbound_id,
            channel="telegram",
            correlation_id="c",
            user_text=text,
            reply_text=f"re: {text}",
            provider="groq",
        )


def test_recent_keeps_the_last_turns_oldest_first(bus: Bus) -> None:
    memory = ConversationMemory(bus.db, clock=bus.clock, max_turns=4)
    for i in range(5):
        remember(memory, "telegram:1", i, f"q{i}")
    remember(memory, "telegram:2", 99, "other")
    assert [t.text for t in memory.recent("telegram:1")] == ["q3", "re: q3", "q4", "re: q4"]
    summaries = {s.key: s.turns for s in memory.conversations()}
    assert summaries == {"telegram:1": 10, "telegram:2": 2}


def test_recording_one_inbound_twice_keeps_one_pair(bus: Bus) -> None:
    memory = ConversationMemory(bus.db, clock=bus.clock)
    remember(memory, "telegram:1", 7, "hi")
    remember(memory, "telegram:1", 7, "hi")
    assert len(memory.recent("telegram:1")) == 2


def test_a_rolled_back_transaction_leaves_no_turns(bus: Bus) -> None:
    memory = ConversationMemory(bus.db, clock=bus.clock)
    try:
        with bus.transaction() as conn:
            memory.record(
                conn,
                conversation_key="telegram:1",
                inbound_id=1,
                channel="telegram",
                correlation_id=None,
                user_text="hi",
                reply_text="hello",
                provider=None,
            )
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    assert memory.recent("telegram:1") == []


def test_retention_hides_and_purges_old_turns(db_url: str) -> None:
    clock = FakeClock()
    settings = OrchestratorSettings(history_retention_days=1.0)
    with Bus.from_url(db_url, clock=clock) as bus:
        memory = ConversationMemory(bus.db, clock=bus.clock, retention=DAY)
        remember(memory, "telegram:1", 1, "old")
        clock.advance(DAY + 1.0)
        remember(memory, "telegram:1", 2, "new")
        assert [t.text for t in memory.recent("telegram:1")] == ["new", "re: new"]
        [turns] = [
            p for p in all_purges(bus.db, settings, clock=clock) if p.name == "orchestrator_turns"
        ]
        assert turns.run() == 2
        assert turns.run() == 0


def test_personas_from_settings_files_and_faq(tmp_path: Path) -> None:
    (tmp_path / "tg.txt").write_text("You are Bob of {business}.\n")
    (tmp_path / "faq.md").write_text("Open 9-19 Mon-Fri.")
    personas = Personas.load(
        business="Casa Verde",
        prompts={"whatsapp": "Sell plants."},
        files={"telegram": tmp_path / "tg.txt"},
        faq_file=tmp_path / "faq.md",
    )
    assert personas.system_prompt("telegram").startswith("You are Bob of Casa Verde.")
    assert personas.system_prompt("whatsapp").startswith("Sell plants.")
    assert "Open 9-19 Mon-Fri." in personas.system_prompt("telegram")
    assert "Casa Verde" in personas.system_prompt("sms")  # generic persona for a new channel
    assert "sticker" in unsupported_reply("sticker")
