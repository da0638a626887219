"""The Graph API client against the fake Cloud API on loopback: sends, receipts, every error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from onebox_agent_whatsapp.client import GraphApiClient
from onebox_agent_whatsapp.errors import GraphApiError
from onebox_agent_whatsapp.testing import ACCESS_TOKEN, PHONE_NUMBER_ID, FakeGraphApi
from pydantic import SecretStr

pytestmark = pytest.mark.anyio


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def make_client(
    graph: FakeGraphApi, http: httpx.AsyncClient, *, token: str = ACCESS_TOKEN, **kw: object
) -> GraphApiClient:
    return GraphApiClient(
        http=http,
        api_url=graph.url,
        api_version="v23.0",
        phone_number_id=str(kw.pop("phone_number_id", PHONE_NUMBER_ID)),
        access_token=SecretStr(token),
        timeout=float(kw.pop("timeout", 5.0)),  # type: ignore[arg-type]
    )


async def test_send_text_posts_the_cloud_api_body(
    graph: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    sent = await make_client(graph, http).send_text("16505551234", "Hi 👋", reply_to="wamid.IN")
    assert sent.message_id.startswith("wamid.")
    assert sent.wa_id == "16505551234"
    [request] = graph.texts()
    assert request.path == f"/v23.0/{PHONE_NUMBER_ID}/messages"
    assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "text",
        "text": {"body": "Hi 👋", "preview_url": False},
        "context": {"message_id": "wamid.IN"},
    }


async def test_bsuid_recipient_and_template_and_mark_read(
    graph: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    client = make_client(graph, http)
    graph.add_template("follow_up", "en_US")
    await client.send_text("US.13491208655302741918", "hello")
    template = await client.send_template("16505551234", name="follow_up", language="en_US")
    await client.mark_read("wamid.IN", typing=True)
    bsuid, tmpl, read = graph.message_requests()
    assert bsuid.body["recipient"] == "US.13491208655302741918"
    assert "to" not in bsuid.body
    assert tmpl.body["template"] == {"name": "follow_up", "language": {"code": "en_US"}}
    assert template.message_id.startswith("wamid.")
    assert read.body == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.IN",
        "typing_indicator": {"type": "text"},
    }
    assert read.answer == {"success": True}
    assert graph.read_receipts() == ["wamid.IN"]


async def test_phone_number_details(graph: FakeGraphApi, http: httpx.AsyncClient) -> None:
    info = await make_client(graph, http).phone_number()
    assert info["display_phone_number"] == graph.display_phone_number
    assert info["id"] == PHONE_NUMBER_ID


@pytest.mark.parametrize(
    ("code", "kind", "retry_after"),
    [
        (130429, "rate_limited", 5.0),
        (131056, "rate_limited", 6.0),
        (80007, "rate_limited", 60.0),
        (131047, "permanent", None),
        (131026, "permanent", None),
        (131030, "permanent", None),
        (368, "permanent", None),
        (100, "permanent", None),
        (190, "config", None),
        (131000, "transient", None),
        (2, "transient", None),
    ],
)
async def test_errors_are_classified_by_code(
    graph: FakeGraphApi, http: httpx.AsyncClient, code: int, kind: str, retry_after: float | None
) -> None:
    graph.fail_next(code)
    with pytest.raises(GraphApiError) as info:
        await make_client(graph, http).send_text("16505551234", "hi")
    error = info.value
    assert (error.code, error.kind, error.retry_after) == (code, kind, retry_after)
    assert error.fbtrace_id == "AbCdEfGhIjKlMnOp"
    assert f"{code}" in error.reason
    assert ACCESS_TOKEN not in error.reason


async def test_rate_limit_code_wins_over_http_status(
    graph: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    graph.fail_next(130429, status=403)
    with pytest.raises(GraphApiError) as info:
        await make_client(graph, http).send_text("16505551234", "hi")
    assert (info.value.status_code, info.value.kind) == (403, "rate_limited")


async def test_bad_token_and_unknown_phone_number(
    graph: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    with pytest.raises(GraphApiError) as bad_token:
        await make_client(graph, http, token="wrong").send_text("16505551234", "hi")
    assert (bad_token.value.code, bad_token.value.kind) == (190, "config")
    assert "wrong" not in str(bad_token.value)
    with pytest.raises(GraphApiError) as unknown:
        await make_client(graph, http, phone_number_id="123").send_text("16505551234", "hi")
    assert (unknown.value.code, unknown.value.subcode) == (100, 33)
    assert unknown.value.kind == "permanent"


async def test_too_long_text_is_refused_like_the_real_api(
    graph: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    with pytest.raises(GraphApiError) as info:
        await make_client(graph, http).send_text("16505551234", "x" * 4097)
    assert info.value.code == 100
    assert "4096" in (info.value.details or "")


async def test_bare_5xx_and_timeouts_are_transient(
    graph: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    graph.fail_next_raw(502, b"<html>Bad Gateway</html>")
    with pytest.raises(GraphApiError) as bare:
        await make_client(graph, http).send_text("16505551234", "hi")
    assert (bare.value.status_code, bare.value.code, bare.value.kind) == (502, None, "transient")
    graph.delay_next(2.0)
    with pytest.raises(GraphApiError) as slow:
        await make_client(graph, http, timeout=0.2).send_text("16505551234", "hi")
    assert slow.value.kind == "transient"
    assert "timed out" in slow.value.title


async def test_connection_refused_is_transient(http: httpx.AsyncClient) -> None:
    with FakeGraphApi() as graph:
        url = graph.url
    client = GraphApiClient(
        http=http, api_url=url, phone_number_id=PHONE_NUMBER_ID, access_token=SecretStr("t")
    )
    with pytest.raises(GraphApiError) as info:
        await client.send_text("16505551234", "hi")
    assert info.value.kind == "transient"
    assert info.value.status_code == 0
