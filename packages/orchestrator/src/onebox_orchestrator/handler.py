"""The handler for one inbound message: route it, then reply, remember and ack atomically.

Steps for a claimed `inbound` message:

1. decode the `InboundMessage` (a payload that cannot be decoded is dead-lettered at once:
   there is no conversation to answer);
2. content the bot cannot read (photo, sticker...) gets a fixed polite reply, without the
   router (with a handoff desk, a photo, sticker, document, location or video is handed to a
   person instead); a voice note the agent transcribed is read like text (answered in the spoken
   language, a ``transcribed`` trace event), one it could not gets a fixed reply saying
   what to do (`voice`);
3. otherwise load the conversation's last turns, build the `Conversation` with the channel's
   persona and ask the router, with the deadline counted from the webhook's arrival;
4. in ONE bus transaction: publish the `OutboundMessage` to ``outbound.<channel>`` (dedupe key
   ``reply:<inbound id>``, so a repeated routing never makes two replies), store both turns
   (the reply marked with how it was made; a question the bot could not answer put in its
   unanswered group, `QuestionGroups`), and ack. A lost lease rolls all of it back; a crash
   before the commit repeats the routing. Concurrent handlers share that transaction (the
   database's `Batcher`), each unit in its own savepoint.

With a handoff desk (an operator chat is configured), a conversation a person has taken over
is not answered: the message is relayed to the operator chat in one unit with its ack (after
``idle_minutes`` without an operator message the handoff is closed and the bot answers again).
A message that asks for a person, or matches the business file's keywords or intents, is not
routed: the conversation is handed over; so is one the router could not answer, and a voice
note no transcription provider could listen to (without a desk it gets the "please type"
reply, which promises no person). Handing over
is the same unit of work: open the handoff, publish the escalation post to the operator chat,
publish the customer's reply (which says a person will answer), store the turns, ack.

Bursts (`gathering`): with a `BurstGate`, the handler holding a conversation's head claims
the text messages queued behind it and answers them as one question (joined in order, one
reply, every message acked in the reply's unit); under the ``decide`` policy a burst whose
latest message is a fragment is given back to the bus until its quiet window ends, and under
``fold`` messages arriving while the answer is prepared are folded into it. With
`TypingSignals`, routing that takes a while shows the platform's typing signal.

A router failure (it promises never to raise, so this is a bug or a bad deployment) sends a
holding reply and dead-letters the message with the reason, in the same transaction; a
retryable failure with attempts left is given back to the bus instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import anyio
import anyio.to_thread
import orjson
import structlog
from onebox_bus import Bus, LeaseLost, Message, check_topic
from onebox_bus.contracts import InboundMessage, OutboundMessage, outbound_topic
from onebox_router import Conversation, Fallback, LiveFaq, Reply, Turn
from onebox_service import MessageJournal
from sqlalchemy.engine import Connection

from .desk import HandoffDesk, media_words
from .escalation import FIXED, MEDIA_KINDS, NO_ESCALATION, Escalation, decide, failures_in_a_row
from .gathering import BurstGate, Part, joined
from .handoffs import Handoff
from .instruments import Instruments
from .memory import ConversationMemory, Origin, StoredTurn
from .persona import HOLDING_REPLY, Personas, unsupported_reply
from .questions import QuestionGroups
from .signals import TypingSignals
from .voice import language_instruction, transcribed, unheard, voice_error_reply

log = structlog.get_logger("onebox.orchestrator")

FALLBACK_MODEL = "fallback"
"""The model name of the router's offline fallback: the router could not answer."""
READABLE_KINDS = frozenset({"text", "command", "button"})
ROUTER_OVERRUN = 2.0
"""Seconds past the deadline after which a router that has not answered is abandoned."""


