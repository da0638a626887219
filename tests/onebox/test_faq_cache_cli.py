"""``onebox faq`` and ``onebox cache``, run as real processes on a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from onebox_bus import Database
from onebox_router import CacheAdmin, FaqStore, ResponseCache, namespace

from onebox.cli import main

NS = namespace("You are Casa Verde's assistant.", "v1")


def onebox(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``onebox`` command in its own process (no ONEBOX_* variable inherited)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")}
    return subprocess.run(
        [sys.executable, "-m", "onebox.cli", "--database-url", url, *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_faq_add_list_and_remove_in_separate_processes(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    added = onebox(db_url, "faq", "add", "--question", "Do you sell gift cards?",
                   "--answer", "Yes, <b>from 10 euros</b>.", "--json")  # fmt: skip
    assert added.returncode == 0, added.stderr
    entry = orjson.loads(added.stdout)
    assert entry["answer"] == "Yes, <b>from 10 euros</b>."  # HTML stored as given
    assert (entry["source"], entry["superseded"]) == ("owner", 0)

    listed = onebox(db_url, "faq", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [(e["id"], e["question"]) for e in orjson.loads(listed.stdout)] == [
        (entry["id"], "Do you sell gift cards?")
    ]
    # The rest in this process: the same code, without paying another interpreter start.
    assert main(["--database-url", db_url, "faq", "list"]) == 0
    human = capsys.readouterr().out
    assert f"[{entry['id']}] (owner, " in human
    assert "    Yes, <b>from 10 euros</b>." in human

    assert main(["--database-url", db_url, "faq", "remove", str(entry["id"])]) == 0
    assert "removed" in capsys.readouterr().out
    assert main(["--database-url", db_url, "faq", "remove", str(entry["id"])]) == 1
    assert f"no FAQ entry {entry['id']}" in capsys.readouterr().err
    with Database(db_url) as db:
        assert FaqStore(db).list() == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["faq", "add", "--question", "Do you deliver?", "--answer", ""], 2,
         "the answer is empty; nothing was stored"),
        (["faq", "add", "--question", "  ", "--answer", "Yes."], 2, "the question is empty"),
        (["faq", "add", "--question", "Do you deliver?", "--answer", "x" * 100_000], 2,
         "100000 characters long; the limit is 4000 characters"),
        (["faq", "remove", "42"], 1, "no FAQ entry 42"),
        (["faq", "remove", "first"], 2, "'first' is not an entry id"),
        (["faq", "add", "--answer", "Sí."], 2, "--question is required"),
        (["faq", "add", "--id", "1", "--answer", "Sí."], 2, "--id needs --lang"),
        (["faq", "add", "--id", "1", "--lang", "es", "--answer", "Sí."], 1, "no FAQ entry 1"),
        (["faq", "add", "--id", "x", "--lang", "es", "--answer", "Sí."], 2,
         "'x' is not an entry id"),
        (["faq", "add", "--question", "Open?", "--answer", "Yes.", "--lang", "english"], 2,
         "'english' is not a language code"),
        (["faq", "remove", "1", "--lang", "es"], 1, "no FAQ entry 1"),
        (["cache", "show", "42"], 1, "no cached answer 42"),
        (["cache", "forget", "42"], 1, "no cached answer 42"),
        (["cache", "show", "nope"], 2, "neither a row id nor a 64-character key"),
        (["cache", "list", "--limit", "0"], 2, "--limit must be at least 1"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error_a_non_zero_exit_and_changes_nothing(
    db_url: str, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    assert main(["--database-url", db_url, *args]) == code
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""
    with Database(db_url) as db:
        assert FaqStore(db).list() == []
        assert FaqStore(db).revision() == 0


def test_faq_add_with_a_language_and_a_translation_then_list_and_remove_it(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--database-url", db_url, "faq", *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, _ = run("add", "--question", "Do you sell gift cards?", "--answer",
                       "Yes, from 10 euros.", "--lang", "en", "--json")  # fmt: skip
    assert code == 0
    entry = orjson.loads(out)
    assert (entry["language"], entry["translations"]) == ("en", {})
    faq_id = str(entry["id"])
    code, out, _ = run("add", "--id", faq_id, "--lang", "ES",
                       "--answer", "Sí, desde 10 euros.\nTambién en la tienda.")  # fmt: skip
    assert code == 0
    assert f"FAQ entry {faq_id} now answers in 'es' too" in out
    code, out, err = run("add", "--id", faq_id, "--lang", "pt", "--answer", "  ")
    assert (code, out) == (2, "")
    assert "the translation is empty; nothing was stored" in err

    assert run("list", "--json")[0] == 0
    code, out, _ = run("list", "--json")
    [listed] = orjson.loads(out)
    assert listed["translations"] == {"es": "Sí, desde 10 euros.\nTambién en la tienda."}
    code, out, _ = run("list")
    assert f"[{faq_id}] (owner, en, " in out
    assert "    [es] Sí, desde 10 euros.\n         También en la tienda.\n" in out

    code, out, _ = run("remove", faq_id, "--lang", "es")
    assert code == 0
    assert f"The 'es' translation of FAQ entry {faq_id} was removed" in out
    code, _, err = run("remove", faq_id, "--lang", "es")
    assert code == 1
    assert f"FAQ entry {faq_id} has no 'es' translation" in err
    with Database(db_url) as db:
        [stored] = FaqStore(db).list()
        assert (stored.question, stored.translations) == ("Do you sell gift cards?", {})


def test_an_unmigrated_database_is_refused_naming_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database-url", f"sqlite:///{tmp_path / 'empty.db'}", "faq", "list"]) == 1
    assert "run `onebox migrate` first" in capsys.readouterr().err


def test_cache_list_show_forget_and_clear(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Database(db_url) as db:
        cache = ResponseCache(db, clock=time.time, ttl_s=3600.0)
        cache.store(NS, "What are your opening hours?", "Mon-Fri 9-19.", provider="groq",
                    model="llama")  # fmt: skip
        cache.store(NS, "Do you ship abroad?", "Yes, EU only.", provider="claude", model="s")
        cache.store(NS, "Do you sell gift cards?", "Yes.", provider="groq", model="llama")
        rows = {row.answer: row for row in CacheAdmin(db).list()}
    listed = onebox(db_url, "cache", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["answer"] for r in orjson.loads(listed.stdout)] == [
        "Yes.", "Yes, EU only.", "Mon-Fri 9-19.",
    ]  # fmt: skip
    assert main(["--database-url", db_url, "cache", "list"]) == 0
    assert f"[{rows['Yes, EU only.'].id}] claude" in capsys.readouterr().out

    hours = rows["Mon-Fri 9-19."]
    assert main(["--database-url", db_url, "cache", "show", hours.key, "--json"]) == 0
    shown = capsys.readouterr().out
    assert orjson.loads(shown)["id"] == hours.id
    assert "what are your opening hours" not in shown.lower()  # words, not the text
    assert main(["--database-url", db_url, "cache", "show", str(hours.id)]) == 0
    assert "Mon-Fri 9-19." in capsys.readouterr().out

    assert main(["--database-url", db_url, "cache", "forget", str(hours.id)]) == 0
    assert "deleted" in capsys.readouterr().out
    with Database(db_url) as db:
        assert ResponseCache(db, clock=time.time).lookup(NS, "What are your opening hours?") is None
        assert CacheAdmin(db).count() == 2

    cleared = onebox(db_url, "cache", "clear")
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.strip() == "2 cached answer(s) deleted"
    with Database(db_url) as db:
        assert CacheAdmin(db).count() == 0
