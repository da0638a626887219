"""The onebox-router command line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from onebox_bus import Database
from onebox_router import CallRecord, Ledger
from onebox_router._schema import metadata
from onebox_router.cli import main


def test_policy_shows_chains_without_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONEBOX_GROQ_API_KEY", "gsk_very_secret")
    assert main(["policy"]) == 0
    out = capsys.readouterr().out
    assert "gsk_very_secret" not in out
    shown = orjson.loads(out)
    assert shown["chains"]["simple"] == ["groq", "offline"]
    assert shown["providers"]["groq"]["requests_per_minute"] == 30


def test_bad_configuration_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    routing = tmp_path / "routing.toml"
    routing.write_text("[chains]\nsimple = ['nope']\n", encoding="utf-8")
    monkeypatch.setenv("ONEBOX_ROUTING_FILE", str(routing))
    assert main(["policy"]) == 2
    err = capsys.readouterr().err
    assert "unknown provider 'nope'" in err
    assert len(err.strip().splitlines()) == 1


def test_classify_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "Where is my order #1234? And why is it late?"]) == 0
    shown = orjson.loads(capsys.readouterr().out)
    assert shown["cache"].startswith("personal:")
    assert "reasoning" in shown["reasons"]


def test_spend_reads_the_calls_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    db = Database(url)
    metadata.create_all(db.engine)
    import time

    Ledger(db).record(
        [CallRecord(created_at=time.time(), provider="claude", model="m", message_class="complex",
                    cost_usd=0.25)]
    )  # fmt: skip
    db.close()
    monkeypatch.setenv("ONEBOX_DATABASE_URL", url)
    assert main(["spend"]) == 0
    assert orjson.loads(capsys.readouterr().out) == {"claude": {"today": 0.25, "month": 0.25}}
