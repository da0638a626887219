from __future__ import annotations

import pytest
from onebox_agent_telegram import testing as tg
from onebox_agent_telegram.updates import UpdateError, parse_update


def parse(update: dict[str, object]):  # type: ignore[no-untyped-def]
    return parse_update(tg.update_bytes(update), received_at=1.0, correlation_id="c1")


def test_private_text_message() -> None:
    parsed = parse(tg.message_update(10, 42, "hello there"))
    assert parsed.dedupe_key == "telegram:10"
    assert parsed.key == "telegram:42"
    msg = parsed.inbound
    assert msg is not None
    assert (msg.channel, msg.conversation_id, msg.sender_id) == ("telegram", "42", "42")
    assert msg.text == "hello there"
    assert msg.content_kind == "text"
    assert msg.sender_name == "Ada"
    assert msg.correlation_id == "c1"
    assert msg.received_at == 1.0
    assert msg.meta["chat_type"] == "private"


def test_group_message_and_command() -> None:
    parsed = parse(tg.message_update(11, -1001234, "/start now", user_id=7))
    assert parsed.inbound is not None
    assert parsed.inbound.conversation_id == "-1001234"
    assert parsed.inbound.sender_id == "7"
    assert parsed.inbound.content_kind == "command"
    assert parsed.key == "telegram:-1001234"


def test_edited_message_is_answered_and_flagged() -> None:
    parsed = parse(tg.edited_message_update(12, 42, "fixed typo"))
    assert parsed.kind == "edited_message"
    assert parsed.inbound is not None
    assert parsed.inbound.meta["edited"] == "true"


def test_callback_query_becomes_a_button_message() -> None:
    parsed = parse(tg.callback_query_update(13, 42, "plan:pro"))
    assert parsed.inbound is not None
    assert parsed.inbound.content_kind == "button"
    assert parsed.inbound.text == "plan:pro"
    assert parsed.inbound.conversation_id == "42"
    assert parsed.inbound.meta["callback_query_id"] == str(4_000_000_000 + 13)


def test_photo_uses_caption_and_largest_size() -> None:
    parsed = parse(tg.photo_update(14, 42, caption="broken screen"))
    assert parsed.inbound is not None
    assert parsed.inbound.content_kind == "image"
    assert parsed.inbound.text == "broken screen"
    assert parsed.inbound.meta["file_id"] == "AgACAgIAAxk3"


def test_sticker() -> None:
    parsed = parse(tg.sticker_update(15, 42, "🔥"))
    assert parsed.inbound is not None
    assert parsed.inbound.content_kind == "sticker"
    assert parsed.inbound.text == ""
    assert parsed.inbound.meta["emoji"] == "🔥"


def test_blocked_and_unblocked_are_events() -> None:
    blocked = parse(tg.my_chat_member_update(16, 42, old_status="member", new_status="kicked"))
    assert blocked.inbound is None
    assert blocked.event == "member.blocked"
    assert blocked.chat_id == "42"
    back = parse(tg.my_chat_member_update(17, 42, old_status="kicked", new_status="member"))
    assert back.event == "member.unblocked"
    removed = parse(tg.my_chat_member_update(18, -100555, new_status="left"))
    assert removed.event == "member.removed"


@pytest.mark.parametrize(
    ("kind", "event"),
    [
        ("new_chat_members", "service.message"),
        ("left_chat_member", "service.message"),
        ("pinned_message", "service.message"),
        ("migrate_to_chat_id", "service.migrate"),
    ],
)
def test_service_messages_are_events(kind: str, event: str) -> None:
    parsed = parse(tg.service_message_update(19, -4001, kind))
    assert parsed.inbound is None
    assert parsed.event == event
    assert kind in parsed.detail["fields"]
    if kind == "migrate_to_chat_id":
        assert parsed.detail["migrate_to_chat_id"] == "-1009999999999"


def test_channel_post_and_unknown_types_are_recorded_not_answered() -> None:
    post = parse(tg.channel_post_update(20))
    assert post.inbound is None
    assert post.event == "ignored.channel_post"
    assert post.chat_id == "-1001000000001"
    future = parse({"update_id": 21, "some_type_from_2031": {"x": 1}})
    assert future.event == "ignored.unknown"
    reaction = parse({"update_id": 22, "message_reaction": {"chat": {"id": 5, "type": "private"}}})
    assert reaction.event == "ignored.message_reaction"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "not a Telegram update"),
        (b'{"message": {}}', "not a Telegram update"),
        (b'{"update_id": "12"}', "update_id"),
        (b'{"update_id": 1, "message": {"text": "no chat"}}', "not a Telegram update"),
    ],
)
def test_bad_bodies_raise_a_short_reason(body: bytes, reason: str) -> None:
    with pytest.raises(UpdateError, match=reason):
        parse_update(body, received_at=0.0)


def test_new_fields_are_ignored() -> None:
    update = tg.message_update(23, 42, "hi")
    update["message"]["brand_new_field"] = {"nested": True}  # type: ignore[index]
    update["another_new_field"] = 1
    assert parse(update).inbound is not None


@pytest.mark.parametrize(
    ("field", "kind", "mime"),
    [("voice", "voice", "audio/ogg"), ("audio", "audio", "audio/mpeg"),
     ("video_note", "video_note", "video/mp4")],
)  # fmt: skip
def test_speech_carries_its_facts_and_goes_to_the_media_topic(
    field: str, kind: str, mime: str
) -> None:
    ref: dict[str, object] = {"file_id": "F1", "file_unique_id": "U1", "duration": 7,
                              "file_size": 12345}  # fmt: skip
    if field != "video_note":
        ref["mime_type"] = mime
    update = {"update_id": 5, "message": tg.message_json(9, text=None, **{field: ref})}
    parsed = parse(update)
    assert parsed.inbound.content_kind == kind
    assert parsed.inbound.meta["file_id"] == "F1"
    assert parsed.inbound.meta["duration"] == "7"
    assert parsed.inbound.meta["file_size"] == "12345"
    assert parsed.inbound.meta["mime_type"] == mime
    assert parsed.topic == "media.telegram"


def test_a_photo_stays_on_inbound() -> None:
    photo = [{"file_id": "P1", "file_unique_id": "U", "width": 90, "height": 90}]
    parsed = parse({"update_id": 6, "message": tg.message_json(9, text=None, photo=photo)})
    assert parsed.inbound.content_kind == "image"
    assert parsed.topic == "inbound"
