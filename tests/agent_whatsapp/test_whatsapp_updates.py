"""Webhook bodies of every kind become channel-neutral inbound messages and statuses."""

from __future__ import annotations

import pytest
from onebox_agent_whatsapp import testing as wa
from onebox_agent_whatsapp.errors import MalformedWebhook
from onebox_agent_whatsapp.updates import WebhookBatch, dedupe_key, parse_webhook

PNID = wa.PHONE_NUMBER_ID


def parse(data: object) -> WebhookBatch:
    return parse_webhook(wa.meta_bytes(data), received_at=1_800_000_100.0)


def test_text_message_becomes_an_inbound_message() -> None:
    item = wa.text("Ça coûte combien? 5€/kg", timestamp=1_800_000_000)
    batch = parse(wa.payload(item))
    [message] = batch.messages
    assert message.channel == "whatsapp"
    assert message.text == "Ça coûte combien? 5€/kg"
    assert message.content_kind == "text"
    assert message.conversation_id == f"{PNID}:{wa.CUSTOMER}"
    assert message.key == f"whatsapp:{PNID}:{wa.CUSTOMER}"
    assert dedupe_key(message) == f"whatsapp:{item.wamid}"
    assert message.sender_id == wa.CUSTOMER
    assert message.sender_name == "Sheena Nelson"
    assert message.platform_message_id == item.wamid
    assert message.received_at == 1_800_000_100.0
    assert message.meta["timestamp"] == "1800000000.0"
    assert message.meta["phone_number_id"] == PNID
    assert message.correlation_id
    assert batch.statuses == []
    assert batch.ignored == 0


def test_interactive_button_and_list_replies_carry_titles_and_ids() -> None:
    batch = parse(
        wa.payload(
            wa.button_reply("size-m", "Medium", context_id="wamid.OURS"),
            wa.list_reply("sku-42", "Blue shirt", "Cotton, size M"),
        )
    )
    button, row = batch.messages
    assert (button.content_kind, button.text, button.meta["button_id"]) == (
        "button",
        "Medium",
        "size-m",
    )
    assert button.meta["context_id"] == "wamid.OURS"
    assert (row.content_kind, row.text, row.meta["button_id"]) == ("button", "Blue shirt", "sku-42")
    assert row.meta["description"] == "Cotton, size M"
    assert row.meta["interactive"] == "list_reply"


@pytest.mark.parametrize(
    ("item", "kind", "text", "summary"),
    [
        (wa.image("look at this"), "image", "look at this", "a photo with a caption"),
        (wa.image(), "image", "", "a photo"),
        (wa.audio(voice=True), "voice", "", "a voice message"),
        (wa.audio(voice=False), "audio", "", "an audio file"),
        (wa.document("prices.pdf"), "document", "", "a document (prices.pdf)"),
        (wa.sticker(), "sticker", "", "a sticker"),
    ],
)
def test_media_is_described(item: wa.Inbound, kind: str, text: str, summary: str) -> None:
    [message] = parse(wa.payload(item)).messages
    assert (message.content_kind, message.text, message.meta["summary"]) == (kind, text, summary)
    assert message.meta["media_id"]
    assert message.meta["mime_type"]


def test_location_reaction_and_unsupported_are_described() -> None:
    loc, react, unknown = parse(
        wa.payload(wa.location(), wa.reaction("wamid.OURS"), wa.unsupported())
    ).messages
    assert loc.content_kind == "location"
    assert loc.meta["latitude"] == "37.483307"
    assert loc.meta["name"] == "Philz Coffee"
    assert "Philz Coffee" in loc.meta["summary"]
    assert react.content_kind == "reaction"
    assert react.meta["emoji"] == "\U0001f44d"
    assert react.meta["reacted_to"] == "wamid.OURS"
    assert unknown.content_kind == "unknown"
    assert unknown.meta["type"] == "unsupported"
    assert unknown.meta["error"].startswith("131051: Message type unknown")


def test_sender_known_only_by_business_scoped_user_id() -> None:
    item = wa.text("hello", sender=None, user_id="US.13491208655302741918")
    [message] = parse(wa.payload(item)).messages
    assert message.sender_id == "US.13491208655302741918"
    assert message.conversation_id == f"{PNID}:US.13491208655302741918"
    assert message.meta["user_id"] == "US.13491208655302741918"
    assert "wa_id" not in message.meta
    assert message.sender_name == "Sheena Nelson"


