"""Test helpers shipped with the orchestrator: make and publish inbound messages like an agent."""

from __future__ import annotations

import time
import uuid

from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, InboundMessage


def make_inbound(
    text: str,
    *,
    conversation_id: str = "42",
    channel: str = "telegram",
    content_kind: str = "text",
    received_at: float | None = None,
    platform_message_id: str | None = None,
) -> InboundMessage:
    """An `InboundMessage` as an agent would build it from a webhook."""
    return InboundMessage(
        channel=channel,
        conversation_id=conversation_id,
        sender_id=f"user-{conversation_id}",
        text=text,
        platform_message_id=platform_message_id or uuid.uuid4().hex[:12],
        received_at=time.time() if received_at is None else received_at,
        correlation_id=uuid.uuid4().hex,
        content_kind=content_kind,
    )


def publish_inbound(bus: Bus, message: InboundMessage) -> int:
    """Publish `message` to ``inbound`` the way agents do (conversation key, platform dedupe)."""
    return bus.publish(
        INBOUND,
        message.to_payload(),
        key=message.key,
        dedupe_key=f"{message.channel}:{message.platform_message_id}",
        correlation_id=message.correlation_id,
    )
