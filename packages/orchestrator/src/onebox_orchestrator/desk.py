"""The handoff desk: what the orchestrator posts to the operator chat, and the handoff's state.

The operator chat is a Telegram chat (``ONEBOX_OPERATOR_CHAT_ID``). The desk writes there
through the normal outbound path (``outbound.telegram``, keyed by the operator chat so its
posts keep their order), always inside the caller's unit of work:

- `escalate` opens the handoff and publishes the escalation post (channel, customer's name,
  why, the business-hours state, the last turns, how to answer), in the same transaction as
  the customer's reply and the inbound ack;
- `relay` sends a customer's message of a conversation in a person's hands to the operator
  chat (as a reply to the escalation post once its message id is known) and remembers it;
- `resume` closes a handoff nobody answered for ``idle_minutes`` and says so there (called
  by the handler and by the idle timer, `idle.IdleResumer`).

Out of hours with ``notify = "at_opening"`` the post is held until the next opening
(`notify_time`; its relays queue behind it under `handoff_key`). With forum topics
(``ONEBOX_OPERATOR_TOPICS``) the post opens the conversation's own topic. An operator's reply
carries what its channel needs to deliver it or to say why it could not
(`operator_reply_meta`: the WhatsApp template outside the 24-hour window, the failure notice,
and the note saying when a template went without the operator's text).

The escalation post's message id in the operator chat is learned from the Telegram sender's
delivery records (`post_message_id`), which is also how an operator's reply is matched to its
handoff (`resolve`). Message text goes to the operator chat by design; it is never logged.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from onebox_bus import Bus, Message
from onebox_bus.contracts import (
    FORUM_TOPIC,
    FROM_OPERATOR,
    InboundMessage,
    OutboundMessage,
    conversation_key,
    outbound_topic,
)
from onebox_service import (
    NOTE,
    REASON,
    DeliveryStore,
    WhatsAppTemplate,
    is_open,
    next_opening,
    opening_phrase,
    with_failure_notice,
    with_sent_note,
)
from sqlalchemy.engine import Connection

from .escalation import Escalation, EscalationRules
from .handoffs import Handoff, HandoffStore
from .holding import HoldingReplies
from .memory import ConversationMemory, StoredTurn

OPERATOR_CHANNEL = "telegram"
POST_TURNS = 6
"""How many earlier turns an escalation post shows."""
TURN_CHARS = 500

_CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp"}
_WHY = {
    "asked_for_person": "the customer asked for a person",
    "keyword": "a handoff keyword ({detail})",
    "intent": "a handoff intent ({detail})",
    "unanswered": "the bot could not answer",
    "repeated_failure": "the bot failed {detail} times in this conversation",
    "voice_not_transcribed": "a voice note the bot could not listen to ({detail})",
    "media_not_read": "the customer sent {detail}, which the bot cannot open",
}
_MEDIA_WORDS = {
    "image": "a photo",
    "sticker": "a sticker",
    "document": "a document",
    "location": "a location",
    "video": "a video",
}

_VOICE_KINDS = {"voice": "voice note", "audio": "audio file", "video_note": "video note"}


def channel_name(channel: str) -> str:
    """``WhatsApp`` for ``whatsapp``."""
    return _CHANNEL_NAMES.get(channel, channel)


def who(handoff: Handoff) -> str:
    """``#3 WhatsApp · Maria``: how the operator chat names a handoff."""
    name = handoff.customer_name or handoff.conversation_id
    return f"#{handoff.id} {channel_name(handoff.channel)} · {name}"


