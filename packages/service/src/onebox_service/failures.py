"""Failure notices: a reply may name a message to publish if it is never delivered.

An operator's reply to a customer that the platform refuses for good (WhatsApp's 24-hour
window closed and no template, a blocked bot) must not vanish into the dead letters: the
person who wrote it is told at once, in the operator chat. The orchestrator attaches the
notice to the reply (`with_failure_notice`, under ``meta["on_dead"]``); the sender of the
reply's channel publishes it (`failure_notice`) in the same transaction that dead-letters the
reply, so the notice exists exactly when the reply is dead. The notice's text may hold
``{reason}``, replaced by the platform's reason.
"""

from __future__ import annotations

import orjson
from onebox_bus.contracts import OutboundMessage

ON_DEAD = "on_dead"
"""The reply's meta key holding the notice (an `OutboundMessage` as JSON)."""
REASON = "{reason}"
"""Where the failure's reason goes in the notice's text."""


def with_failure_notice(meta: dict[str, str], notice: OutboundMessage) -> dict[str, str]:
    """`meta` plus the notice to publish if the reply carrying it is dead-lettered."""
    return {**meta, ON_DEAD: notice.to_payload().decode()}


def failure_notice(reply: OutboundMessage, reason: str) -> OutboundMessage | None:
    """The notice `reply` carries, its text naming `reason`; None when it carries none.

    A notice that cannot be decoded is ignored (None): the reply is dead-lettered anyway.
    """
    raw = reply.meta.get(ON_DEAD)
    if not raw:
        return None
    try:
        notice = OutboundMessage.from_payload(orjson.loads(raw))
    except (ValueError, TypeError, AttributeError):
        return None
    text = notice.text.replace(REASON, reason)
    return OutboundMessage(
        channel=notice.channel,
        conversation_id=notice.conversation_id,
        text=text,
        correlation_id=notice.correlation_id,
        reply_to=notice.reply_to,
        meta=dict(notice.meta),
    )
