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


def test_burst_settings_default_and_build_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = build_settings(OrchestratorSettings, credentials_directory=None)
    policy = settings.burst_policy_value()
    assert (policy.name, policy.window.quiet_s, policy.window.max_s) == ("decide", 1.5, 6.0)
    monkeypatch.setenv("ONEBOX_BURST_POLICY", "fold")
    monkeypatch.setenv("ONEBOX_BURST_QUIET_SECONDS", "0.5")
    monkeypatch.setenv("ONEBOX_BURST_MAX_SECONDS", "3")
    policy = build_settings(OrchestratorSettings).burst_policy_value()
    assert (policy.name, policy.window.quiet_s, policy.window.max_s) == ("fold", 0.5, 3.0)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ONEBOX_BURST_POLICY": "sometimes"}, ["ONEBOX_BURST_POLICY"]),
        ({"ONEBOX_BURST_QUIET_SECONDS": "-1"}, ["ONEBOX_BURST_QUIET_SECONDS"]),
        (
            {"ONEBOX_BURST_QUIET_SECONDS": "4", "ONEBOX_BURST_MAX_SECONDS": "2"},
            ["ONEBOX_BURST_QUIET_SECONDS", "ONEBOX_BURST_MAX_SECONDS"],
        ),
        (
            {"ONEBOX_BURST_MAX_SECONDS": "8", "ONEBOX_DEADLINE_SECONDS": "8"},
            ["ONEBOX_BURST_MAX_SECONDS", "ONEBOX_DEADLINE_SECONDS"],
        ),
    ],
)
def test_bad_burst_settings_are_refused_naming_the_variables(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: list[str]
) -> None:
    from onebox_service import SettingsError

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        build_settings(OrchestratorSettings, credentials_directory=None)
    message = str(caught.value)
    assert all(name in message for name in named), message
    assert "\n" not in message
