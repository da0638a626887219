"""The offline answerer and the spend summary."""

from __future__ import annotations

from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_router import CallRecord, Ledger, OfflineProvider, load_faq, parse_faq, spend_summary
from onebox_router.offline import FALLBACK_TEXT


def test_example_faq_ships_with_the_package() -> None:
    faq = load_faq(None)
    assert len(faq) >= 20
    offline = OfflineProvider(faq)
    assert "Sundays" in offline.answer("Are you open on Sunday?").text
    assert "Saturdays" in offline.answer("are you open saturdays?").text
    assert offline.answer("Can you fix my bicycle?").text == FALLBACK_TEXT


def test_a_bare_greeting_is_greeted_back_not_handed_to_a_person() -> None:
    offline = OfflineProvider(load_faq(None))
    for hello in ("hello", "Hi there!", "good morning", "hey 👋"):
        answer = offline.answer(hello)
        assert answer.model == "greeting", hello
        assert "Casa Verde" in answer.text  # the FAQ's own "## Hello" entry
    assert "Sundays" in offline.answer("hello, are you open on Sunday?").text
    plain = OfflineProvider(parse_faq("## Do you deliver?\nYes.\n"))
    assert plain.answer("hi").text == "Hi! How can I help you today?"


def test_both_faq_formats_parse() -> None:
    text = (
        "# Shop\n\n## Do you deliver?\nYes.\n\n"
        "Q: Do you sell seeds?\nA: No.\n\n**Q:** Vouchers?\n**A:** Yes, €10.\n"
    )
    assert [(e.question, e.answer) for e in parse_faq(text)] == [
        ("Do you deliver?", "Yes."),
        ("Do you sell seeds?", "No."),
        ("Vouchers?", "Yes, €10."),
    ]


def test_spend_summary_per_provider_today_and_month(db: Database, clock: FakeClock) -> None:
    now = clock()
    rows = [
        ("claude", 0.0, 0.5),
        ("claude", 30 * 3600, 1.0),
        ("groq", 0, 0.01),
        ("groq", 40 * 86400, 9.0),
    ]
    Ledger(db).record(
        [
            CallRecord(
                created_at=now - ago, provider=p, model="m", message_class="simple", cost_usd=c
            )
            for p, ago, c in rows
        ]
    )
    summary = spend_summary(db, clock=clock)
    assert summary["claude"]["month"] == 1.5
    assert summary["claude"]["today"] == 0.5
    assert summary["groq"] == {"today": 0.01, "month": 0.01}
