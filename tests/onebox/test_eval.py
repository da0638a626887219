"""``onebox eval``: replays a labelled set through the router and scores cache and classifier."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from onebox._eval import Row, _score, load_rows, schedule
from onebox.cli import main

ROWS = [
    {"text": "what time does the pool open?", "intent": "pool_hours", "label": "simple",
     "personal": False, "lang": "en", "business": "lido"},
    {"text": "when does the pool open?", "intent": "pool_hours", "label": "simple",
     "personal": False, "lang": "en", "business": "lido"},
    {"text": "is the pool open on mondays?", "intent": "pool_monday", "label": "simple",
     "personal": False, "lang": "en", "business": "lido"},
    {"text": "is the pool open on tuesdays?", "intent": "pool_tuesday", "label": "simple",
     "personal": False, "lang": "en", "business": "lido"},
    {"text": "how much is a swim for a child?", "intent": "price_child", "label": "simple",
     "personal": False, "lang": "en", "business": "lido"},
    {"text": "how much is a swim for an adult?", "intent": "price_adult", "label": "simple",
     "personal": False, "lang": "en", "business": "lido"},
    {"text": "¿a qué hora abre la piscina?", "intent": "pool_hours", "label": "simple",
     "personal": False, "lang": "es", "business": "lido"},
    {"text": "hi, it's Rosa, my locker 14 key is lost, can you check?", "label": "simple",
     "personal": True, "lang": "en", "business": "lido"},
    {"text": "we are 3 adults and 4 kids for 2 hours on sunday, which pass works out cheaper?",
     "intent": "pass_plan", "label": "complex", "personal": False, "lang": "en",
     "business": "lido"},
]  # fmt: skip


@pytest.fixture
def message_set(tmp_path: Path) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(row) for row in ROWS) + b"\n")
    return path


def test_eval_prints_a_json_report_and_exits_0_without_leaks_or_false_hits(
    message_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["eval", str(message_set), "--json", "--repeats", "60", "--seed", "3"])
    report = orjson.loads(capsys.readouterr().out)
    total = report["passes"]["total"]
    assert code == 0
    assert (total["false_hits"], total["personal_leaks"]) == (0, 0)
    assert report["passes"]["pass1"]["messages"] == len(ROWS)
    assert total["messages"] == len(ROWS) + 60
    assert total["exact_hits"] == total["exact_possible"] > 0
    labels = report["labels"]
    assert labels["complex"]["recall"] == 1.0
    assert labels["simple"]["precision"] == 1.0
    assert report["latency_ms"]["exact"]["n"] == total["exact_hits"]
    assert report["cost_usd"] > 0


def test_eval_prints_a_summary_by_default(
    message_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(message_set), "--repeats", "10"]) == 0
    out = capsys.readouterr().out
    assert "paraphrase" in out
    assert "personal leaks 0" in out


def test_an_unreadable_or_malformed_file_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hello"}\n{"label": "simple"}\n')
    assert main(["eval", str(bad)]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "missing.jsonl")]) == 2


def test_scoring_counts_leaks_false_hits_and_both_kinds_of_hits() -> None:
    rows = [
        Row(text="a?", group="g1", label=None, personal=False, lang="en", business="b"),
        Row(text="a again?", group="g1", label=None, personal=False, lang="en", business="b"),
        Row(text="other?", group="g2", label=None, personal=False, lang="en", business="b"),
        Row(text="mine", group="row-4", label=None, personal=True, lang="en", business="b"),
        Row(text="a en español", group="g1", label=None, personal=False, lang="es", business="b"),
    ]
    written = {"reply-a": 0, "reply-mine": 3}
    assert _score(rows[1], True, "reply-a", rows, written, repeat=False) == "paraphrase"
    assert _score(rows[0], True, "reply-a", rows, written, repeat=True) == "exact"
    assert _score(rows[2], True, "reply-a", rows, written, repeat=False) == "false"
    assert _score(rows[4], True, "reply-a", rows, written, repeat=False) == "false"
    assert _score(rows[2], True, "reply-mine", rows, written, repeat=False) == "leak"
    assert _score(rows[3], True, "reply-mine", rows, written, repeat=True) == "leak"
    assert _score(rows[2], False, "reply-x", rows, written, repeat=False) == "miss"


def test_the_replay_is_every_row_once_then_seeded_zipf_repeats(message_set: Path) -> None:
    rows = load_rows(message_set)
    order = schedule(rows, seed=7, repeats=200)
    first = [index for run, index in order if run == 1]
    assert sorted(first) == list(range(len(rows)))
    assert order == schedule(rows, seed=7, repeats=200)
    drawn = [index for run, index in order if run == 2]
    assert len(drawn) == 200
    counts = sorted((drawn.count(i) for i in set(drawn)), reverse=True)
    assert counts[0] > 3 * counts[-1]  # the head is drawn far more often than the tail


def test_eval_with_an_faq_anchors_the_business_cache_on_it(
    message_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faqs = tmp_path / "faqs"
    faqs.mkdir()
    (faqs / "lido.md").write_text(
        "## What time does the pool open?\nAt 7:00.\n\n"
        "## How much is a swim for a child?\n€2.\n\n## How much is a swim for an adult?\n€4.\n",
        encoding="utf-8",
    )
    args = ["eval", str(message_set), "--json", "--repeats", "0", "--seed", "3"]
    assert main(args) == 0
    plain = orjson.loads(capsys.readouterr().out)["passes"]["pass1"]
    assert main([*args, "--faq", str(faqs)]) == 0
    anchored = orjson.loads(capsys.readouterr().out)["passes"]["pass1"]
    assert (anchored["false_hits"], anchored["personal_leaks"]) == (0, 0)
    assert anchored["paraphrase_hits"] >= plain["paraphrase_hits"]
    (faqs / "lido.md").write_text("no question here\n", encoding="utf-8")
    assert main([*args, "--faq", str(faqs)]) == 2
    assert "holds no question" in capsys.readouterr().err
