"""What one inbound message (or a burst, joined) is answered with: a routed reply or a fixed one.

`Answerer.answer` decides, without writing anything to the bus:

- content the bot cannot read (photo, sticker...) gets a fixed polite reply, without the
  router (with a handoff desk, a photo, sticker, document, location or video is handed to a
  person instead); a voice note the agent transcribed is read like text (answered in the spoken
  language, a ``transcribed`` trace event), one it could not gets a fixed reply saying what to
  do (`voice`), or, with a desk, goes to a person;
- with a desk, a message that asks for a person, or matches the business file's keywords or
  intents, is not routed: the conversation is handed over; so is one the router could not
  answer (its offline fallback), and the second fixed reply in a row;
- otherwise the conversation's last turns are loaded, the `Conversation` built with the
  channel's persona and the router asked, with the deadline counted from the webhook's
  arrival (the platform's typing signal shown while it takes a while, `TypingSignals`).

A router failure (it promises never to raise, so this is a bug or a bad deployment) gives a
holding reply with the reason to dead-letter the message; a retryable failure with attempts
left is raised, for the consumer to give the message back to the bus.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import anyio
import structlog
from onebox_bus import Bus, Message
from onebox_bus.contracts import InboundMessage
from onebox_router import Conversation, Fallback, LiveFaq, Reply, Turn
from onebox_service import MessageJournal

from .desk import HandoffDesk, media_words
from .escalation import FIXED, MEDIA_KINDS, NO_ESCALATION, Escalation, decide, failures_in_a_row
from .memory import ConversationMemory, Origin, StoredTurn
from .persona import HOLDING_REPLY, Personas, unsupported_reply
from .signals import TypingSignals
from .voice import language_instruction, transcribed, unheard, voice_error_reply

log = structlog.get_logger("onebox.orchestrator")

FALLBACK_MODEL = "fallback"
"""The model name of the router's offline fallback: the router could not answer."""
READABLE_KINDS = frozenset({"text", "command", "button"})
ROUTER_OVERRUN = 2.0
"""Seconds past the deadline after which a router that has not answered is abandoned."""


def _fixed_holding(question: str, /, language: str | None = None) -> str:
    """The holding reply without a business file or an operator (English, no person promised)."""
    return HOLDING_REPLY


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


def reply_origin(reply: Reply) -> Origin:
    """How the router made `reply`: the cache, the offline FAQ or fallback, or a model."""
    if reply.cached:
        return "cache"
    if reply.model == FALLBACK_MODEL:
        return "fallback"
    if reply.model in ("faq", "greeting"):
        return "faq" if reply.model == "faq" else "greeting"
    return "model"


class Answerer:
    """Decides the answer to a message (module docstring); writes nothing to the bus.

    Args:
        bus: the bus (reads: the conversation's turns).
        router: the router.
        memory: the conversation turns.
        personas: the system prompt per channel (replaced when the owner edits the FAQ).
        deadline_seconds: the processing window, from the webhook's arrival.
        clock: wall-clock seconds.
        journal: the message traces (None: not recorded).
        holding: the holding reply to a question (no person promised unless one is told).
        desk: hands conversations to a person (None without an operator chat).
        faq: the database's FAQ, checked before each routing.
        typing: shows the typing signal while routing (None: never).
    """

    def __init__(
        self,
        *,
        bus: Bus,
        router: ReplyRouter,
        memory: ConversationMemory,
        personas: Personas,
        deadline_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
        journal: MessageJournal | None = None,
        holding: Fallback | None = None,
        desk: HandoffDesk | None = None,
        faq: LiveFaq | None = None,
        typing: TypingSignals | None = None,
    ) -> None:
        self.bus = bus
        self.router = router
        self.memory = memory
        self.personas = personas
        self.deadline_seconds = deadline_seconds
        self.clock = clock
        self.journal = journal
        self.holding: Fallback = holding or _fixed_holding
        self.desk = desk
        self.faq = faq
        self.typing = typing

    async def answer(self, message: Message, inbound: InboundMessage) -> Answer:
        """The answer to `inbound` (claimed as `message`, whose attempts count failures).

        Raises:
            Exception: a retryable router failure with attempts and time left.
        """
        heard = transcribed(inbound)
        spoken = heard.language if heard is not None else None
        if heard is None and self.desk is not None and (why := unheard(inbound)) is not None:
            # Nobody could listen to it: a person is told, so the reply may promise one.
            return self._handed_over(
                inbound, Escalation(escalate=True, reason="voice_not_transcribed", detail=why)
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
            detail = media_words(inbound.content_kind)
            return self._handed_over(
                inbound, Escalation(escalate=True, reason="media_not_read", detail=detail)
            )
        if heard is None and (
            inbound.content_kind not in READABLE_KINDS or not inbound.text.strip()
        ):
            kind = inbound.content_kind if inbound.content_kind not in READABLE_KINDS else "unknown"
            return await self._fixed(inbound, unsupported_reply(kind))
        if self.desk is not None:
            asked = decide(inbound.text, rules=self.desk.rules)
            if asked.escalate:
                return self._handed_over(inbound, asked)
        history = await self.bus.run_async(lambda: self._recent(inbound.key))
        system = self.personas.system_prompt(inbound.channel)
        scope = self.personas.system_prompt(inbound.channel, with_faq=False)
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
            held = self._failed(exc, message, inbound, deadline=deadline)
            if held is None:
                raise  # the consumer gives it back to the bus; the next attempt routes again
            return held
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

    def _failed(
        self, exc: Exception, message: Message, inbound: InboundMessage, *, deadline: float
    ) -> Answer | None:
        """The holding answer to a router failure; None when it is to be retried."""
        retryable = bool(getattr(exc, "retryable", False))
        # With a desk, the second failure of the chain on this message goes to a person.
        repeated = self._unanswered(inbound.text, failures=message.attempt)
        if (
            retryable
            and repeated.reason != "repeated_failure"
            and message.attempt < message.max_attempts
            and self.clock() < deadline
        ):
            return None
        reason = f"router failed: {type(exc).__name__}: {exc}"[:500]
        log.error("router.failed", error=type(exc).__name__, reason=reason)
        escalation = repeated if repeated.escalate else self._unanswered(inbound.text)
        return Answer(
            text=self.holding(inbound.text, _spoken(inbound)),
            outcome="holding",
            provider="none",
            dead_reason=reason,
            escalation=escalation,
            origin="holding",
            unanswered=True,
        )

    def _handed_over(self, inbound: InboundMessage, escalation: Escalation) -> Answer:
        """The conversation goes to a person: the reply says one will answer."""
        assert self.desk is not None
        return Answer(
            text=self.desk.holding.handed_over(inbound.text, _spoken(inbound)),
            outcome="escalated",
            provider="none",
            escalation=escalation,
            origin="handoff",
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
                return self._handed_over(inbound, repeated)
        return Answer(text=text, outcome="unsupported", provider=FIXED, origin="fixed")


def _spoken(inbound: InboundMessage) -> str | None:
    """The language a transcribed voice note was spoken in (None for typed text)."""
    heard = transcribed(inbound)
    return heard.language if heard is not None else None