def test_several_entries_changes_and_messages_are_all_read() -> None:
    first = [wa.Change(inbound=[wa.text("one"), wa.text("two", sender="15550001111")])]
    second = [
        wa.Change(inbound=[wa.text("three")], phone_number_id="999"),
        wa.Change(statuses=[wa.status("wamid.OURS", "read")]),
    ]
    batch = parse(wa.envelope(first, second))
    assert [m.text for m in batch.messages] == ["one", "two", "three"]
    assert batch.messages[1].sender_id == "15550001111"
    assert batch.messages[2].conversation_id == f"999:{wa.CUSTOMER}"
    assert len({m.correlation_id for m in batch.messages}) == 3
    [read] = batch.statuses
    assert (read.message_id, read.status, read.dedupe_key) == (
        "wamid.OURS",
        "read",
        "whatsapp:wamid.OURS:read",
    )


def test_statuses_including_failed_with_its_error() -> None:
    batch = parse(
        wa.payload(
            wa.status("wamid.A", "sent"),
            wa.status("wamid.A", "delivered"),
            wa.status("wamid.B", "failed", error_code=131047, timestamp=1_800_000_050),
        )
    )
    assert [s.status for s in batch.statuses] == ["sent", "delivered", "failed"]
    failed = batch.statuses[2]
    assert failed.error_code == 131047
    assert failed.error is not None
    assert failed.error.startswith("131047: Re-engagement message")
    assert failed.timestamp == 1_800_000_050.0
    assert failed.conversation_id == f"{PNID}:{wa.CUSTOMER}"


def test_other_fields_objects_and_system_messages_are_ignored() -> None:
    other_field = wa.envelope([wa.Change(inbound=[wa.text("x")], field="account_update")])
    assert parse(other_field).ignored == 1
    assert parse(other_field).messages == []
    assert parse({"object": "page", "entry": []}).ignored == 1
    system = wa.inbound("system", {"body": "User changed number", "type": "user_changed_number"})
    assert parse(wa.payload(system)).messages == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"entry": []}', b'{"object": "whatsapp_business_account", "entry": 3}'],
)
def test_malformed_bodies_raise(body: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        parse_webhook(body, received_at=0.0)


def test_message_without_id_is_skipped_and_reported() -> None:
    data = wa.payload(wa.text("x"), wa.text("kept", sender="15550000001"))
    del data["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    batch = parse(data)
    assert [m.text for m in batch.messages] == ["kept"]
    [reason] = batch.rejected
    assert "id" in reason


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("abc", 1_800_000_100.0),
        ("inf", 1_800_000_100.0),
        ("-inf", 1_800_000_100.0),
        ("nan", 1_800_000_100.0),
        ("1e400", 1_800_000_100.0),
        (1e308, 1_800_000_100.0 + 300),
        ("10000000000", 1_800_000_100.0 + 300),
        ("0", 1_800_000_100.0 - 8 * 86400),
        ("-5", 1_800_000_100.0 - 8 * 86400),
    ],
)
def test_timestamps_are_finite_and_clamped_near_the_arrival(
    timestamp: object, expected: float
) -> None:
    """Issue 20 finding 5: inf, nan and 1e10 were stored; "abc" failed the whole batch."""
    good = wa.text("fine", sender="15550000001", timestamp=1_800_000_050)
    bad = wa.text("odd clock")
    bad.message["timestamp"] = timestamp
    failed = wa.status("wamid.B", "failed", error_code=131047)
    failed["timestamp"] = timestamp
    batch = parse(wa.payload(good, bad, failed))
    by_text = {m.text: m for m in batch.messages}
    assert by_text["fine"].meta["timestamp"] == "1800000050.0"
    assert "timestamp_adjusted" not in by_text["fine"].meta
    assert float(by_text["odd clock"].meta["timestamp"]) == expected
    assert by_text["odd clock"].meta["timestamp_adjusted"] == "true"
    [status] = batch.statuses
    assert status.timestamp == expected
    assert batch.rejected == []


@pytest.mark.parametrize("voice", [True, False])
def test_audio_carries_what_the_media_stage_needs(voice: bool) -> None:
    content = {"id": "4490709327384033", "mime_type": "audio/ogg; codecs=opus",
               "sha256": "b1c2d3", "voice": voice}  # fmt: skip
    [message] = parse(wa.payload(wa.inbound("audio", content))).messages
    assert message.content_kind == ("voice" if voice else "audio")
    assert message.meta["media_id"] == "4490709327384033"
    assert message.meta["mime_type"] == "audio/ogg; codecs=opus"
    assert message.meta["sha256"] == "b1c2d3"
    assert message.meta["voice"] == ("true" if voice else "false")