class ReplyRouter(Protocol):
    """What the handler needs from `onebox_router.Router`."""

    async def route(self, conversation: Conversation, *, deadline: float) -> Reply: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What the handler settles a message with."""

    text: str
    outcome: str  # replied | unsupported | holding | escalated
    provider: str
    cost_usd: float = 0.0
    dead_reason: str | None = None
    escalation: Escalation = NO_ESCALATION
    origin: Origin = "model"
    model: str | None = None
    unanswered: bool = False
    """The bot could not answer it (holding reply, handed over, offline fallback): the
    question joins an unanswered group for the owner."""


def _fixed_holding(question: str, /, language: str | None = None) -> str:
    """The holding reply without a business file or an operator (English, no person promised)."""
    return HOLDING_REPLY


def reply_origin(reply: Reply) -> Origin:
    """How the router made `reply`: the cache, the offline FAQ or fallback, or a model."""
    if reply.cached:
        return "cache"
    if reply.model == FALLBACK_MODEL:
        return "fallback"
    if reply.model in ("faq", "greeting"):
        return "faq" if reply.model == "faq" else "greeting"
    return "model"


class InboundHandler:
    """Answers one claimed `inbound` message; give it to a `Consumer` as its handler."""

    def __init__(
        self,
        *,
        bus: Bus,
        router: ReplyRouter,
        memory: ConversationMemory,
        personas: Personas,
        deadline_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
        instruments: Instruments | None = None,
        log_text: bool = False,
        journal: MessageJournal | None = None,
        holding: Fallback | None = None,
        desk: HandoffDesk | None = None,
        questions: QuestionGroups | None = None,
        faq: LiveFaq | None = None,
        gate: BurstGate | None = None,
        typing: TypingSignals | None = None,
    ) -> None:
        self.bus = bus
        self.router = router
        self.memory = memory
        self.personas = personas
        self.deadline_seconds = deadline_seconds
        self.clock = clock
        self.instruments = instruments or Instruments(None)
        self.log_text = log_text
        self.journal = journal
        self.holding: Fallback = holding or _fixed_holding
        """The holding reply to a question, in the customer's language (`HoldingReplies.reply`):
        no person promised unless one is told."""
        self.desk = desk
        """Hands conversations to a person (None without an operator chat)."""
        self.questions = questions
        """Groups the questions the bot could not answer (None: not recorded)."""
        self.faq = faq
        """The database's FAQ, checked before each routing (its listeners update the personas
        and the router's offline answers when the owner changed it)."""
        self.gate = gate
        """Gathers bursts (None: every message is answered on its own)."""
        self.typing = typing
        """Shows the typing signal while routing (None: never)."""

    async def __call__(self, message: Message) -> None:
        """Handle one message; settles it (ack or dead letter) before returning."""
        try:
            inbound = InboundMessage.from_payload(message.payload)
            check_topic(outbound_topic(inbound.channel))
        except (ValueError, TypeError, AttributeError) as exc:
            reason = f"malformed inbound payload: {type(exc).__name__}"
            log.error("message.malformed", error=reason)
            self.instruments.malformed()
            await self.bus.run_async(lambda: self.bus.dead_letter(message, reason))
            return
        with structlog.contextvars.bound_contextvars(
            correlation_id=inbound.correlation_id, channel=inbound.channel
        ):
            idle: Handoff | None = None
            if self.desk is not None:
                handoff = await self.bus.run_async(lambda: self._open_handoff(inbound.key))
                if handoff is not None:
                    if not handoff.idle(self.clock(), idle_seconds=self.desk.idle_seconds):
                        await self._relay(message, inbound, handoff)
                        return
                    idle = handoff
            try:
                parts = await self._gather(message, inbound)
                if parts is None:
                    return  # given back to the bus to wait for the rest of the burst
                answer = await self._answer(message, joined(parts))
                answer, parts = await self._fold(message, parts, answer)
            except LeaseLost:
                log.warning("message.lease_lost")
                return
            inbound = joined(parts)
            history: list[StoredTurn] = []
            if answer.escalation.escalate and self.desk is not None:
                history = await self.bus.run_async(lambda: self.memory.recent(inbound.key))
            try:
                await self.bus.db.unit(
                    lambda conn: self._commit(
                        conn, parts, inbound, answer, idle=idle, history=history
                    )
                )
            except LeaseLost:
                log.warning("message.lease_lost")
                return
            latency = self.clock() - inbound.received_at
            self.instruments.answered(
                channel=inbound.channel,
                outcome=answer.outcome,
                provider=answer.provider,
                latency_s=latency,
                cost_usd=answer.cost_usd,
            )
            extra = {"text": inbound.text, "reply": answer.text} if self.log_text else {}
            log.info(
                "message.answered",
                outcome=answer.outcome,
                provider=answer.provider,
                latency_ms=round(latency * 1000, 1),
                cost_usd=answer.cost_usd,
                attempt=message.attempt,
                messages=len(parts),
                **extra,
            )

    async def _gather(self, message: Message, inbound: InboundMessage) -> list[Part] | None:
        head = Part(message=message, inbound=inbound)
        if self.gate is None:
            return [head]
        return await self.gate.gather(head)

    async def _fold(
        self, message: Message, parts: list[Part], answer: Answer
    ) -> tuple[Answer, list[Part]]:
        """``fold``: messages that arrived while the answer was prepared join it; answer again."""
        gate = self.gate
        if gate is None or gate.policy.name != "fold":
            return answer, parts
        first_at = parts[0].inbound.received_at
        while answer.outcome == "replied" and gate.policy.folds(
            first_at=first_at, now=self.clock()
        ):
            new = await gate.more(parts)
            if not new:
                break
            parts = [*parts, *new]
            log.info("burst.folded", messages=len(parts))
            answer = await self._answer(message, joined(parts))
        return answer, parts

    def _open_handoff(self, key: str) -> Handoff | None:
        assert self.desk is not None
        return self.desk.open_for(key)

    async def _relay(self, message: Message, inbound: InboundMessage, handoff: Handoff) -> None:
        desk = self.desk
        assert desk is not None
        post_id = await self.bus.run_async(lambda: desk.post_message_id(handoff))

        def work(conn: Connection) -> None:
            desk.relay(
                conn, message=message, inbound=inbound, handoff=handoff, post_message_id=post_id
            )
            self.bus.ack(message)

        try:
            await self.bus.db.unit(work)
        except LeaseLost:
            log.warning("message.lease_lost")
            return
        self.instruments.answered(
            channel=inbound.channel,
            outcome="relayed",
            provider="operator",
            latency_s=self.clock() - inbound.received_at,
            cost_usd=0.0,
        )
        log.info("message.relayed", handoff_id=handoff.id, attempt=message.attempt)

    async def _answer(self, message: Message, inbound: InboundMessage) -> Answer:
        heard = transcribed(inbound)
        spoken = heard.language if heard is not None else None
        if heard is None and self.desk is not None and (why := unheard(inbound)) is not None:
            # Nobody could listen to it: a person is told, so the reply may promise one.
            return Answer(
                text=self.desk.holding.handed_over(inbound.text),
                outcome="escalated",
                provider="none",
                escalation=Escalation(escalate=True, reason="voice_not_transcribed", detail=why),
                origin="handoff",
            )
        if heard is None and (voice := voice_error_reply(inbound)) is not None:
            return await self._fixed(inbound, voice)
        if heard is not None and self.journal is not None:
            self.journal.record(
                inbound.correlation_id, "transcribed", provider=heard.provider,
                model=heard.model, seconds=heard.audio_seconds, cost_usd=heard.cost_usd,
                language=heard.language or "",
            )  # fmt: skip
        if heard is None and self.desk is not None and inbound.content_kind in MEDIA_KINDS:
            # A photo, sticker, document, location or video: a person can look at it.
            return Answer(
                text=self.desk.holding.handed_over(inbound.text),
                outcome="escalated",
                provider="none",
                escalation=Escalation(
                    escalate=True, reason="media_not_read", detail=media_words(inbound.content_kind)
                ),
                origin="handoff",
            )
        if heard is None and (
            inbound.content_kind not in READABLE_KINDS or not inbound.text.strip()
        ):
            kind = inbound.content_kind if inbound.content_kind not in READABLE_KINDS else "unknown"
            return await self._fixed(inbound, unsupported_reply(kind))
        if self.desk is not None:
            asked = decide(inbound.text, rules=self.desk.rules)
            if asked.escalate:
                return Answer(
                    text=self.desk.holding.handed_over(inbound.text, spoken),
                    outcome="escalated",
                    provider="none",
                    escalation=asked,
                    origin="handoff",
                )
        history = await self.bus.run_async(lambda: self._recent(inbound.key))
        personas = self.personas
        system = personas.system_prompt(inbound.channel)
        scope = personas.system_prompt(inbound.channel, with_faq=False)
        if heard is not None:
            system = f"{system}\n\n{language_instruction(heard)}"
            scope = f"{scope}\n\n{language_instruction(heard)}"
        conversation = Conversation(
            system=system,
            cache_scope=scope,
            turns=[
                *(Turn(role=t.role, text=t.text) for t in history),
                Turn(role="user", text=inbound.text),
            ],
            channel=inbound.channel,
            conversation_id=inbound.conversation_id,
            correlation_id=inbound.correlation_id,
            language=spoken,
        )
        deadline = inbound.received_at + self.deadline_seconds
        try:
            with anyio.fail_after(max(0.0, deadline - self.clock()) + ROUTER_OVERRUN):
                if self.typing is None:
                    reply = await self.router.route(conversation, deadline=deadline)
                else:
                    async with self.typing.shown(message, inbound):
                        reply = await self.router.route(conversation, deadline=deadline)
        except Exception as exc:
            retryable = bool(getattr(exc, "retryable", False))
            # With a desk, the second failure of the chain on this message goes to a person.
            repeated = self._unanswered(inbound.text, failures=message.attempt)
            if (
                retryable
                and repeated.reason != "repeated_failure"
                and message.attempt < message.max_attempts
                and self.clock() < deadline
            ):
                raise  # the consumer gives it back to the bus; the next attempt routes again
            reason = f"router failed: {type(exc).__name__}: {exc}"[:500]
            log.error("router.failed", error=type(exc).__name__, reason=reason)
            escalation = repeated if repeated.escalate else self._unanswered(inbound.text)
            return Answer(
                text=self.holding(inbound.text, spoken),
                outcome="holding",
                provider="none",
                dead_reason=reason,
                escalation=escalation,
                origin="holding",
                unanswered=True,
            )
        if self.journal is not None:
            self.journal.record(
                inbound.correlation_id,
                "routed",
                provider=reply.provider,
                cache_hit=reply.cached,
                latency_ms=round(reply.latency_s * 1000, 1),
                cost_usd=reply.cost_usd,
            )
        origin = reply_origin(reply)
        if reply.model == FALLBACK_MODEL:
            escalation = self._unanswered(inbound.text)
            if escalation.escalate:
                return Answer(
                    text=reply.text,
                    outcome="escalated",
                    provider=reply.provider,
                    escalation=escalation,
                    origin="handoff",
                    model=reply.model,
                    unanswered=True,
                )
        return Answer(
            text=reply.text,
            outcome="replied",
            provider=reply.provider,
            cost_usd=reply.cost_usd,
            origin=origin,
            model=reply.model,
            unanswered=origin == "fallback",
        )

    def _recent(self, key: str) -> list[StoredTurn]:
        """The conversation's last turns, after picking up an FAQ edit (same thread hop)."""
        if self.faq is not None:
            self.faq.refresh()
        return self.memory.recent(key)

    def _unanswered(self, text: str, *, failures: int = 0) -> Escalation:
        """Unanswered (`failures` = 0), or the chain failed `failures` times on this message."""
        if self.desk is None:
            return NO_ESCALATION
        return decide(text, rules=self.desk.rules, unanswered=not failures, failures=failures)

    async def _fixed(self, inbound: InboundMessage, text: str) -> Answer:
        """A fixed reply ("I can only read text"), or a handoff when it would be the second
        fixed reply in a row of this conversation (the bot failing the customer twice)."""
        if self.desk is not None:
            history = await self.bus.run_async(lambda: self.memory.recent(inbound.key))
            failures = failures_in_a_row(history) + 1
            repeated = decide("", rules=self.desk.rules, failures=failures)
            if repeated.escalate:
                return Answer(
                    text=self.desk.holding.handed_over(inbound.text),
                    outcome="escalated",
                    provider="none",
                    escalation=repeated,
                    origin="handoff",
                )
        return Answer(text=text, outcome="unsupported", provider=FIXED, origin="fixed")

    def _commit(
        self,
        conn: Connection,
        parts: list[Part],
        inbound: InboundMessage,
        answer: Answer,
        *,
        idle: Handoff | None = None,
        history: list[StoredTurn] | None = None,
    ) -> None:
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
