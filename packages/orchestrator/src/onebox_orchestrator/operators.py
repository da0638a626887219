"""The operator chat's messages: a person's replies to customers, and the chat's commands.

The Telegram agent publishes every message of the operator chat (and only of that chat) to
the ``operator`` topic; this handler consumes it. Each message is settled in ONE unit of work
with whatever it causes, so a crash repeats it whole or not at all:

- a reply to an escalation post (or to a relayed customer message) of an open handoff: the
  text goes to the customer on the customer's channel through ``outbound.<channel>``, keyed by
  the customer's conversation (so it keeps its order with the bot's replies), deduplicated by
  the operator's message id, traced with the operator message's correlation id; the handoff's
  idle clock starts again and the text is remembered as a turn of the conversation;
- a photo (with an optional caption) in the same places goes the same way (`photo_replies`:
  by ``file_id`` to a Telegram customer; to a WhatsApp customer as a reply that waits for
  the Telegram agent to fetch it, published with its `FetchRequest` in the same unit);
- ``/done`` as a reply to a post closes that handoff: the bot answers that customer again;
- ``/bot off`` as a reply to a post keeps that conversation with the person however long they
  are silent (no idle resume); ``/bot on`` hands it back to the bot, like ``/done``;
- ``/who`` lists the open handoffs and how long each has waited;
- where replying is awkward (``onebox chat --operator``, a desktop client), ``#3 text``
  answers handoff 3 and ``/done 3``, ``/bot off 3`` name it instead of replying to its post;
- anything else gets a short answer in the operator chat saying why nothing was sent: a reply
  to a message that is not an escalation, a reply to a closed handoff, a message that is not
  a reply, an unknown command, content other than text or a photo, a photo too large for
  WhatsApp.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable

import structlog
from onebox_bus import Bus, LeaseLost, Message
from onebox_bus.contracts import (
    PARCEL,
    InboundMessage,
    OutboundMessage,
    fetch_topic,
    outbound_topic,
)
from sqlalchemy.engine import Connection

from .desk import OPERATOR_CHANNEL, HandoffDesk, minutes, who
from .handoffs import Handoff
from .photo_replies import (
    PHOTO_WAIT,
    SENDABLE,
    fetch_request,
    is_photo,
    not_sendable,
    photo_meta,
    photo_refusal,
    turn_text,
)

log = structlog.get_logger("onebox.orchestrator.operator")

PHOTO_LIMIT = 5 * 1024 * 1024
"""The largest photo passed on to a WhatsApp customer by default (WhatsApp's limit)."""

HELP = (
    "To answer a customer, reply to their escalation post with text, or a photo with an "
    "optional caption. Commands: /who (open handoffs); "
    "as a reply to a post: /done (hand the conversation back to the bot), /bot off (the bot "
    "stays silent there until /bot on or /done). Instead of replying to a post you can "
    "name its handoff: #3 your text, /done 3, /bot off 3."
)
NOT_ESCALATION = (
    "That message is not an escalation post, so nothing was sent. Reply to an escalation "
    "post (or a customer's relayed message) to answer that customer."
)


UNRECORDED_POST_TRIES = 3
"""Looks (one a second) for the post an operator replied to before it is called unknown."""

FROM_DASHBOARD = "dashboard"
"""``meta["source"]`` of an operator message written in the dashboard's reply box."""

_NUMBERED = re.compile(r"^#(\d{1,18})\s+(.+)$", re.DOTALL)
_IN_TOPIC = "operator_topic"
_TOPIC_NAME = re.compile(r"^#(\d{1,18})\s")
_NUMBER = re.compile(r"(?:^|\s)#?(\d{1,18})$")


def numbered(text: str) -> tuple[int, str] | None:
    """``(3, "text")`` for ``#3 text``; None otherwise."""
    match = _NUMBERED.match(text.strip())
    return (int(match.group(1)), match.group(2).strip()) if match else None


def command_of(text: str) -> tuple[str, str] | None:
    """``("/done", "")`` for ``/done@onebox_bot``; None when `text` is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    head, _, rest = stripped.partition(" ")
    return head.split("@", 1)[0].lower(), rest.strip()


class OperatorHandler:
    """Handles one claimed ``operator`` message; give it to a `Consumer` as its handler.

    `photo_limit` is the largest photo passed on to a WhatsApp customer, in bytes
    (``ONEBOX_OPERATOR_PHOTO_MAX_MB``).
    """

    def __init__(
        self,
        *,
        bus: Bus,
        desk: HandoffDesk,
        clock: Callable[[], float] = time.time,
        photo_limit: int = PHOTO_LIMIT,
    ) -> None:
        self.bus = bus
        self.desk = desk
        self.clock = clock
        self.photo_limit = photo_limit

    async def __call__(self, message: Message) -> None:
        """Handle one operator message; settles it (ack or dead letter) before returning."""
        try:
            inbound = InboundMessage.from_payload(message.payload)
        except (ValueError, TypeError, AttributeError) as exc:
            reason = f"malformed operator payload: {type(exc).__name__}"
            log.error("operator.malformed", error=reason)
            await self.bus.run_async(lambda: self.bus.dead_letter(message, reason))
            return
        if inbound.conversation_id != self.desk.chat:
            # Only the configured chat is the operator's (the agent checks it too).
            reason = "operator message from a chat that is not the operator chat"
            log.error("operator.wrong_chat")
            await self.bus.run_async(lambda: self.bus.dead_letter(message, reason))
            return
        with structlog.contextvars.bound_contextvars(correlation_id=inbound.correlation_id):
            reply_to = inbound.meta.get("reply_to_message_id")
            named = _named_handoff(inbound.text) if not reply_to else None
            handoff = None
            if reply_to:
                handoff = await self.bus.run_async(lambda: self.desk.resolve(reply_to))
            elif named is not None:
                handoff = await self.bus.run_async(lambda: self.desk.store.get(named))
            learnt: int | None = None
            if handoff is None and reply_to and self.desk.topics:
                handoff, learnt = await self.bus.run_async(lambda: self._by_topic(inbound))
                topic = learnt or (handoff.topic_id if handoff is not None else None)
                if topic is not None:
                    # Answers go explicitly into the topic the operator wrote in.
                    inbound = dataclasses.replace(
                        inbound, meta={**inbound.meta, _IN_TOPIC: str(topic)}
                    )
            tries = min(UNRECORDED_POST_TRIES, message.max_attempts)
            if handoff is None and reply_to and message.attempt < tries:
                # The post may be on the operator's screen before its sender has recorded
                # its message id: look again shortly before calling it "not an escalation".
                log.info("operator.reply_to_unrecorded", attempt=message.attempt)
                await self.bus.run_async(
                    lambda: self.bus.nack(
                        message, "reply to a message not recorded yet", retry_after=1.0
                    )
                )
                return
            text = inbound.text
            if named is not None and (by_number := numbered(text)) is not None:
                text = by_number[1]
            if named is not None and handoff is None:
                missing = f"There is no handoff #{named}; /who lists the open ones."
                work, outcome = self._answer(message, inbound, missing), "no_such_handoff"
            else:
                work, outcome = self._plan(
                    message,
                    inbound,
                    handoff,
                    replied=bool(reply_to) or named is not None,
                    text=text,
                )
            if learnt is not None and handoff is not None:
                work = _learning_topic(work, self.desk, handoff.id, learnt)
            try:
                await self.bus.db.unit(work)
            except LeaseLost:
                log.warning("operator.lease_lost")
                return
            log.info(
                "operator.handled",
                outcome=outcome,
                handoff_id=handoff.id if handoff is not None else None,
            )

    def _by_topic(self, inbound: InboundMessage) -> tuple[Handoff | None, int | None]:
        """The handoff of the forum topic the operator wrote in, and its topic id when this
        is the first time the topic is seen (found by the ``#3`` of the topic's name)."""
        thread = inbound.meta.get("message_thread_id", "")
        if not thread.isdigit():
            return None, None
        found = self.desk.store.by_topic(int(thread))
        if found is not None:
            return found, None
        match = _TOPIC_NAME.match(inbound.meta.get("topic_name", ""))
        if match is None:
            return None, None
        found = self.desk.store.get(int(match.group(1)))
        if found is None or found.topic_id is not None:
            return None, None  # a name copied onto another topic names nothing
        return found, int(thread)

    def _plan(
        self,
        message: Message,
        inbound: InboundMessage,
        handoff: Handoff | None,
        *,
        replied: bool,
        text: str,
    ) -> tuple[Callable[[Connection], None], str]:
        command = command_of(text)
        if command is not None:
            name, arg = command
            arg = arg.lower().split(" ", 1)[0]
            if name == "/who":
                return self._answer(message, inbound, self.desk.who_text()), "who"
            if name == "/bot" and arg not in ("on", "off"):
                return self._answer(message, inbound, "Use /bot on or /bot off."), "unknown"
            if name in ("/done", "/bot"):
                shown = name if name == "/done" else f"/bot {arg}"
                if handoff is None:
                    text = f"Reply {shown} to a customer's escalation post."
                    if replied:
                        text = NOT_ESCALATION
                    return self._answer(message, inbound, text), "done_unmatched"
                if name == "/bot" and arg == "off":
                    return self._bot_off(message, inbound, handoff), "bot_off"
                return self._done(message, inbound, handoff), "done"
            if name in ("/start", "/help"):
                return self._answer(message, inbound, HELP), "help"
            return self._answer(message, inbound, f"Unknown command {name}. {HELP}"), "unknown"
        if not replied:
            return self._answer(message, inbound, HELP), "not_a_reply"
        if handoff is None:
            return self._answer(message, inbound, NOT_ESCALATION), "not_escalation"
        if handoff.state != "open":
            text = (
                f"{who(handoff)} was handed back to the bot "
                f"{minutes(self.clock() - (handoff.closed_at or handoff.opened_at))} ago, so "
                "your message was not sent. The customer can ask for a person again."
            )
            return self._answer(message, inbound, text), "closed"
        if is_photo(inbound):
            refused = photo_refusal(inbound, handoff, limit=self.photo_limit)
            if refused is not None:
                return self._answer(message, inbound, refused), "photo_refused"
            return self._forward(message, inbound, handoff, text, photo=True), "forwarded_photo"
        if inbound.content_kind not in ("text", "command"):
            refusal = not_sendable(inbound.content_kind)
            return self._answer(message, inbound, refusal), "not_sendable"
        if not text.strip():
            refusal = f"That message has no text, so nothing was sent. {SENDABLE}"
            return self._answer(message, inbound, refusal), "empty"
        return self._forward(message, inbound, handoff, text), "forwarded"

    def _answer(
        self,
        message: Message,
        inbound: InboundMessage,
        text: str,
        change: Callable[[Connection], str | None] | None = None,
    ) -> Callable[[Connection], None]:
        """The unit of work answering `text` in the operator chat (after `change`, which may
        give another text) and acking the operator's message."""

        def work(conn: Connection) -> None:
            said = (change(conn) if change is not None else None) or text
            self.desk.say(
                said,
                correlation_id=inbound.correlation_id,
                dedupe_key=f"operator-answer:{message.id}",
                reply_to=_reply_to(inbound),
                topic_id=_topic_of(inbound),
            )
            self.bus.ack(message)

        return work

    def _bot_off(
        self, message: Message, inbound: InboundMessage, handoff: Handoff
    ) -> Callable[[Connection], None]:
        def change(conn: Connection) -> str | None:
            if handoff.state != "open":
                return f"{who(handoff)} is already back with the bot; nothing changed."
            self.desk.store.set_bot_off(conn, handoff.id, True)
            return None

        off = f"The bot is off for {who(handoff)}: it stays silent there until /bot on or /done."
        return self._answer(message, inbound, off, change)

    def _done(
        self, message: Message, inbound: InboundMessage, handoff: Handoff
    ) -> Callable[[Connection], None]:
        def change(conn: Connection) -> str | None:
            if self.desk.store.close(conn, handoff.id, by="operator"):
                return None
            return f"{who(handoff)} was already back with the bot."

        return self._answer(message, inbound, f"{who(handoff)} is back with the bot.", change)

    def _forward(
        self,
        message: Message,
        inbound: InboundMessage,
        handoff: Handoff,
        text: str,
        *,
        photo: bool = False,
    ) -> Callable[[Connection], None]:
        meta = self.desk.operator_reply_meta(
            handoff,
            correlation_id=inbound.correlation_id,
            reply_to=_reply_to(inbound),
            topic_id=_topic_of(inbound),
            photo=photo,
        )
        if photo:
            meta = photo_meta(meta, inbound, handoff)
        reply = OutboundMessage(
            channel=handoff.channel,
            conversation_id=handoff.conversation_id,
            text=text,
            correlation_id=inbound.correlation_id,
            received_at=inbound.received_at,
            meta=meta,
        )
        fetched = PARCEL in meta  # the photo travels as a parcel: the reply waits for it
        topic = outbound_topic(handoff.channel)

        def work(conn: Connection) -> None:
            reply_id = self.bus.publish(
                topic,
                reply.to_payload(),
                key=handoff.conversation_key,
                dedupe_key=f"operator:{inbound.conversation_id}:{inbound.platform_message_id}",
                correlation_id=inbound.correlation_id,
                delay=PHOTO_WAIT if fetched else 0.0,
            )
            if fetched:
                request = fetch_request(inbound, handoff, reply_topic=topic, reply_id=reply_id)
                self.bus.publish(
                    fetch_topic(OPERATOR_CHANNEL),
                    request.to_payload(),
                    dedupe_key=f"fetch:{request.parcel}",
                    correlation_id=inbound.correlation_id,
                )
            self.desk.store.touch_operator(conn, handoff.id)
            if inbound.meta.get("source") == FROM_DASHBOARD:
                self.desk.say(
                    f"{who(handoff)}: answered from the dashboard:\n{text}",
                    correlation_id=inbound.correlation_id,
                    dedupe_key=f"operator-answer:{message.id}",
                    reply_to=handoff.post_message_id,
                    topic_id=handoff.topic_id,
                )
            self.desk.memory.record_turn(
                conn,
                conversation_key=handoff.conversation_key,
                inbound_id=message.id,
                channel=handoff.channel,
                correlation_id=inbound.correlation_id,
                role="assistant",
                text=turn_text(text) if photo else text,
                provider="operator",
                origin="operator",
            )
            self.bus.ack(message)

        return work


def _learning_topic(
    work: Callable[[Connection], None], desk: HandoffDesk, handoff_id: int, topic_id: int
) -> Callable[[Connection], None]:
    """`work`, remembering the handoff's forum topic in the same unit."""

    def learn(conn: Connection) -> None:
        desk.store.set_topic(conn, handoff_id, topic_id)
        work(conn)

    return learn


def _topic_of(inbound: InboundMessage) -> int | None:
    """The forum topic the operator's message was found to be written in, if any."""
    topic = inbound.meta.get(_IN_TOPIC, "")
    return int(topic) if topic.isdigit() else None


def _reply_to(inbound: InboundMessage) -> str | None:
    """The operator's message to answer in the chat (None for a reply from the dashboard)."""
    if inbound.meta.get("source") == FROM_DASHBOARD:
        return None
    return inbound.platform_message_id or None


def _named_handoff(text: str) -> int | None:
    """The handoff number a message names instead of replying (``#3 text``, ``/done 3``)."""
    by_number = numbered(text)
    if by_number is not None:
        return by_number[0]
    command = command_of(text)
    if command is not None and command[0] in ("/done", "/bot"):
        match = _NUMBER.search(command[1])
        if match is not None:
            return int(match.group(1))
    return None
