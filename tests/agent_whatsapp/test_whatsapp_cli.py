"""``onebox-whatsapp verify-setup`` against the fake Cloud API, and its clear sandbox message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from onebox_agent_whatsapp import testing as wa
from onebox_agent_whatsapp.main import main


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Result]:
    def run(env: dict[str, str], *args: str) -> Result:
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run


def live_env(graph: wa.FakeGraphApi, **extra: str) -> dict[str, str]:
    return {
        "ONEBOX_WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
        "ONEBOX_WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "ONEBOX_WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "ONEBOX_WHATSAPP_VERIFY_TOKEN": "verify-me",
        "ONEBOX_WHATSAPP_API_URL": graph.url,
        **extra,
    }


def test_verify_setup_reports_a_consistent_token_and_number(
    graph: wa.FakeGraphApi, run_cli: Callable[..., Result]
) -> None:
    result = run_cli(live_env(graph), "verify-setup", "--webhook-url", "none")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    token and phone number" in result.stdout
    assert graph.display_phone_number in result.stdout
    assert wa.ACCESS_TOKEN not in result.stdout + result.stderr
    [request] = graph.requests
    assert request.method == "GET"
    assert request.path.startswith(f"/v23.0/{wa.PHONE_NUMBER_ID}?")


def test_verify_setup_names_a_wrong_token_or_phone_number(
    graph: wa.FakeGraphApi, run_cli: Callable[..., Result]
) -> None:
    bad_token = run_cli(
        live_env(graph, ONEBOX_WHATSAPP_ACCESS_TOKEN="expired"),
        "verify-setup",
        "--webhook-url",
        "none",
    )
    assert bad_token.returncode == 1
    assert "access token is invalid" in bad_token.stdout
    assert "expired" not in bad_token.stdout.replace("invalid or expired", "")
    bad_number = run_cli(
        live_env(graph, ONEBOX_WHATSAPP_PHONE_NUMBER_ID="42"),
        "verify-setup",
        "--webhook-url",
        "none",
    )
    assert bad_number.returncode == 1
    assert "phone number id '42' is unknown" in bad_number.stdout


def test_verify_setup_reports_an_unreachable_webhook(
    graph: wa.FakeGraphApi, run_cli: Callable[..., Result]
) -> None:
    with wa.FakeGraphApi() as stopped:
        url = f"{stopped.url}/webhook/whatsapp"
    result = run_cli(live_env(graph), "verify-setup", "--webhook-url", url)
    assert result.returncode == 1
    assert "FAIL  webhook" in result.stdout
    assert "not reachable" in result.stdout


def test_verify_setup_in_sandbox_mode_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify-setup", "--webhook-url", "none"]) == 1  # no verify token either
    out = capsys.readouterr().out
    assert "sandbox: ONEBOX_WHATSAPP_ACCESS_TOKEN is not set" in out
    assert "ONEBOX_WHATSAPP_VERIFY_TOKEN is not set" in out


def test_a_token_without_app_secret_fails_at_start_naming_the_variable(
    run_cli: Callable[..., Result],
) -> None:
    result = run_cli(
        {"ONEBOX_WHATSAPP_ACCESS_TOKEN": "t", "ONEBOX_WHATSAPP_PHONE_NUMBER_ID": "1"},
        "verify-setup",
    )
    assert result.returncode == 2
    assert "ONEBOX_WHATSAPP_APP_SECRET" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"ONEBOX_HOST": "0.0.0.0"}, "ONEBOX_WHATSAPP_ACCESS_TOKEN"),
        ({"ONEBOX_SANDBOX": "1", "ONEBOX_HOST": "0.0.0.0"}, "ONEBOX_WHATSAPP_APP_SECRET"),
        ({"ONEBOX_SANDBOX": "0"}, "ONEBOX_WHATSAPP_ACCESS_TOKEN"),
    ],
)
def test_refuses_to_start_without_its_secrets_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    variable: str,
) -> None:
    """Issue 20 finding 1: in sandbox it started on 0.0.0.0 with no app secret."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as info:
        main(["serve"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert variable in err
