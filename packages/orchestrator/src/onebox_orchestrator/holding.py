"""Honest holding replies: what the bot says when it cannot answer, promising only what is done.

A reply may say that a person will answer only when a person is actually told (an escalation
posted to the operator chat). Otherwise it says how to reach the business directly (the
business file's contact, or a neutral "please contact us directly" without one) and, outside
opening hours, when the business opens again. The same rule shapes the personas' instruction
for questions a model cannot answer, so no provider promises a person either.

The wording exists in English, Spanish, Portuguese and French and follows the customer's
language: the one a transcription provider reported for a voice note when it is one of
those, else the one guessed from the message (`onebox_service.guess_language`). Time comes
from the injected clock.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from onebox_service import (
    LANGUAGES,
    Business,
    Language,
    back_sentence,
    guess_language,
    is_open,
    next_opening,
    opening_phrase,
)

_SORRY: dict[Language, str] = {
    "en": "Thanks for your message! I can't answer that here",
    "es": "¡Gracias por tu mensaje! No puedo responder a eso por aquí",
    "pt": "Obrigado pela sua mensagem! Não consigo responder a isso por aqui",
    "fr": "Merci pour votre message ! Je ne peux pas répondre à cela ici",
}
_REACH: dict[Language, str] = {
    "en": ". You can reach {name} directly: {contact}.",
    "es": ". Puedes contactar con {name} directamente: {contact}.",
    "pt": ". Pode contactar {name} diretamente: {contact}.",
    "fr": ". Vous pouvez joindre {name} directement : {contact}.",
}
_CONTACT_US: dict[Language, str] = {
    "en": "; please contact us directly.",
    "es": "; por favor, contacta directamente con nosotros.",
    "pt": "; por favor, contacte-nos diretamente.",
    "fr": " ; merci de nous contacter directement.",
}
_PERSON: dict[Language, str] = {
    "en": ", so I have passed it to our team: a person will reply in this chat.",
    "es": ", así que lo he pasado a nuestro equipo: una persona te responderá en este chat.",
    "pt": ", por isso passei-a à nossa equipa: uma pessoa vai responder nesta conversa.",
    "fr": ", je l'ai donc transmis à notre équipe : une personne vous répondra ici.",
}
_HANDED: dict[Language, str] = {
    "en": "Thanks for your message! I have passed it to our team: a person will reply in this "
    "chat.",
    "es": "¡Gracias por tu mensaje! Lo he pasado a nuestro equipo: una persona te responderá en "
    "este chat.",
    "pt": "Obrigado pela sua mensagem! Passei-a à nossa equipa: uma pessoa vai responder nesta "
    "conversa.",
    "fr": "Merci pour votre message ! Je l'ai transmis à notre équipe : une personne vous "
    "répondra ici.",
}


def _language(question: str, reported: str | None) -> Language:
    """`reported` when the replies are written in it, else the language of `question`."""
    for language in LANGUAGES:
        if reported == language:
            return language
    return guess_language(question)


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldingReplies:
    """The holding reply and the personas' "cannot answer" instruction for one deployment.

    Attributes:
        business: the business file, when there is one.
        person_notified: True only when each escalation is posted to a person (an operator
            chat is configured and the orchestrator posts escalations to it: `main.load_holding`);
            then the holding reply says a person will answer, and it is only given when the
            conversation is handed over (the handler escalates every unanswered message).
        clock: unix seconds now.
    """

    business: Business | None = None
    person_notified: bool = False
    clock: Callable[[], float] = field(default=time.time)

    def reply(self, question: str, language: str | None = None) -> str:
        """The holding reply to `question`, in the customer's language (`language`, the
        language code a transcription provider reported, when the reply is written in it)."""
        language = _language(question, language)
        text = _SORRY[language]
        contact = self.business.contact.parts() if self.business is not None else []
        if self.person_notified:
            text += _PERSON[language]
        elif contact:
            assert self.business is not None
            text += _REACH[language].format(name=self.business.name, contact=" · ".join(contact))
        else:
            text += _CONTACT_US[language]
        closed = self.closed_sentence(language)
        return f"{text} {closed}" if closed else text

    def handed_over(self, question: str, language: str | None = None) -> str:
        """What the customer is told when the conversation has just been handed to a person."""
        language = _language(question, language)
        closed = self.closed_sentence(language)
        return f"{_HANDED[language]} {closed}" if closed else _HANDED[language]

    def closed_sentence(self, language: Language = "en") -> str:
        """When the business opens again, if it is closed now and the hours are known; or ""."""
        if self.business is None or self.business.hours is None:
            return ""
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        if is_open(self.business, now):
            return ""
        opening = next_opening(self.business, now)
        if opening is None:
            return ""
        if self.business.away_text:
            phrase = opening_phrase(opening, now=now, language=language)
            return self.business.away_text.replace("{opening}", phrase)
        return back_sentence(opening, now=now, language=language)

    def persona_instruction(self) -> str:
        """What a model is told to do when it cannot answer (fits "..., {instruction}.")."""
        if self.person_notified:
            # A model's reply is not an escalation: it may only point to the way that is one.
            return (
                "say so and tell them they can ask here to talk to a person; never promise "
                "that a person will follow up otherwise"
            )
        contact = self.business.contact.parts() if self.business is not None else []
        if contact:
            return (
                "say so and tell them how to reach the business directly ("
                + "; ".join(contact)
                + "); never promise that a person will follow up"
            )
        return (
            "say so and suggest they contact the business directly; never promise that a "
            "person will follow up"
        )

    def business_facts(self) -> str:
        """Opening hours and contact from the business file, for the system prompt."""
        if self.business is None:
            return ""
        lines = []
        if self.business.hours is not None:
            lines.append(f"Opening hours: {self.business.hours_summary()}.")
        contact = self.business.contact.parts()
        if contact:
            lines.append(f"Contact: {'; '.join(contact)}.")
        return "\n".join(lines)
