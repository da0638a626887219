"""Settling an answered message: reply, remember and ack in ONE bus transaction.

`Settler.commit` runs inside the unit of work the handler opens (`Database.unit`; concurrent
handlers share one transaction, the database's `Batcher`, each unit in its own savepoint):

- with a handoff desk: the idle handoff it resumes is closed, and an escalation opens a
  handoff and publishes the escalation post to the operator chat;
- the `OutboundMessage` is published to ``outbound.<channel>`` with dedupe key
  ``reply:<head id>`` (the first message of the burst), so a repeated routing never makes two
  replies;
- both turns are stored (the reply marked with how it was made; a question the bot could not
  answer put in its unanswered group, `QuestionGroups`), each folded message traced as
  ``folded`` into the one that carries the reply;
- every message of the burst is acked, or dead-lettered with the answer's reason.

A lost lease rolls all of it back; a crash before the commit repeats the routing.
`Settler.relay` is the unit of a message relayed to the operator chat while a person handles
its conversation: the relay and the ack.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from onebox_bus import Bus, Message
from onebox_bus.contracts import InboundMessage, OutboundMessage, outbound_topic
from onebox_service import MessageJournal
from sqlalchemy.engine import Connection

from .answering import Answer
from .desk import HandoffDesk
from .gathering import Part
from .handoffs import Handoff
from .memory import ConversationMemory, StoredTurn
from .questions import QuestionGroups


class Settler:
    """Writes what settles a message, on the caller's connection (module docstring).

    Args:
        bus: the bus.
        memory: the conversation turns.
        desk: hands conversations to a person (None without an operator chat).
        questions: groups the questions the bot could not answer (None: not recorded).
        journal: the message traces (None: not recorded).
    """

    def __init__(
        self,
        *,
        bus: Bus,
        memory: ConversationMemory,
        desk: HandoffDesk | None = None,
        questions: QuestionGroups | None = None,
        journal: MessageJournal | None = None,
    ) -> None:
        self.bus = bus
        self.memory = memory
        self.desk = desk
        self.questions = questions
        self.journal = journal

    def commit(
        self,
        conn: Connection,
        parts: Sequence[Part],
        inbound: InboundMessage,
        answer: Answer,
        *,
        idle: Handoff | None = None,
        history: list[StoredTurn] | None = None,
    ) -> None:
        """Reply to the burst `parts` (joined as `inbound`) with `answer`, remember, ack."""
        message = parts[0].message
        messages = [p.message for p in parts]
        if self.desk is not None:
            if idle is not None:
                self.desk.resume(
                    conn, message=message, handoff=idle, correlation_id=inbound.correlation_id
                )
            if answer.escalation.escalate:
                self.desk.escalate(
                    conn,
                    message=message,
                    inbound=inbound,
                    escalation=answer.escalation,
                    history=history or [],
                )
        reply = OutboundMessage(
            channel=inbound.channel,
            conversation_id=inbound.conversation_id,
            text=answer.text,
            correlation_id=inbound.correlation_id,
            reply_to=inbound.platform_message_id or None,
            received_at=inbound.received_at,
            meta=dict(inbound.meta),
        )
        # `conn` is the batch's transaction: the publish and the ack join it.
        self.bus.publish(
            outbound_topic(inbound.channel),
            orjson.dumps(reply),  # the envelope's JSON; orjson encodes dataclasses natively
            key=inbound.key,
            dedupe_key=f"reply:{message.id}",
            correlation_id=inbound.correlation_id,
        )
        group = None
        if answer.unanswered and self.questions is not None and inbound.text.strip():
            group = self.questions.assign(conn, inbound.text)
        self.memory.record(
            conn,
            conversation_key=inbound.key,
            inbound_id=message.id,
            channel=inbound.channel,
            correlation_id=inbound.correlation_id,
            user_text=inbound.text or f"[{inbound.content_kind}]",
            reply_text=answer.text,
            provider=answer.provider,
            origin=answer.origin,
            model=answer.model,
            question_group=group,
            customer_name=inbound.sender_name,
        )
        if self.journal is not None:
            for part in parts[:-1]:
                self.journal.record(
                    part.inbound.correlation_id, "folded", into=inbound.correlation_id
                )
        for each in messages:
            if answer.dead_reason is not None:
                self.bus.dead_letter(each, answer.dead_reason)
        if answer.dead_reason is None:
            self.bus.ack_many(messages)

    def relay(
        self,
        conn: Connection,
        *,
        message: Message,
        inbound: InboundMessage,
        handoff: Handoff,
        post_message_id: str | None,
    ) -> None:
        """Relay `message` to the operator chat of its open `handoff`, and ack it."""
        assert self.desk is not None
        self.desk.relay(
            conn, message=message, inbound=inbound, handoff=handoff, post_message_id=post_message_id
        )
        self.bus.ack(message)
