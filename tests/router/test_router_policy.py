"""Settings, the routing file and build_router."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_router import ConfigError, RouterSettings, build_router, load_policy
from onebox_router.testing import FakeOpenAIServer, conversation

pytestmark = pytest.mark.anyio


def test_defaults_run_offline_only() -> None:
    policy = load_policy(RouterSettings())
    assert policy.providers == {}
    assert policy.chains == {"simple": ("offline",), "complex": ("offline",)}
    assert policy.deadline_s == 30.0


def test_keys_and_urls_from_constructor_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    # The router is a library: the variables are the orchestrator's (tests/orchestrator).
    monkeypatch.setenv("ONEBOX_ANTHROPIC_API_KEY", "sk-ant-from-the-environment")
    settings = RouterSettings(
        groq_api_key="gsk_secret", local_llm_url="http://127.0.0.1:11434/v1", deadline_seconds=12
    )
    assert "gsk_secret" not in repr(settings)
    policy = load_policy(settings)
    assert policy.chains["simple"] == ("groq", "local", "offline")
    assert policy.chains["complex"] == ("groq", "local", "offline")
    assert policy.providers["groq"].rpm == 30
    assert policy.providers["groq"].price.input_per_mtok == 0.05
    assert policy.providers["local"].price.output_per_mtok == 0.0
    assert policy.deadline_s == 12.0


def test_bad_deadline_names_the_field() -> None:
    with pytest.raises(ValueError, match="deadline_seconds"):
        RouterSettings(deadline_seconds=-1)


def test_routing_file_overrides_and_adds_providers(tmp_path: Path) -> None:
    path = tmp_path / "routing.toml"
    path.write_text(
        """
[chains]
simple = ["openrouter", "groq", "offline"]

[providers.groq]
timeout_seconds = 4
monthly_budget_usd = 5
model = "llama-3.3-70b-versatile"

[providers.openrouter]
kind = "openai"
base_url = "https://openrouter.ai/api/v1"
model = "meta-llama/llama-3.1-8b-instruct"
input_price = 0.02
output_price = 0.05

[classifier]
threshold = 0.8
""",
        encoding="utf-8",
    )
    settings = RouterSettings(groq_api_key="gsk_x", routing_file=path)
    policy = load_policy(settings)
    assert policy.chains["simple"] == ("openrouter", "groq", "offline")
    groq = policy.providers["groq"]
    assert (groq.timeout_s, groq.monthly_budget_usd, groq.rpm) == (4.0, 5.0, 30)
    assert groq.price.input_per_mtok == 0.59
    assert policy.providers["openrouter"].price.output_per_mtok == 0.05
    assert policy.classifier_threshold == 0.8


def test_a_paid_model_without_a_price_is_left_out(tmp_path: Path) -> None:
    settings = RouterSettings(groq_api_key="gsk_x", groq_model="some-new-model")
    assert "groq" not in load_policy(settings).providers
    assert load_policy(settings).chains["simple"] == ("offline",)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[chains]\nsimple = ['gpt9', 'offline']", "unknown provider 'gpt9'"),
        ("[providers.groq]\ntimeout_seconds = -3", "providers.groq.timeout_seconds"),
        ("[providers.groq]\ntimeoutt = 3", "timeoutt"),
        ("[providers.x]\nmodel = 'm'", "needs `kind` and `base_url`"),
        ("not toml = = =", "not valid TOML"),
    ],
)
def test_bad_routing_files_fail_at_build_time(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "routing.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_policy(RouterSettings(routing_file=path))


def test_unreadable_faq_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ONEBOX_FAQ_FILE"):
        build_router(RouterSettings(faq_file=tmp_path / "missing.md"), http=None, db=None)  # type: ignore[arg-type]


async def test_build_router_wires_settings_to_real_providers(
    http: httpx.AsyncClient, db: Database, clock: FakeClock, groq: FakeOpenAIServer,
    tmp_path: Path,
) -> None:  # fmt: skip
    faq = tmp_path / "faq.md"
    faq.write_text("## Do you sell bonsai?\nYes, from €25.\n", encoding="utf-8")
    settings = RouterSettings(groq_api_key=groq.api_key, groq_base_url=groq.url, faq_file=faq)
    router = build_router(settings, http=http, db=db, clock=clock)
    reply = await router.route(conversation("Do you ship to Spain?"), deadline=clock() + 30)
    assert reply.provider == "groq"
    assert groq.requests[0].json["model"] == "llama-3.1-8b-instant"
    groq.push(groq.unauthorized())
    offline = await router.route(conversation("Do you sell bonsai trees?"), deadline=clock() + 30)
    assert (offline.provider, offline.text) == ("offline", "Yes, from €25.")
    await router.aclose()
    assert not http.is_closed
