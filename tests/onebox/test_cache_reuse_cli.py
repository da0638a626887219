"""``onebox cache list --by reuse``: the most served cached answers first (real SQLite file)."""

from __future__ import annotations

import time

import orjson
import pytest
from onebox_bus import Database
from onebox_router import CacheAdmin, ResponseCache, namespace

from onebox.cli import main

NS = namespace("You are Casa Verde's assistant.", "v1")


def test_list_by_reuse_shows_the_most_served_first(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Database(db_url) as db:
        cache = ResponseCache(db, clock=time.time)
        cache.store(NS, "Do you ship abroad?", "EU only.", provider="groq", model="m")
        cache.store(NS, "Do you sell gift cards?", "Yes.", provider="groq", model="m")
        ids = {row.answer: row.id for row in CacheAdmin(db).list()}
        cache.record_reuse({ids["EU only."]: 4, ids["Yes."]: 1})
    assert main(["--database-url", db_url, "cache", "list", "--by", "reuse", "--json"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    assert [(r["answer"], r["reuse_count"]) for r in rows] == [("EU only.", 4), ("Yes.", 1)]
    assert main(["--database-url", db_url, "cache", "list"]) == 0
    newest = capsys.readouterr().out.splitlines()
    assert newest[0].startswith(f"[{ids['Yes.']}] groq     x1 ")
    assert main(["--database-url", db_url, "cache", "show", str(ids["EU only."])]) == 0
    assert "served:    4 time(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["--database-url", db_url, "cache", "list", "--by", "oldest"])
    assert exited.value.code == 2
    assert "invalid choice: 'oldest'" in capsys.readouterr().err
