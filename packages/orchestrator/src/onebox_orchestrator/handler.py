"""The handler for one inbound message: route it, then reply, remember and ack atomically.

Steps for a claimed `inbound` message:

1. decode the `InboundMessage` (a payload that cannot be decoded is dead-lettered at once:
   there is no conversation to answer);
2. with a handoff desk (an operator chat is configured), a conversation a person has taken
   over is not answered: the message is relayed to the operator chat in one unit with its ack
   (after ``idle_minutes`` without an operator message the handoff is closed and the bot
   answers again);
3. gather the burst (`gathering`): with a `BurstGate`, the handler holding a conversation's
   head claims the text messages queued behind it and answers them as one question (joined in
   order, one reply, every message acked in the reply's unit); under the ``decide`` policy a
   burst whose latest message is a fragment is given back to the bus until its quiet window
   ends;
4. decide the answer (`answering.Answerer`: a routed reply, a fixed one, or a handoff); under
   ``decide`` and ``fold``, messages that arrived while it was prepared are folded into the
   burst and it is answered again (``decide`` gives a burst that now ends with a fragment
   back to the bus to wait instead);
5. in ONE bus transaction (`settling.Settler`): the reply published (dedupe key
   ``reply:<inbound id>``), both turns stored, a handoff opened when the answer escalates, and
   every message of the burst acked. A lost lease rolls all of it back; a crash before the
   commit repeats the routing.

A router failure (it promises never to raise, so this is a bug or a bad deployment) sends a
holding reply and dead-letters the message with the reason, in the same transaction; a
retryable failure with attempts left is given back to the bus instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from onebox_bus import Bus, LeaseLost, Message, check_topic
from onebox_bus.contracts import InboundMessage, outbound_topic
from onebox_router import Fallback, LiveFaq
from onebox_service import MessageJournal

from .answering import Answer, Answerer, ReplyRouter
from .desk import HandoffDesk
from .gathering import BurstGate, Part, joined
from .handoffs import Handoff
from .instruments import Instruments
from .memory import ConversationMemory, StoredTurn
from .persona import Personas
from .questions import QuestionGroups
from .settling import Settler
from .signals import TypingSignals

log = structlog.get_logger("onebox.orchestrator")


class InboundHandler:
    """Answers one claimed `inbound` message; give it to a `Consumer` as its handler.

    Args:
        bus: the bus.
        router: the router.
        memory: the conversation turns.
        personas: the system prompt per channel.
        deadline_seconds: the processing window, from the webhook's arrival.
        clock: wall-clock seconds.
        instruments: the metrics.
        log_text: log the message and reply texts (off by default).
        journal: the message traces.
        holding: the holding reply to a question (`HoldingReplies.reply`): no person promised
            unless one is told.
        desk: hands conversations to a person (None without an operator chat).
        questions: groups the questions the bot could not answer (None: not recorded).
        faq: the database's FAQ, checked before each routing (its listeners update the
            personas and the router's offline answers when the owner changed it).
        gate: gathers bursts (None: every message is answered on its own).
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
        self.memory = memory
        self.clock = clock
        self.instruments = instruments or Instruments(None)
        self.log_text = log_text
        self.desk = desk
        self.gate = gate
        self.answerer = Answerer(
            bus=bus, router=router, memory=memory, personas=personas,
            deadline_seconds=deadline_seconds, clock=clock, journal=journal, holding=holding,
            desk=desk, faq=faq, typing=typing,
        )  # fmt: skip
        self.settler = Settler(
            bus=bus, memory=memory, desk=desk, questions=questions, journal=journal
        )

    @property
    def personas(self) -> Personas:
        """The system prompt per channel (replaced when the owner edits the FAQ)."""
        return self.answerer.personas

    @personas.setter
    def personas(self, personas: Personas) -> None:
        self.answerer.personas = personas

    @property
    def typing(self) -> TypingSignals | None:
        """Shows the typing signal while routing (None: never)."""
        return self.answerer.typing

    @typing.setter
    def typing(self, typing: TypingSignals | None) -> None:
        self.answerer.typing = typing

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
                answer = await self.answerer.answer(message, joined(parts))
                folded = await self._fold(message, parts, answer)
                if folded is None:
                    return  # a fragment arrived meanwhile: the burst waits for the rest
                answer, parts = folded
            except LeaseLost:
                log.warning("message.lease_lost")
                return
            await self._settle(message, parts, answer, idle=idle)

    async def _settle(
        self, message: Message, parts: list[Part], answer: Answer, *, idle: Handoff | None
    ) -> None:
        """Commit the answer to the burst `parts` (one unit), then count and log it."""
        inbound = joined(parts)
        history: list[StoredTurn] = []
        if answer.escalation.escalate and self.desk is not None:
            history = await self.bus.run_async(lambda: self.memory.recent(inbound.key))
        try:
            await self.bus.db.unit(
                lambda conn: self.settler.commit(
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
    ) -> tuple[Answer, list[Part]] | None:
        """``decide``, ``fold``: messages that arrived while the answer was prepared join it and
        it is answered again; None when the burst was given back to wait for more."""
        gate = self.gate
        if gate is None:
            return answer, parts
        while answer.outcome == "replied":
            later = await gate.later(parts)
            if later is None:
                return None
            if later is parts:
                break
            parts = later
            answer = await self.answerer.answer(message, joined(parts))
        return answer, parts

    def _open_handoff(self, key: str) -> Handoff | None:
        assert self.desk is not None
        return self.desk.open_for(key)

    async def _relay(self, message: Message, inbound: InboundMessage, handoff: Handoff) -> None:
        desk = self.desk
        assert desk is not None
        post_id = await self.bus.run_async(lambda: desk.post_message_id(handoff))
        try:
            await self.bus.db.unit(
                lambda conn: self.settler.relay(
                    conn, message=message, inbound=inbound, handoff=handoff, post_message_id=post_id
                )
            )
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
