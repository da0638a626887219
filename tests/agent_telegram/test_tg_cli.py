from __future__ import annotations

import json

import pytest
from onebox_agent_telegram.main import main
from onebox_agent_telegram.settings import TelegramSettings
from onebox_agent_telegram.testing import FakeBotAPI
from pydantic import ValidationError

SECRET = "cli-secret_1"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, fake_api: FakeBotAPI) -> FakeBotAPI:
    monkeypatch.setenv("ONEBOX_TELEGRAM_BOT_TOKEN", fake_api.token)
    monkeypatch.setenv("ONEBOX_TELEGRAM_SECRET_TOKEN", SECRET)
    monkeypatch.setenv("ONEBOX_TELEGRAM_API_URL", fake_api.url)
    return fake_api


def test_set_webhook_info_delete(env: FakeBotAPI, capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://bot.example.test/webhook/telegram"
    assert main(["set-webhook", url, "--max-connections", "20"]) == 0
    assert json.loads(capsys.readouterr().out) is True
    assert env.webhook == {
        "url": url,
        "secret_token": SECRET,
        "max_connections": 20,
        "allowed_updates": ["message", "edited_message", "callback_query", "my_chat_member"],
        "drop_pending_updates": False,
    }
    assert main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["url"] == url
    assert info["pending_update_count"] == 0
    assert main(["delete-webhook"]) == 0
    assert env.calls("deleteWebhook")[0].params == {"drop_pending_updates": False}
    assert env.webhook == {}
    assert main(["set-webhook", url, "--drop-pending-updates"]) == 0
    assert env.webhook["drop_pending_updates"] is True
    assert SECRET not in capsys.readouterr().out


def test_refused_webhook_prints_telegrams_answer(
    env: FakeBotAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["set-webhook", "http://plain.example.test/hook"]) == 1
    err = capsys.readouterr().err
    assert "HTTPS URL must be provided" in err
    assert env.token not in err


def test_settings_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    assert TelegramSettings().sandbox
    assert TelegramSettings().port == 3001
    with pytest.raises(ValidationError, match="ONEBOX_TELEGRAM_SECRET_TOKEN is required"):
        TelegramSettings(telegram_bot_token="1:abc")
    with pytest.raises(ValidationError, match="not loopback"):
        TelegramSettings(host="0.0.0.0")
    with pytest.raises(ValidationError, match="A-Z a-z 0-9"):
        TelegramSettings(telegram_secret_token="has spaces!")
    assert TelegramSettings(host="0.0.0.0", telegram_secret_token="ok", sandbox=True).sandbox
    monkeypatch.setenv("ONEBOX_TELEGRAM_BOT_TOKEN", "")
    assert TelegramSettings().telegram_bot_token is None


def test_bad_setting_exits_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONEBOX_TELEGRAM_SECRET_TOKEN", "bad secret value")
    with pytest.raises(SystemExit) as info:
        main(["info"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "ONEBOX_TELEGRAM_SECRET_TOKEN" in err
    assert "bad secret value" not in err


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        (
            {"ONEBOX_HOST": "0.0.0.0", "ONEBOX_TELEGRAM_SECRET_TOKEN": "ok"},
            "ONEBOX_TELEGRAM_BOT_TOKEN",
        ),
        ({"ONEBOX_SANDBOX": "0"}, "ONEBOX_TELEGRAM_BOT_TOKEN"),
        ({"ONEBOX_SANDBOX": "1", "ONEBOX_HOST": "0.0.0.0"}, "ONEBOX_TELEGRAM_SECRET_TOKEN"),
        ({"ONEBOX_TELEGRAM_BOT_TOKEN": "1:abc"}, "ONEBOX_TELEGRAM_SECRET_TOKEN"),
    ],
)
def test_refuses_to_start_unsandboxed_without_its_secrets(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    variable: str,
) -> None:
    """Issue 20 finding 1: off loopback, a missing token silently meant sandbox mode."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as info:
        main(["serve"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert variable in err
    assert "ONEBOX_?" not in err
    assert "1:abc" not in err


def test_sandbox_is_explicit_or_implied_only_on_loopback() -> None:
    assert TelegramSettings().sandbox is True
    assert TelegramSettings(
        sandbox=True, telegram_bot_token="1:a", telegram_secret_token="s"
    ).sandbox
    live = TelegramSettings(telegram_bot_token="1:a", telegram_secret_token="s", host="0.0.0.0")
    assert live.sandbox is False
