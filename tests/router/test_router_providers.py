"""The HTTP adapters against loopback servers speaking the real protocols."""

from __future__ import annotations

import httpx
import pytest
from onebox_router import (
    AnthropicProvider,
    CompletionRequest,
    OpenAICompatProvider,
    ProviderError,
    Turn,
)
from onebox_router.anthropic import alternate
from onebox_router.testing import FakeAnthropicServer, FakeOpenAIServer

pytestmark = pytest.mark.anyio

REQUEST = CompletionRequest(
    system="You are the assistant of Casa Verde.",
    turns=(Turn(role="user", text="What are your opening hours?"),),
    max_tokens=64,
)


def groq_provider(
    http: httpx.AsyncClient, server: FakeOpenAIServer, **kw: object
) -> OpenAICompatProvider:
    return OpenAICompatProvider(
        "groq", http=http, base_url=server.url, model="llama-3.1-8b-instant",
        api_key=kw.pop("api_key", server.api_key), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def claude_provider(
    http: httpx.AsyncClient, server: FakeAnthropicServer, key: str | None = None
) -> AnthropicProvider:
    return AnthropicProvider(
        "claude", http=http, api_key=key or server.api_key, model="claude-sonnet-4-5",
        base_url=server.url,
    )  # fmt: skip


async def failure(provider: object) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await provider.complete(REQUEST)  # type: ignore[attr-defined]
    return info.value


async def test_groq_success_speaks_chat_completions(
    http: httpx.AsyncClient, groq: FakeOpenAIServer
) -> None:
    groq.push(groq.answer("We open at 9.", usage=(41, 19)))
    completion = await groq_provider(http, groq).complete(REQUEST)
    assert completion.text == "We open at 9."
    assert (completion.input_tokens, completion.output_tokens) == (41, 19)
    assert completion.model == "llama-3.1-8b-instant"
    assert completion.rate_limits is not None
    assert completion.rate_limits.remaining_requests == 14_399
    [sent] = groq.requests
    assert sent.path == "/openai/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {groq.api_key}"
    assert sent.json["messages"][0] == {"role": "system", "content": REQUEST.system}
    assert sent.json["stream"] is False


async def test_groq_429_is_rate_limited_with_retry_after(
    http: httpx.AsyncClient, groq: FakeOpenAIServer
) -> None:
    groq.push(groq.rate_limited(retry_after=7))
    error = await failure(groq_provider(http, groq))
    assert (error.kind, error.status_code, error.retry_after) == ("rate_limited", 429, 7.0)


async def test_groq_429_without_header_reads_try_again_in(
    http: httpx.AsyncClient, groq: FakeOpenAIServer
) -> None:
    groq.push(groq.rate_limited(retry_after=None))
    error = await failure(groq_provider(http, groq))
    assert error.kind == "rate_limited"
    assert error.retry_after == pytest.approx(2.63)


async def test_bad_key_is_auth_and_secret_free(
    http: httpx.AsyncClient, groq: FakeOpenAIServer
) -> None:
    error = await failure(groq_provider(http, groq, api_key="gsk_wrong_secret"))
    assert (error.kind, error.status_code) == ("auth", 401)
    assert "gsk_wrong_secret" not in str(error)
    assert not error.retryable


async def test_malformed_and_server_errors(http: httpx.AsyncClient, groq: FakeOpenAIServer) -> None:
    groq.push(groq.malformed(), groq.server_error())
    assert (await failure(groq_provider(http, groq))).kind == "malformed"
    assert (await failure(groq_provider(http, groq))).kind == "server_error"


async def test_groq_rejects_what_groq_rejects(
    http: httpx.AsyncClient, groq: FakeOpenAIServer
) -> None:
    response = await http.post(
        groq.url + "/chat/completions",
        headers={"authorization": f"Bearer {groq.api_key}"},
        json={"model": "m", "messages": [{"role": "user", "content": "hi", "name": "x"}]},
    )
    assert response.status_code == 400
    assert response.headers["x-ratelimit-limit-tokens"] == "6000"


async def test_read_timeout_is_a_timeout(http: httpx.AsyncClient, groq: FakeOpenAIServer) -> None:
    groq.push(groq.hang())
    error = await failure(groq_provider(http, groq, read_timeout_s=0.2))
    assert error.kind == "timeout"


async def test_unreachable_server_is_a_connection_error(http: httpx.AsyncClient) -> None:
    with FakeOpenAIServer(flavour="ollama") as server:
        url = server.url
    provider = OpenAICompatProvider("local", http=http, base_url=url, model="llama3.2")
    assert (await failure(provider)).kind == "connection"


async def test_ollama_busy_and_llamacpp_loading_are_overloaded(
    http: httpx.AsyncClient, ollama: FakeOpenAIServer
) -> None:
    ollama.push(ollama.busy())
    local = OpenAICompatProvider("local", http=http, base_url=ollama.url, model="llama3.2")
    assert (await failure(local)).kind == "overloaded"
    assert (await local.complete(REQUEST)).text.startswith("Answer to:")
    assert "authorization" not in ollama.requests[-1].headers
    with FakeOpenAIServer(flavour="llamacpp") as llama:
        llama.loading = True
        assert (await http.get(llama.origin + "/health")).status_code == 503
        provider = OpenAICompatProvider("local", http=http, base_url=llama.url, model="any")
        assert (await failure(provider)).kind == "overloaded"
        llama.loading = False
        assert (await http.get(llama.origin + "/health")).json() == {"status": "ok"}
        assert (await provider.complete(REQUEST)).text


async def test_anthropic_success_speaks_messages(
    http: httpx.AsyncClient, anthropic: FakeAnthropicServer
) -> None:
    anthropic.push(anthropic.answer("Fillings last 10 years.", usage=(58, 212)))
    request = CompletionRequest(
        system="Be brief.",
        turns=(Turn(role="assistant", text="Hello!"), Turn(role="user", text="a"),
               Turn(role="user", text="b")),
        max_tokens=100, temperature=1.5,
    )  # fmt: skip
    completion = await claude_provider(http, anthropic).complete(request)
    assert completion.text == "Fillings last 10 years."
    assert completion.model == "claude-sonnet-4-5-20250929"
    assert (completion.input_tokens, completion.output_tokens) == (58, 212)
    [sent] = anthropic.requests
    assert sent.headers["x-api-key"] == anthropic.api_key
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.json["system"] == "Be brief."
    assert sent.json["messages"] == [{"role": "user", "content": "a\n\nb"}]
    assert sent.json["temperature"] == 1.0


@pytest.mark.parametrize(
    ("script", "kind"),
    [("overloaded", "overloaded"), ("rate_limited", "rate_limited"),
     ("spend_limited", "spend_limit"), ("refusal", "bad_request"), ("server_error", "server_error"),
     ("malformed", "malformed")],
)  # fmt: skip
async def test_anthropic_errors_are_classified(
    http: httpx.AsyncClient, anthropic: FakeAnthropicServer, script: str, kind: str
) -> None:
    anthropic.push(getattr(anthropic, script)())
    error = await failure(claude_provider(http, anthropic))
    assert error.kind == kind
    if kind == "rate_limited":
        assert error.retry_after == 2.0
    if kind == "spend_limit":
        assert error.retry_after is None


async def test_anthropic_bad_key_is_auth(
    http: httpx.AsyncClient, anthropic: FakeAnthropicServer
) -> None:
    error = await failure(claude_provider(http, anthropic, key="sk-ant-wrong"))
    assert (error.kind, error.status_code) == ("auth", 401)


async def test_anthropic_fake_rejects_system_role_and_missing_max_tokens(
    http: httpx.AsyncClient, anthropic: FakeAnthropicServer
) -> None:
    headers = {"x-api-key": anthropic.api_key, "anthropic-version": "2023-06-01"}
    bad = [
        {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        {"model": "m", "max_tokens": 5, "messages": [{"role": "system", "content": "x"}]},
        {"model": "m", "max_tokens": 5, "messages": [{"role": "assistant", "content": "x"}]},
    ]
    for body in bad:
        response = await http.post(anthropic.url + "/v1/messages", headers=headers, json=body)
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "invalid_request_error"
    response = await http.post(anthropic.url + "/v1/messages", json=bad[0])
    assert response.status_code == 401


def test_alternate_starts_with_user_and_merges_runs() -> None:
    turns = [("assistant", "hi"), ("user", "a"), ("user", "b"), ("assistant", "c"), ("user", "d")]
    assert [m["role"] for m in alternate(turns)] == ["user", "assistant", "user"]
