"""The orchestrator's settings: one object, the routing a section of it, flat variable names."""

from __future__ import annotations

from pathlib import Path

import pytest
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_router import load_policy
from onebox_service import build_settings, load_settings


def test_keys_and_urls_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEBOX_GROQ_API_KEY", "gsk_secret")
    monkeypatch.setenv("ONEBOX_LOCAL_LLM_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("ONEBOX_ANTHROPIC_API_KEY", "")
    monkeypatch.setenv("ONEBOX_DEADLINE_SECONDS", "12")
    settings = build_settings(OrchestratorSettings, credentials_directory=None)
    assert "gsk_secret" not in repr(settings)
    policy = load_policy(settings.router_settings())
    assert policy.chains["simple"] == ("groq", "local", "offline")
    assert policy.chains["complex"] == ("groq", "local", "offline")
    assert policy.providers["groq"].rpm == 30
    assert policy.providers["groq"].price.input_per_mtok == 0.05
    assert policy.providers["local"].price.output_per_mtok == 0.0
    assert policy.deadline_s == 12.0


def test_unset_routing_variables_keep_the_router_defaults() -> None:
    router = build_settings(OrchestratorSettings).router_settings()
    assert router.groq_model == "llama-3.1-8b-instant"
    assert router.groq_api_key is None
    assert load_policy(router).chains == {"simple": ("offline",), "complex": ("offline",)}


def test_a_key_from_a_systemd_credential(tmp_path: Path) -> None:
    (tmp_path / "ONEBOX_ANTHROPIC_API_KEY").write_text("sk-ant-credential\n")
    settings = build_settings(OrchestratorSettings, credentials_directory=tmp_path)
    key = settings.router_settings().anthropic_api_key
    assert key is not None
    assert key.get_secret_value() == "sk-ant-credential"


def test_bad_deadline_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONEBOX_DEADLINE_SECONDS", "-1")
    with pytest.raises(SystemExit) as exit_info:
        load_settings(OrchestratorSettings)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "ONEBOX_DEADLINE_SECONDS" in err
