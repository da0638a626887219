"""Every routing path, end to end through real HTTP on loopback and a real database."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock, refuse_inserts
from onebox_router import (
    AnthropicProvider,
    CallRecord,
    Ledger,
    OfflineProvider,
    OpenAICompatProvider,
    Price,
    Provider,
    ResponseCache,
    Router,
    RoutingPolicy,
    load_faq,
)
from onebox_router._schema import cache as cache_table
from onebox_router._schema import calls
from onebox_router.offline import FALLBACK_TEXT
from onebox_router.testing import (
    FakeAnthropicServer,
    FakeOpenAIServer,
    FunctionProvider,
    conversation,
    provider_config,
)
from sqlalchemy import select
from structlog.testing import capture_logs

pytestmark = pytest.mark.anyio
OPEN_ROUTERS: list[Router] = []

GROQ_PRICE = Price(input_per_mtok=0.05, output_per_mtok=0.08)
CLAUDE_PRICE = Price(input_per_mtok=3.0, output_per_mtok=15.0)
COMPLEX = "Should I pick the monstera or the fig for a dark office, and why? Which is cheaper?"
PLANTS = ["cactus", "orchid", "fern", "palm", "ivy", "aloe", "bonsai", "pothos"]


def hard(i: int) -> str:
    """A different complex question for each `i` (so the cache never answers it)."""
    return f"Should I pick the {PLANTS[i]} or the fig for a dark office, and why? Which is cheaper?"


def make_router(
    http: httpx.AsyncClient,
    db: Database,
    clock: Callable[[], float],
    *,
    groq: FakeOpenAIServer | None = None,
    local: FakeOpenAIServer | None = None,
    claude: FakeAnthropicServer | None = None,
    timeout_s: float = 5.0,
    claude_budget: float | None = None,
    reserve_s: float = 0.05,
    breaker_cooldown_s: float = 30.0,
) -> Router:
    configs = {}
    providers: dict[str, Provider] = {}
    if groq is not None:
        configs["groq"] = provider_config(
            "groq", base_url=groq.url, model="llama-3.1-8b-instant", api_key=groq.api_key,
            timeout_s=timeout_s, price=GROQ_PRICE,
        )  # fmt: skip
        providers["groq"] = OpenAICompatProvider(
            "groq", http=http, base_url=groq.url, model="llama-3.1-8b-instant",
            api_key=groq.api_key, read_timeout_s=60, clock=clock,
        )  # fmt: skip
    if local is not None:
        configs["local"] = provider_config("local", base_url=local.url, timeout_s=timeout_s)
        providers["local"] = OpenAICompatProvider(
            "local", http=http, base_url=local.url, model="llama3.2", read_timeout_s=60
        )
    if claude is not None:
        configs["claude"] = provider_config(
            "claude", kind="anthropic", model="claude-sonnet-4-5", timeout_s=timeout_s,
            price=CLAUDE_PRICE, monthly_budget_usd=claude_budget,
        )  # fmt: skip
        providers["claude"] = AnthropicProvider(
            "claude", http=http, api_key=claude.api_key, model="claude-sonnet-4-5",
            base_url=claude.url, read_timeout_s=60, clock=clock,
        )  # fmt: skip
    simple = (*tuple(n for n in ("groq", "local") if n in providers), "offline")
    complex_ = (*tuple(n for n in ("claude", "groq", "local") if n in providers), "offline")
    policy = RoutingPolicy(
        providers=configs, chains={"simple": simple, "complex": complex_},
        offline_reserve_s=reserve_s, breaker_cooldown_s=breaker_cooldown_s,
    )  # fmt: skip
    router = Router(
        policy=policy, providers=providers, offline=OfflineProvider(load_faq(None)),
        cache=ResponseCache(db, clock=clock), ledger=Ledger(db), clock=clock,
    )  # fmt: skip
    OPEN_ROUTERS.append(router)
    return router


@pytest.fixture(autouse=True)
async def _close_routers(db: Database) -> AsyncIterator[None]:
    """Close each router before its database: its writes behind a reply run in a thread."""
    yield
    while OPEN_ROUTERS:
        await OPEN_ROUTERS.pop().aclose()


def call_rows(db: Database) -> list[tuple[str, str]]:
    with db.engine.connect() as conn:
        return [(r.provider, r.outcome) for r in conn.execute(select(calls).order_by(calls.c.id))]


async def test_simple_goes_to_groq_and_is_recorded(
    http: httpx.AsyncClient, db: Database, clock: FakeClock, groq: FakeOpenAIServer
) -> None:
    groq.push(groq.answer("We open at 9.", usage=(600, 150)))
    router = make_router(http, db, clock, groq=groq)
    reply = await router.route(conversation("What time do you open?"), deadline=clock() + 30)
    assert (reply.provider, reply.text, reply.cached) == ("groq", "We open at 9.", False)
    assert reply.classification == "simple"
    assert (reply.input_tokens, reply.output_tokens) == (600, 150)
    assert reply.cost_usd == pytest.approx(0.000042)
    await router.flush()  # the call record is written behind the reply
    with db.engine.connect() as conn:
        row = conn.execute(select(calls)).one()
    assert (row.provider, row.outcome, row.correlation_id, row.channel) == (
        "groq", "ok", "corr-test", "telegram",
    )  # fmt: skip
    assert row.cost_usd == pytest.approx(0.000042)


async def test_complex_goes_to_claude(
    http: httpx.AsyncClient, db: Database, clock: FakeClock,
    groq: FakeOpenAIServer, anthropic: FakeAnthropicServer,
) -> None:  # fmt: skip
    router = make_router(http, db, clock, groq=groq, claude=anthropic)
    reply = await router.route(conversation(COMPLEX), deadline=clock() + 30)
    assert (reply.provider, reply.classification) == ("claude", "complex")
    assert reply.cost_usd > 0
    assert groq.requests == []


async def test_timeout_falls_through_to_the_next_provider(
    http: httpx.AsyncClient, db: Database, clock: FakeClock,
    groq: FakeOpenAIServer, ollama: FakeOpenAIServer,
) -> None:  # fmt: skip
    groq.push(groq.hang())
    router = make_router(http, db, clock, groq=groq, local=ollama, timeout_s=0.3)
    reply = await router.route(conversation("Do you sell gift cards?"), deadline=clock() + 30)
    assert reply.provider == "local"
    await router.flush()
    assert call_rows(db) == [("groq", "timeout"), ("local", "ok")]


async def test_a_refused_record_write_is_logged_and_the_reply_still_goes_out(
    http: httpx.AsyncClient, db: Database, clock: FakeClock, groq: FakeOpenAIServer
) -> None:
    with db.engine.begin() as conn:  # the database refuses the call records (as a full disk would)
        refuse_inserts(conn, "router_calls")
    router = make_router(http, db, clock, groq=groq)
    with capture_logs() as logs:
        reply = await router.route(conversation("Do you sell gift cards?"), deadline=clock() + 30)
        await router.aclose()  # writes what is queued first
    assert reply.provider == "groq"
    assert call_rows(db) == []
    [error] = [e for e in logs if e["event"] == "router.database_error"]
    assert (error["operation"], error["routes"]) == ("save", 1)


async def test_rate_limited_provider_is_skipped_until_retry_after(
    http: httpx.AsyncClient, db: Database, clock: FakeClock,
    groq: FakeOpenAIServer, ollama: FakeOpenAIServer,
) -> None:  # fmt: skip
    groq.push(groq.rate_limited(retry_after=7))
    router = make_router(http, db, clock, groq=groq, local=ollama)
    first = await router.route(conversation("Can I pay with PayPal?"), deadline=clock() + 30)
    assert first.provider == "local"
    second = await router.route(conversation("Do you sell pots?"), deadline=clock() + 30)
    assert second.provider == "local"
    assert len(groq.requests) == 1, "no call while the retry-after runs"
    clock.advance(7.5)
    third = await router.route(conversation("Do you sell seeds?"), deadline=clock() + 30)
    assert third.provider == "groq"


async def test_bad_key_disables_the_provider_loudly(
    http: httpx.AsyncClient, db: Database, clock: FakeClock,
    groq: FakeOpenAIServer, ollama: FakeOpenAIServer,
) -> None:  # fmt: skip
    groq.push(groq.unauthorized())
    router = make_router(http, db, clock, groq=groq, local=ollama)
    with capture_logs() as logs:
        reply = await router.route(conversation("Do you sell pots?"), deadline=clock() + 30)
    assert reply.provider == "local"
    disabled = [e for e in logs if e["event"] == "router.provider_disabled"]
    assert disabled
    assert disabled[0]["log_level"] == "error"
    assert groq.api_key not in repr(logs)
    clock.advance(3600)
    await router.route(conversation("Do you sell seeds?"), deadline=clock() + 30)
    assert len(groq.requests) == 1


async def test_spent_budget_skips_the_provider_and_survives_restarts(
    http: httpx.AsyncClient, db: Database, clock: FakeClock,
    groq: FakeOpenAIServer, anthropic: FakeAnthropicServer,
) -> None:  # fmt: skip
    big = anthropic.answer("long answer", usage=(1000, 2000))  # 0.033 USD each
    anthropic.push(big, big)
    router = make_router(http, db, clock, groq=groq, claude=anthropic, claude_budget=0.04)
    assert (await router.route(conversation(hard(1)), deadline=clock() + 30)).provider == "claude"
    # 0.033 USD spent; a call costs at most ~0.002 USD more (128 output tokens): it fits.
    assert (await router.route(conversation(hard(2)), deadline=clock() + 30)).provider == "claude"
    assert (await router.route(conversation(hard(3)), deadline=clock() + 30)).provider == "groq"
    await router.flush()  # the call records are written behind the replies
    restarted = make_router(http, db, clock, groq=groq, claude=anthropic, claude_budget=0.04)
    assert (await restarted.route(conversation(hard(4)), deadline=clock() + 30)).provider == "groq"
    assert len(anthropic.requests) == 2


async def test_budget_counts_only_this_month(
    http: httpx.AsyncClient, db: Database, clock: FakeClock, anthropic: FakeAnthropicServer
) -> None:
    last_month = clock() - 40 * 86_400
    Ledger(db).record([CallRecord(created_at=last_month, provider="claude", model="m",
                                      message_class="complex", cost_usd=100.0)])  # fmt: skip
    router = make_router(http, db, clock, claude=anthropic, claude_budget=1.0)
    assert (await router.route(conversation(hard(1)), deadline=clock() + 30)).provider == "claude"


async def test_spend_limit_holds_the_provider_until_next_month(
    http: httpx.AsyncClient, db: Database, clock: FakeClock,
    groq: FakeOpenAIServer, anthropic: FakeAnthropicServer,
) -> None:  # fmt: skip
    anthropic.push(anthropic.spend_limited())
    router = make_router(http, db, clock, groq=groq, claude=anthropic)
    assert (await router.route(conversation(hard(1)), deadline=clock() + 30)).provider == "groq"
    clock.advance(3 * 86_400)
    assert (await router.route(conversation(hard(2)), deadline=clock() + 30)).provider == "groq"
    assert len(anthropic.requests) == 1
    clock.advance(40 * 86_400)
    assert (await router.route(conversation(hard(3)), deadline=clock() + 30)).provider == "claude"


async def test_breaker_opens_then_probes(
    http: httpx.AsyncClient, db: Database, clock: FakeClock, ollama: FakeOpenAIServer
) -> None:
    ollama.push(*(ollama.server_error() for _ in range(4)))
    router = make_router(http, db, clock, local=ollama, breaker_cooldown_s=30)
    for _ in range(3):
        assert (
            await router.route(conversation("Seeds?"), deadline=clock() + 30)
        ).provider == "offline"
    assert len(ollama.requests) == 3
    await router.route(conversation("Pots?"), deadline=clock() + 30)
    assert len(ollama.requests) == 3, "open breaker: skipped without a call"
    clock.advance(31)
    assert (await router.route(conversation("Soil?"), deadline=clock() + 30)).provider == "offline"
    assert len(ollama.requests) == 4, "one probe after the cooldown, which failed"
    await router.route(conversation("Trays?"), deadline=clock() + 30)
    assert len(ollama.requests) == 4
    clock.advance(31)
    assert (await router.route(conversation("Vases?"), deadline=clock() + 30)).provider == "local"
    assert (await router.route(conversation("Bulbs?"), deadline=clock() + 30)).provider == "local"


async def test_all_down_answers_offline_from_the_faq(
    http: httpx.AsyncClient, db: Database, clock: FakeClock,
    groq: FakeOpenAIServer, ollama: FakeOpenAIServer,
) -> None:  # fmt: skip
    groq.push(groq.server_error(), groq.server_error())
    ollama.push(ollama.busy(), ollama.busy())
    router = make_router(http, db, clock, groq=groq, local=ollama)
    faq = await router.route(conversation("When are you open?"), deadline=clock() + 30)
    assert faq.provider == "offline"
    assert "Monday to Friday" in faq.text
    clock.advance(10)
    other = await router.route(conversation("Can you paint my fence?"), deadline=clock() + 30)
    assert other.provider == "offline"
    assert other.text == FALLBACK_TEXT  # no person promised: nobody was told
    await router.flush()
    assert ("offline", "ok") in call_rows(db)


async def test_deadline_holds_when_every_provider_hangs(
    http: httpx.AsyncClient, db: Database,
    groq: FakeOpenAIServer, ollama: FakeOpenAIServer, anthropic: FakeAnthropicServer,
) -> None:  # fmt: skip
    for server in (groq, ollama, anthropic):
        server.push(server.hang(), server.hang())
    router = make_router(http, db, time.time, groq=groq, local=ollama, claude=anthropic,
                         timeout_s=60, reserve_s=0.1)  # fmt: skip
    deadline = time.time() + 1.0
    reply = await router.route(conversation(COMPLEX), deadline=deadline)
    assert time.time() <= deadline
    assert reply.provider == "offline"
    assert len(anthropic.requests) == 1


async def test_repeated_questions_are_answered_from_the_cache(
    http: httpx.AsyncClient, db: Database, clock: FakeClock, groq: FakeOpenAIServer
) -> None:
    router = make_router(http, db, clock, groq=groq)
    first = await router.route(conversation("Do you ship internationally?"), deadline=clock() + 30)
    await router.flush()  # the answer is cached behind the reply
    again = await router.route(conversation("do you deliver abroad??"), deadline=clock() + 30)
    assert (first.provider, again.provider, again.cached) == ("groq", "cache", True)
    assert again.text == first.text
    assert again.cost_usd == 0
    assert len(groq.requests) == 1


async def test_personal_and_follow_up_messages_never_use_the_cache(
    http: httpx.AsyncClient, db: Database, clock: FakeClock, groq: FakeOpenAIServer
) -> None:
    router = make_router(http, db, clock, groq=groq)
    personal = conversation("Where is my order #4521?")
    history = (("user", "Are you open on Saturday?"), ("assistant", "Yes."))
    follow_up = conversation("And on Sunday?", *history)
    for message in (personal, personal, follow_up, follow_up):
        assert (await router.route(message, deadline=clock() + 30)).provider == "groq"
    assert len(groq.requests) == 4
    with db.engine.connect() as conn:
        assert conn.execute(select(cache_table)).all() == []


async def test_function_provider_and_bad_request_fall_through(
    db: Database, clock: FakeClock
) -> None:
    from onebox_router import ProviderError

    def refuse(request: object) -> str:
        raise ProviderError("too long", provider="first", kind="bad_request")

    first = FunctionProvider(refuse, name="first")
    second = FunctionProvider(lambda request: "second answer", name="second")
    policy = RoutingPolicy(providers={}, chains={"simple": ("first", "second", "offline"),
                                                 "complex": ("offline",)})  # fmt: skip
    router = Router(policy=policy, providers={"first": first, "second": second},
                    offline=OfflineProvider(load_faq(None)), clock=clock)  # fmt: skip
    for _ in range(4):
        reply = await router.route(conversation("Do you sell pots?"), deadline=clock() + 30)
        assert reply.provider == "second"
    assert len(first.requests) == 4, "a bad request does not open the breaker"


async def test_metrics_go_to_the_collector(
    http: httpx.AsyncClient, db: Database, clock: FakeClock, groq: FakeOpenAIServer
) -> None:
    metrics = pytest.importorskip("onebox_metrics")
    collector = metrics.Collector("orchestrator", db=None, clock=clock)
    routed = make_router(http, db, clock, groq=groq)
    router = Router(
        policy=routed.policy, providers={"groq": routed.states["groq"].provider},
        offline=OfflineProvider(load_faq(None)), cache=routed.cache, ledger=Ledger(db),
        clock=clock, collector=collector,
    )  # fmt: skip
    groq.push(groq.answer("Yes.", usage=(600, 150)))
    await router.route(conversation("Do you sell pots?"), deadline=clock() + 30)
    await router.flush()
    await router.route(conversation("Do you sell pots?"), deadline=clock() + 30)
    await router.route(conversation("Where is my order #4521?"), deadline=clock() + 30)
    replies = collector.counter("onebox_router_replies_total", "x", ("provider", "class", "cached"))
    assert replies.snapshot()[("groq", "simple", "false")] == [2.0]
    assert replies.snapshot()[("cache", "simple", "true")] == [1.0]
    lookups = collector.counter("onebox_router_cache_lookups_total", "x", ("result",)).snapshot()
    assert lookups[("miss",)] == [1.0]
    assert lookups[("exact",)] == [1.0]
    assert lookups[("bypass_personal",)] == [1.0]
    cost = collector.counter("onebox_router_cost_usd_total", "x", ("provider",)).snapshot()
    assert cost[("groq",)][0] > 0.000042


async def test_a_crashing_provider_still_gets_an_answer(clock: FakeClock) -> None:
    def broken(request: object) -> str:
        raise KeyError("bug")

    policy = RoutingPolicy(providers={}, chains={"simple": ("broken", "offline"),
                                                 "complex": ("offline",)})  # fmt: skip
    router = Router(policy=policy, providers={"broken": FunctionProvider(broken, name="broken")},
                    offline=OfflineProvider(load_faq(None)), clock=clock)  # fmt: skip
    with capture_logs() as logs:
        reply = await router.route(conversation("When are you open?"), deadline=clock() + 30)
    assert reply.provider == "offline"
    assert any(e["event"] == "router.provider_crashed" for e in logs)
