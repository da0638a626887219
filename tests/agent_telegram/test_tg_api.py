from __future__ import annotations

import logging

import httpx
import pytest
from onebox_agent_telegram.api import TelegramBotAPI
from onebox_agent_telegram.errors import (
    TelegramBadRequest,
    TelegramEntityParseError,
    TelegramForbidden,
    TelegramMigrated,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorized,
)
from onebox_agent_telegram.testing import FakeBotAPI

pytestmark = pytest.mark.anyio


async def test_send_message_real_shapes(fake_api: FakeBotAPI) -> None:
    async with httpx.AsyncClient() as http:
        api = TelegramBotAPI(token=fake_api.token, http=http, api_url=fake_api.url)
        first = await api.send_message(42, "hello", reply_to_message_id=7)
        second = await api.send_message("42", "again")
    assert first["message_id"] == 1
    assert second["message_id"] == 2
    assert first["chat"] == {"id": 42, "type": "private", "first_name": "Customer"}
    assert first["from"]["is_bot"] is True
    call = fake_api.calls("sendMessage")[0]
    assert call.params["reply_parameters"] == {
        "message_id": 7,
        "allow_sending_without_reply": True,
    }
    assert "parse_mode" not in call.params
    assert fake_api.sent_texts(42) == ["hello", "again"]


@pytest.mark.parametrize(
    ("script", "error", "check"),
    [
        (
            lambda f: f.rate_limit(17),
            TelegramRetryAfter,
            lambda e: e.retry_after == 17 and e.status_code == 429,
        ),
        (lambda f: f.block(42), TelegramForbidden, lambda e: "blocked" in e.description),
        (lambda f: f.forget(42), TelegramBadRequest, lambda e: "chat not found" in e.description),
        (
            lambda f: f.migrate(42, -100777),
            TelegramMigrated,
            lambda e: e.migrate_to_chat_id == -100777,
        ),
        (lambda f: f.server_error(), TelegramServerError, lambda e: e.retryable),
        (
            lambda f: f.fail(400, "Bad Request: can't parse entities: Character '.' is reserved"),
            TelegramEntityParseError,
            lambda e: isinstance(e, TelegramBadRequest),
        ),
    ],
)
async def test_errors_are_mapped(fake_api: FakeBotAPI, script, error, check) -> None:  # type: ignore[no-untyped-def]
    script(fake_api)
    async with httpx.AsyncClient() as http:
        api = TelegramBotAPI(token=fake_api.token, http=http, api_url=fake_api.url)
        with pytest.raises(error) as info:
            await api.send_message(42, "hi")
    assert check(info.value)
    assert fake_api.token not in str(info.value)


async def test_wrong_token_is_unauthorized_and_never_shown(
    fake_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "999:" + "x" * 35
    async with httpx.AsyncClient() as http:
        api = TelegramBotAPI(token=wrong, http=http, api_url=fake_api.url)
        with pytest.raises(TelegramUnauthorized) as info:
            await api.send_message(1, "hi")
    assert wrong not in str(info.value)
    assert not fake_api.calls("sendMessage")[0].token_ok


async def test_timeout_is_a_network_error_without_the_token() -> None:
    with FakeBotAPI(delay=0.5) as slow:
        async with httpx.AsyncClient() as http:
            api = TelegramBotAPI(token=slow.token, http=http, api_url=slow.url, timeout=0.05)
            with pytest.raises(TelegramNetworkError) as info:
                await api.send_message(1, "hi")
    assert info.value.retryable
    assert slow.token not in str(info.value)


async def test_connection_refused_is_a_network_error() -> None:
    fake = FakeBotAPI().start()
    url, token = fake.url, fake.token
    fake.stop()
    async with httpx.AsyncClient() as http:
        api = TelegramBotAPI(token=token, http=http, api_url=url)
        with pytest.raises(TelegramNetworkError):
            await api.send_message(1, "hi")


async def test_fake_validates_requests(fake_api: FakeBotAPI) -> None:
    async with httpx.AsyncClient() as http:
        api = TelegramBotAPI(token=fake_api.token, http=http, api_url=fake_api.url)
        with pytest.raises(TelegramBadRequest, match="message text is empty"):
            await api.send_message(42, "  ")
        with pytest.raises(TelegramBadRequest, match="too long"):
            await api.send_message(42, "x" * 4097)
        with pytest.raises(TelegramEntityParseError, match="reserved"):
            await api.send_message(42, "1.5", parse_mode="MarkdownV2")
        assert await api.send_chat_action(42) is True
        with pytest.raises(TelegramBadRequest, match="action"):
            await api.send_chat_action(42, "dancing")
        with pytest.raises(TelegramUnauthorized):
            await api.call("noSuchMethod")
    assert fake_api.sent() == []


async def test_webhook_methods(fake_api: FakeBotAPI) -> None:
    async with httpx.AsyncClient() as http:
        api = TelegramBotAPI(token=fake_api.token, http=http, api_url=fake_api.url)
        with pytest.raises(TelegramBadRequest, match="HTTPS"):
            await api.set_webhook("http://example.test/hook", secret_token="s3cret")
        assert await api.set_webhook(
            "https://example.test/webhook/telegram", secret_token="s3cret", max_connections=10
        )
        info = await api.get_webhook_info()
        assert info["url"] == "https://example.test/webhook/telegram"
        assert info["max_connections"] == 10
        assert info["allowed_updates"] == [
            "message",
            "edited_message",
            "callback_query",
            "my_chat_member",
        ]
        assert fake_api.webhook["drop_pending_updates"] is False
        assert fake_api.webhook["secret_token"] == "s3cret"
        assert await api.delete_webhook()
        assert (await api.get_webhook_info())["url"] == ""
