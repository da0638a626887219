"""``onebox unanswered [--json]``: the dashboard's unanswered groups from the command line."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from onebox_bus import Database
from onebox_bus.testing import migrated_sqlite
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.questions import QuestionGroups

from onebox.cli import main

ASKED = [
    ("telegram:1", "Do you sell gift cards?"),
    ("telegram:2", "do you sell gift vouchers"),
    ("whatsapp:3", "Can I bring my dog?"),
]


def _seed(url: str) -> None:
    with Database(url) as db:
        memory, questions = ConversationMemory(db), QuestionGroups(db)
        for i, (key, text) in enumerate(ASKED):
            with db.transaction() as conn:
                memory.record(
                    conn, conversation_key=key, inbound_id=i, channel=key.split(":")[0],
                    correlation_id=None, user_text=text, reply_text="Sorry, I cannot answer.",
                    provider="offline", origin="fallback",
                    question_group=questions.assign(conn, text),
                )  # fmt: skip


def test_groups_are_listed_most_asked_first_as_text_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = migrated_sqlite(tmp_path / "onebox.db")
    _seed(url)
    assert main(["--database-url", url, "unanswered", "--json"]) == 0
    groups = orjson.loads(capsys.readouterr().out)["groups"]
    assert [(g["count"], g["example"], g["question"]) for g in groups] == [
        (2, "do you sell gift vouchers", "Do you sell gift cards?"),
        (1, "Can I bring my dog?", "Can I bring my dog?"),
    ]
    assert all(g["last_at"] <= time.time() for g in groups)

    assert main(["--database-url", url, "unanswered"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["group", "asked", "first", "seen", "last", "seen", "example"]
    assert lines[1].split()[1] == "2"
    assert lines[1].endswith("do you sell gift vouchers")
    assert lines[2].endswith("Can I bring my dog?")

    assert main(["--database-url", url, "unanswered", "--answered"]) == 0
    assert capsys.readouterr().out.strip() == "No answered questions."


def test_a_bad_limit_and_a_missing_database_are_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = migrated_sqlite(tmp_path / "onebox.db")
    assert main(["--database-url", url, "unanswered", "--limit", "0"]) == 2
    assert "--limit" in capsys.readouterr().err
    missing = f"sqlite:///{tmp_path / 'nowhere' / 'onebox.db'}"
    assert main(["--database-url", missing, "unanswered"]) == 1
    assert "onebox unanswered:" in capsys.readouterr().err


def test_faq_add_from_the_command_line_answers_the_groups_it_covers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = migrated_sqlite(tmp_path / "onebox.db")
    _seed(url)
    answer = "Yes: gift cards from 10 to 100 euros, at the counter or online."
    assert main(["--database-url", url, "faq", "add", "--question", "Do you sell gift cards?",
                 "--answer", answer, "--json"]) == 0  # fmt: skip
    added = orjson.loads(capsys.readouterr().out)
    assert len(added["answered_groups"]) == 1
    assert main(["--database-url", url, "unanswered", "--json"]) == 0
    still_open = orjson.loads(capsys.readouterr().out)["groups"]
    assert [g["question"] for g in still_open] == ["Can I bring my dog?"]  # the dog stays open
    assert main(["--database-url", url, "unanswered", "--answered", "--json"]) == 0
    [answered] = orjson.loads(capsys.readouterr().out)["groups"]
    assert (answered["count"], answered["answer"]) == (2, answer)