def minutes(seconds: float) -> str:
    """``12 min`` / ``2 h 05 min``."""
    total = max(0, int(seconds // 60))
    return f"{total} min" if total < 60 else f"{total // 60} h {total % 60:02d} min"


def _clip(text: str) -> str:
    return text if len(text) <= TURN_CHARS else text[: TURN_CHARS - 1] + "…"


def _unheard_lines(inbound: InboundMessage) -> list[str]:
    """The post's lines for a voice note nobody transcribed: its length, channel, what to do."""
    declared = inbound.meta.get("duration", "")
    length = f", {declared} s" if declared.isdigit() else ""
    kind = _VOICE_KINDS.get(inbound.content_kind, inbound.content_kind)
    said = f"Customer: [{kind}{length} on {channel_name(inbound.channel)}, not transcribed]"
    if inbound.text.strip():
        said += f" with the caption: {_clip(inbound.text)}"
    return [
        said,
        "The bot could not listen to it. Reply here to ask the customer to type it, or call "
        "them back.",
    ]


def media_words(kind: str) -> str:
    """``a photo`` for ``image``: how a post names content the bot cannot open."""
    return _MEDIA_WORDS.get(kind, f"a {kind}")


def _media_lines(inbound: InboundMessage) -> list[str]:
    """The post's lines for a photo, sticker, document, location or video."""
    what = inbound.meta.get("summary") or media_words(inbound.content_kind)
    said = f"Customer: [{_clip(what)} on {channel_name(inbound.channel)}]"
    if inbound.text.strip():
        said += f" with the caption: {_clip(inbound.text)}"
    return [
        said,
        "The bot cannot open it and only text is relayed: open the chat on the customer's "
        "phone number or app to see it, and reply here to answer them.",
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffDesk:
    """Posts to the operator chat and keeps the handoffs (see the module docstring).

    Attributes:
        bus: the queue (publishes join the caller's unit of work).
        store: the handoff rows.
        memory: the conversation turns (the post's last turns; relays and operator replies
            are remembered as turns, so the bot knows what was said when it resumes).
        deliveries: the senders' delivery records (the post's message id in the chat).
        operator_chat_id: the Telegram operator chat.
        holding: the holding replies (business hours, what the customer is told).
        rules: the business file's escalation rules.
        idle_seconds: without an operator message for this long the bot resumes.
        clock: unix seconds now.
        topics: the operator chat is a forum supergroup: each escalation post opens its own
            topic, named like the handoff (``#3 WhatsApp · Maria``).
    """

    bus: Bus
    store: HandoffStore
    memory: ConversationMemory
    deliveries: DeliveryStore
    operator_chat_id: int
    holding: HoldingReplies
    rules: EscalationRules = field(default_factory=EscalationRules)
    idle_seconds: float = 30 * 60.0
    clock: Callable[[], float] = time.time
    topics: bool = False

    @property
    def chat(self) -> str:
        """The operator chat's id as the bus envelopes carry it."""
        return str(self.operator_chat_id)

    # -- reads (sync: async callers use Bus.run_async) ----------------------------------

    def open_for(self, key: str) -> Handoff | None:
        """The conversation's open handoff, if any."""
        return self.store.open_for(key)

    def post_message_id(self, handoff: Handoff) -> str | None:
        """The escalation post's message id in the operator chat, once the sender sent it."""
        if handoff.post_message_id is not None:
            return handoff.post_message_id
        for delivery in self.deliveries.by_correlation(handoff.post_correlation_id):
            if (
                delivery.channel == OPERATOR_CHANNEL
                and delivery.conversation_id == self.chat
                and delivery.platform_message_id
            ):
                return delivery.platform_message_id
        return None

    def resolve(self, reply_to: str) -> Handoff | None:
        """The handoff an operator's reply to the chat's message `reply_to` is about.

        The replied message is the escalation post, or another message the bot posted for
        that conversation (a relayed customer message); anything else resolves to None.
        """
        found = self.store.by_post_message(reply_to)
        if found is not None:
            return found
        delivery = self.deliveries.get(OPERATOR_CHANNEL, reply_to, conversation_id=self.chat)
        if delivery is None or delivery.correlation_id is None:
            return None
        found = self.store.by_post(delivery.correlation_id)
        if found is not None:
            return found
        key = self.memory.key_of(delivery.correlation_id)
        return self.store.latest_for(key) if key is not None else None

    def who_text(self) -> str:
        """The answer to ``/who``: open handoffs and how long each has waited."""
        now = self.clock()
        open_now = self.store.open_handoffs()
        if not open_now:
            return "No open handoffs: the bot answers every conversation."
        lines = [f"Open handoffs ({len(open_now)}):"]
        for h in open_now:
            line = f"{who(h)}: open {minutes(now - h.opened_at)}"
            if h.last_operator_at is None:
                line += ", no answer yet"
            else:
                line += f", last answer {minutes(now - h.last_operator_at)} ago"
            lines.append(line)
        lines.append("Reply /done to a post to hand its conversation back to the bot.")
        return "\n".join(lines)

    def reply_template(self) -> WhatsAppTemplate | None:
        """The business file's template for operator replies outside WhatsApp's window.

        The first template that takes the operator's text, else the first one; None without.
        """
        business = self.holding.business
        templates = business.whatsapp_templates if business is not None else ()
        ordered = sorted(templates, key=lambda t: not t.takes_text)  # stable: file order kept
        return ordered[0] if ordered else None

    def operator_reply_meta(
        self,
        handoff: Handoff,
        *,
        correlation_id: str,
        reply_to: str | None,
        topic_id: int | None = None,
        photo: bool = False,
    ) -> dict[str, str]:
        """The meta of an operator's reply (or `photo`) to `handoff`'s customer.

        It marks the reply as the operator's, names the WhatsApp template to send when the
        customer's window has closed (never for a photo: a photo cannot go as a template),
        and carries the notice the customer's channel posts here if the reply cannot be
        delivered (`onebox_service.failures`).
        """
        meta = {**handoff.reply_meta, FROM_OPERATOR: "1"}
        what = "photo" if photo else "reply"
        text = f"{who(handoff)}: your {what} was not delivered: {REASON}."
        if handoff.channel == "whatsapp" and not photo:
            template = self.reply_template()
            if template is not None:
                meta.update(template.to_meta())
            else:
                text += (
                    " WhatsApp lets a business write freely only within 24 hours of the "
                    "customer's last message; after that only an approved template goes "
                    "through, and the business file names none ([[whatsapp_templates]])."
                )
        place = {"message_thread_id": str(topic_id)} if topic_id is not None else {}
        notice = OutboundMessage(
            channel=OPERATOR_CHANNEL,
            conversation_id=self.chat,
            text=text,
            correlation_id=correlation_id,
            reply_to=reply_to,
            meta=place,
        )
        if handoff.channel == "whatsapp" and not photo:
            # Sent as a template that takes no text: the operator learns their words stayed out.
            note = replace(notice, text=f"{who(handoff)}: {NOTE}", meta=dict(place))
            meta = with_sent_note(meta, note)
        return with_failure_notice(meta, notice)

    # -- writes (inside the caller's unit of work) --------------------------------------

    def say(
        self,
        text: str,
        *,
        correlation_id: str,
        dedupe_key: str,
        reply_to: str | None = None,
        topic_id: int | None = None,
        key: str | None = None,
        delay: float = 0.0,
        forum_topic: str | None = None,
    ) -> int:
        """Publish `text` to the operator chat (in the caller's transaction).

        `key` orders it (default: the chat's own order); `delay` holds it back (seconds).
        """
        meta = {"message_thread_id": str(topic_id)} if topic_id is not None else {}
        if forum_topic is not None:
            meta[FORUM_TOPIC] = forum_topic[:128]
        post = OutboundMessage(
            channel=OPERATOR_CHANNEL,
            conversation_id=self.chat,
            text=text,
            correlation_id=correlation_id,
            reply_to=reply_to,
            meta=meta,
        )
        return self.bus.publish(
            outbound_topic(OPERATOR_CHANNEL),
            post.to_payload(),
            key=key or conversation_key(OPERATOR_CHANNEL, self.chat),
            dedupe_key=dedupe_key,
            correlation_id=correlation_id,
            delay=delay,
        )

    def handoff_key(self, handoff_id: int) -> str:
        """The bus key of the posts about a handoff whose escalation waits for the opening.

        Its relays queue behind the held post (per-key FIFO) without holding up the rest of
        the operator chat (answers to commands, other handoffs).
        """
        return f"{conversation_key(OPERATOR_CHANNEL, self.chat)}#handoff-{handoff_id}"

    def notify_time(self) -> float | None:
        """When an escalation now reaches the operator: None for at once, else the opening.

        Only with ``notify = "at_opening"`` in the business file, hours set, and closed now.
        """
        business = self.holding.business
        if business is None or business.hours is None or business.handoff.notify != "at_opening":
            return None
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        if is_open(business, now):
            return None
        opening = next_opening(business, now)
        return opening.timestamp() if opening is not None else None

    def escalate(
        self,
        conn: Connection,
        *,
        message: Message,
        inbound: InboundMessage,
        escalation: Escalation,
        history: Sequence[StoredTurn],
    ) -> int:
        """Open the conversation's handoff and publish its escalation post; returns its id.

        Out of hours with ``notify = "at_opening"`` the post is held until the next opening.
        """
        notify_at = self.notify_time()
        handoff_id = self.store.open(
            conn,
            conversation_key=inbound.key,
            channel=inbound.channel,
            conversation_id=inbound.conversation_id,
            customer_name=inbound.sender_name,
            reason=escalation.reason or "unanswered",
            post_correlation_id=inbound.correlation_id,
            reply_meta=inbound.meta,
            notify_at=notify_at,
        )
        name = inbound.sender_name or inbound.conversation_id
        why = _WHY.get(escalation.reason or "", "{detail}").format(detail=escalation.detail)
        lines = [
            f"New handoff #{handoff_id}: {channel_name(inbound.channel)} · {name}",
            f"Why: {why}.",
            self.hours_state()
            if notify_at is None
            else "The customer wrote while the business was closed; this post waited for "
            "the opening, and the customer was told when a person would reply.",
            "",
            "Last turns:",
        ]
        for turn in history[-POST_TURNS:]:
            speaker = "Customer" if turn.role == "user" else "Bot"
            lines.append(f"{speaker}: {_clip(turn.text)}")
        if escalation.reason == "voice_not_transcribed":
            lines += _unheard_lines(inbound)
        elif escalation.reason == "media_not_read":
            lines += _media_lines(inbound)
        else:
            lines.append(f"Customer: {_clip(inbound.text or f'[{inbound.content_kind}]')}")
        lines += [
            "",
            "Reply to this message to answer the customer; the bot stays silent in this "
            "conversation until you reply /done to it (or after "
            f"{minutes(self.idle_seconds)} without an answer).",
        ]
        self.say(
            "\n".join(lines),
            correlation_id=inbound.correlation_id,
            dedupe_key=f"handoff-post:{message.id}",
            key=self.handoff_key(handoff_id) if notify_at is not None else None,
            delay=max(0.0, notify_at - self.clock()) if notify_at is not None else 0.0,
            forum_topic=f"#{handoff_id} {channel_name(inbound.channel)} · {name}"
            if self.topics
            else None,
        )
        return handoff_id

    def hours_state(self) -> str:
        """``Open now.`` / ``Closed now; back Monday at 09:00.`` (empty without hours)."""
        business = self.holding.business
        if business is None or business.hours is None:
            return "Business hours: not set."
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        if is_open(business, now):
            return "The business is open now."
        opening = next_opening(business, now)
        if opening is None:
            return "The business is closed now."
        return f"The business is closed now; it opens {opening_phrase(opening, now=now)}."

    def relay(
        self,
        conn: Connection,
        *,
        message: Message,
        inbound: InboundMessage,
        handoff: Handoff,
        post_message_id: str | None,
    ) -> None:
        """Relay a customer's message to the operator chat instead of answering it."""
        text = inbound.text or f"[{inbound.content_kind}: only text is relayed for now]"
        self.say(
            f"{who(handoff)} writes:\n{text}",
            correlation_id=inbound.correlation_id,
            dedupe_key=f"handoff-relay:{message.id}",
            reply_to=post_message_id,
            topic_id=handoff.topic_id,
            key=self.handoff_key(handoff.id) if handoff.notify_at is not None else None,
        )
        if post_message_id is not None and handoff.post_message_id is None:
            self.store.set_post_message(conn, handoff.id, post_message_id)
        self.memory.record_turn(
            conn,
            conversation_key=inbound.key,
            inbound_id=message.id,
            channel=inbound.channel,
            correlation_id=inbound.correlation_id,
            role="user",
            text=inbound.text or f"[{inbound.content_kind}]",
            origin="relayed",
            customer_name=inbound.sender_name,
        )

    def resume(
        self,
        conn: Connection,
        *,
        handoff: Handoff,
        message: Message | None = None,
        correlation_id: str | None = None,
    ) -> bool:
        """Close a handoff nobody answered for ``idle_minutes``; tell the operator chat.

        Called by the handler (before answering the customer's next message) and by the idle
        timer (`idle.IdleResumer`); whichever comes first closes it, and the notice is
        deduplicated per handoff. Returns False when it was already closed.
        """
        del message  # the notice belongs to the handoff, not to the message that found it idle
        if not self.store.close(conn, handoff.id, by="idle"):
            return False
        self.say(
            f"{who(handoff)}: no answer here for {minutes(self.idle_seconds)}, so the bot "
            "answers this conversation again.",
            correlation_id=correlation_id or handoff.post_correlation_id,
            dedupe_key=f"handoff-resume:{handoff.id}",
            reply_to=handoff.post_message_id,
            topic_id=handoff.topic_id,
        )
        return True
