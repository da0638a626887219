"""The ``.env`` parser and the environment handed to the children of ``onebox up``."""

from __future__ import annotations

from pathlib import Path

import pytest

from onebox.settings import EnvFileError, child_environment, load_onebox_settings, read_env_file


def test_env_file_lines(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# a comment\n\n"
        "ONEBOX_GROQ_API_KEY=gsk_abc\n"
        "export ONEBOX_BUSINESS_NAME='Casa Verde'\n"
        'ONEBOX_FAQ_FILE="faq file.md"\n'
        "ONEBOX_LOG_LEVEL=debug # inline comment\n"
        "EMPTY=\n"
    )
    assert read_env_file(env) == {
        "ONEBOX_GROQ_API_KEY": "gsk_abc",
        "ONEBOX_BUSINESS_NAME": "Casa Verde",
        "ONEBOX_FAQ_FILE": "faq file.md",
        "ONEBOX_LOG_LEVEL": "debug",
        "EMPTY": "",
    }


def test_a_bad_line_names_its_number_and_not_its_value(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("ONEBOX_A=1\nthis is the secret sk-live-123\n")
    with pytest.raises(EnvFileError, match=r"\.env:2: expected KEY=VALUE") as caught:
        read_env_file(env)
    assert "sk-live" not in str(caught.value)


def test_the_environment_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text("ONEBOX_DATABASE_URL=sqlite:///from-file.db\nONEBOX_TELEGRAM_BOT_TOKEN=t\n")
    monkeypatch.setenv("ONEBOX_DATABASE_URL", "sqlite:///from-env.db")
    child = child_environment(env, overrides={"ONEBOX_PORT": "3001"})
    assert child["ONEBOX_DATABASE_URL"] == "sqlite:///from-env.db"
    assert child["ONEBOX_TELEGRAM_BOT_TOKEN"] == "t"
    assert child["ONEBOX_PORT"] == "3001"
    settings = load_onebox_settings(env)
    assert settings.database_url == "sqlite:///from-env.db"
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "t"


def test_no_env_file_means_the_local_defaults(tmp_path: Path) -> None:
    settings = load_onebox_settings(tmp_path / "missing.env")
    assert settings.database_url == "sqlite:///./var/onebox.db"
    assert settings.telegram_secret_token is None
    assert settings.whatsapp_app_secret is None


def test_a_bad_setting_names_the_variable(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("ONEBOX_DATABASE_URL=not-a-url\n")
    with pytest.raises(EnvFileError, match="ONEBOX_DATABASE_URL") as caught:
        load_onebox_settings(env)
    assert "not-a-url" not in str(caught.value)
