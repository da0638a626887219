"""Failure notices (a reply may name a message to publish if it is never delivered) and sent
notes (what the person who wrote a reply should know although it was sent).

An operator's reply to a customer that the platform refuses for good (WhatsApp's 24-hour
window closed and no template, a blocked bot) must not vanish into the dead letters: the
person who wrote it is told at once, in the operator chat. The orchestrator attaches the
notice to the reply (`with_failure_notice`, under ``meta["on_dead"]``); the sender of the
reply's channel publishes it (`failure_notice`) in the same transaction that dead-letters the
reply, so the notice exists exactly when the reply is dead. The notice's text may hold
``{reason}``, replaced by the platform's reason.

A reply can also be delivered otherwise than written: outside WhatsApp's 24-hour window an
operator's text goes as an approved template, and a template that takes no text carries none
of it. The channel then says so in its `DeliveryReceipt.note`; the orchestrator attaches a
note envelope (`with_sent_note`, ``meta["on_note"]``, its text holding ``{note}``) and the
sender publishes it (`sent_note`) in the transaction that records the delivery.
"""

from __future__ import annotations

import orjson
from onebox_bus.contracts import OutboundMessage

ON_DEAD = "on_dead"
"""The reply's meta key holding the notice (an `OutboundMessage` as JSON)."""
REASON = "{reason}"
"""Where the failure's reason goes in the notice's text."""
ON_NOTE = "on_note"
"""The reply's meta key holding the note envelope (an `OutboundMessage` as JSON)."""
NOTE = "{note}"
"""Where the channel's note goes in the note's text."""


def with_failure_notice(meta: dict[str, str], notice: OutboundMessage) -> dict[str, str]:
    """`meta` plus the notice to publish if the reply carrying it is dead-lettered."""
    return {**meta, ON_DEAD: notice.to_payload().decode()}


def failure_notice(reply: OutboundMessage, reason: str) -> OutboundMessage | None:
    """The notice `reply` carries, its text naming `reason`; None when it carries none.

    A notice that cannot be decoded is ignored (None): the reply is dead-lettered anyway.
    """
    return _filled(reply.meta.get(ON_DEAD), REASON, reason)


def with_sent_note(meta: dict[str, str], note: OutboundMessage) -> dict[str, str]:
    """`meta` plus the envelope of a note to publish if the reply is sent otherwise than
    written (its text holds `NOTE`)."""
    return {**meta, ON_NOTE: note.to_payload().decode()}


def sent_note(reply: OutboundMessage, note: str) -> OutboundMessage | None:
    """The note `reply` carries, its text saying `note`; None when it carries none."""
    return _filled(reply.meta.get(ON_NOTE), NOTE, note)


def _filled(raw: str | None, placeholder: str, value: str) -> OutboundMessage | None:
    if not raw:
        return None
    try:
        envelope = OutboundMessage.from_payload(orjson.loads(raw))
    except (ValueError, TypeError, AttributeError):
        return None
    return OutboundMessage(
        channel=envelope.channel,
        conversation_id=envelope.conversation_id,
        text=envelope.text.replace(placeholder, value),
        correlation_id=envelope.correlation_id,
        reply_to=envelope.reply_to,
        meta=dict(envelope.meta),
    )
