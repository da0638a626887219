"""Forum topics: the Bot API client, the channel and the update parser against the strict fake."""

from __future__ import annotations

import httpx
import pytest
from onebox_agent_telegram import testing as tg
from onebox_agent_telegram.api import TelegramBotAPI
from onebox_agent_telegram.channel import TelegramChannel
from onebox_agent_telegram.errors import TelegramBadRequest
from onebox_agent_telegram.testing import FakeBotAPI
from onebox_agent_telegram.topics import TopicStore
from onebox_agent_telegram.updates import parse_update
from onebox_bus import Database
from onebox_bus.contracts import FORUM_TOPIC, OutboundMessage
from onebox_service import PermanentDeliveryError, TransientDeliveryError

pytestmark = pytest.mark.anyio
FORUM = -1001234567890
GROUP = -1009999999999


async def test_the_fake_keeps_topics_like_the_bot_api(fake_api: FakeBotAPI) -> None:
    fake_api.make_forum(FORUM)
    async with httpx.AsyncClient() as http:
        api = TelegramBotAPI(token=fake_api.token, http=http, api_url=fake_api.url)
        with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
            await api.create_forum_topic(GROUP, "#1 WhatsApp · Ada")
        with pytest.raises(TelegramBadRequest, match="TOPIC_TITLE_INVALID"):
            await api.create_forum_topic(FORUM, "   ")
        thread = await api.create_forum_topic(FORUM, "#1 WhatsApp · Ada")
        other = await api.create_forum_topic(FORUM, "#2 Telegram · Bo")
        post = await api.send_message(FORUM, "the post", message_thread_id=thread)
        assert post["message_thread_id"] == thread
        assert post["is_topic_message"] is True
        reply = await api.send_message(FORUM, "a relay", reply_to_message_id=post["message_id"])
        assert reply["message_thread_id"] == thread  # a reply stays in its message's topic
        general = await api.send_message(FORUM, "no topic")
        assert "message_thread_id" not in general
        with pytest.raises(TelegramBadRequest, match="message thread not found"):
            await api.send_message(FORUM, "lost", message_thread_id=thread + 100)
        with pytest.raises(TelegramBadRequest, match="message thread not found"):
            await api.send_message(GROUP, "not a forum", message_thread_id=thread)
        with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
            await api.send_message(
                FORUM, "crossed", reply_to_message_id=post["message_id"], message_thread_id=other
            )
    assert fake_api.topics(FORUM) == {thread: "#1 WhatsApp · Ada", other: "#2 Telegram · Bo"}
    assert thread < post["message_id"]  # a topic's id is its first (service) message's


async def test_a_post_asking_for_a_topic_opens_it_and_goes_in(fake_api: FakeBotAPI) -> None:
    fake_api.make_forum(FORUM)
    async with httpx.AsyncClient() as http:
        channel = TelegramChannel(
            TelegramBotAPI(token=fake_api.token, http=http, api_url=fake_api.url)
        )
        post = OutboundMessage(
            channel="telegram", conversation_id=str(FORUM), text="New handoff #1",
            correlation_id="c1", meta={FORUM_TOPIC: "#1 WhatsApp · Ada"},
        )  # fmt: skip
        receipt = await channel.send(post)
        [message_id] = receipt.platform_message_ids
        [(thread, name)] = fake_api.topics(FORUM).items()
        assert name == "#1 WhatsApp · Ada"
        assert fake_api.thread_of(FORUM, int(message_id)) == thread
        plain = OutboundMessage(
            channel="telegram", conversation_id=str(GROUP), text="New handoff #2",
            correlation_id="c2", meta={FORUM_TOPIC: "#2 WhatsApp · Bo"},
        )  # fmt: skip
        with pytest.raises(PermanentDeliveryError, match=r"createForumTopic: .*not a forum"):
            await channel.send(plain)


def test_a_message_in_a_topic_carries_its_thread_and_the_topics_name() -> None:
    update = tg.topic_update(5, FORUM, "Yes, 5 EUR", thread_id=3, topic_name="#1 WhatsApp · Ada")
    parsed = parse_update(tg.update_bytes(update), received_at=1.0, correlation_id="c1")
    assert parsed.inbound is not None
    assert parsed.inbound.meta["message_thread_id"] == "3"
    assert parsed.inbound.meta["reply_to_message_id"] == "3"
    assert parsed.inbound.meta["topic_name"] == "#1 WhatsApp · Ada"


async def test_a_retried_post_goes_into_the_topic_it_opened(
    fake_api: FakeBotAPI, db_url: str
) -> None:
    """The post fails after its topic was opened; the retry, and a channel started afresh on
    the same database (a restart after a crash), post into that topic: no empty topic."""
    fake_api.make_forum(FORUM)
    fake_api.server_error(chat_id=FORUM)  # the post's first sendMessage answers 502
    post = OutboundMessage(
        channel="telegram", conversation_id=str(FORUM), text="New handoff #1",
        correlation_id="c1", meta={FORUM_TOPIC: "#1 WhatsApp · Ada"},
    )  # fmt: skip
    with Database(db_url) as db:
        async with httpx.AsyncClient() as http:
            api = TelegramBotAPI(token=fake_api.token, http=http, api_url=fake_api.url)
            channel = TelegramChannel(api, topics=TopicStore(db))
            with pytest.raises(TransientDeliveryError):
                await channel.send(post)
            [thread] = fake_api.topics(FORUM)
            receipt = await channel.send(post)  # the sender's retry
            restarted = TelegramChannel(api, topics=TopicStore(db))
            again = await restarted.send(post)  # redelivered after a crash before the record
    assert list(fake_api.topics(FORUM)) == [thread]  # one topic, never an empty second one
    for sent in (receipt, again):
        [message_id] = sent.platform_message_ids
        assert fake_api.thread_of(FORUM, int(message_id)) == thread
    assert [c.method for c in fake_api.requests] == [
        "createForumTopic", "sendMessage", "sendMessage", "sendMessage",
    ]  # fmt: skip
