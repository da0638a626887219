"""How the orchestrator reads a voice note: its transcript, its language, or why it has none.

The channel's media stage (in the agent) downloads and transcribes the note and publishes it
to ``inbound`` with the transcript as text (`onebox_router.transcribe.with_transcript`), or
with ``meta["voice_error"]`` when it could not (`with_voice_error`). Here a transcribed note
is readable like typed text, the model is asked to answer in the spoken language, and a note
without a transcript gets a fixed reply saying what the customer can do. No reply here
promises a person: with a handoff desk configured, the handler escalates a note no provider
could listen to (`unheard`) instead, and only then tells the customer a person will answer.
"""

from __future__ import annotations

from onebox_bus.contracts import InboundMessage
from onebox_router.transcribe import VOICE_ERROR, TranscriptFacts, is_voice, transcript_facts

_TOO_LONG = (
    "Thanks for your voice message! It is too long for me to listen to. Could you send a "
    "shorter one, or type your question?"
)
_TOO_LARGE = (
    "Thanks for your voice message! The file is too large for me to open. Could you send a "
    "shorter one, or type your question?"
)
_NOT_OPENED = (
    "Thanks for your voice message! I could not open it. Could you type your question in a message?"
)
_NOT_LISTENED = (
    "Thanks for your voice message! I cannot listen to voice messages right now. Could you "
    "type your question in a message?"
)
VOICE_ERROR_REPLIES: dict[str, str] = {
    "too_long": _TOO_LONG,
    "too_large": _TOO_LARGE,
    "not_audio": _NOT_OPENED,
    "gone": _NOT_OPENED,
    "no_provider": _NOT_LISTENED,
    "unavailable": _NOT_LISTENED,
    "deadline": _NOT_LISTENED,
}

#: Why no provider listened (the customer cannot fix these by sending the note again).
UNHEARD_REASONS: dict[str, str] = {
    "no_provider": "no transcription provider is configured",
    "unavailable": "every transcription provider failed or is over budget",
    "deadline": "transcription ran out of time",
}

#: ISO 639-1 codes the reply instruction names in words (others are given as the code).
_LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "ru": "Russian", "uk": "Ukrainian",
    "tr": "Turkish", "ar": "Arabic", "hi": "Hindi", "zh": "Chinese", "ja": "Japanese",
    "ko": "Korean", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish",
    "el": "Greek", "cs": "Czech", "ro": "Romanian", "hu": "Hungarian", "he": "Hebrew",
    "id": "Indonesian", "vi": "Vietnamese", "th": "Thai", "ca": "Catalan",
}  # fmt: skip


def voice_error_reply(message: InboundMessage) -> str | None:
    """The fixed reply to a voice note that has no transcript, or None for any other message."""
    if not is_voice(message):
        return None
    reason = message.meta.get(VOICE_ERROR)
    if reason is None:
        return None if transcript_facts(message) is not None else _NOT_LISTENED
    return VOICE_ERROR_REPLIES.get(reason, _NOT_LISTENED)


def unheard(message: InboundMessage) -> str | None:
    """Why no provider could transcribe this voice note (`UNHEARD_REASONS`), else None.

    None for a note the customer can fix (too long, too large, not audio, gone) and for
    anything that is not a voice note without a transcript.
    """
    if not is_voice(message):
        return None
    return UNHEARD_REASONS.get(message.meta.get(VOICE_ERROR, ""))


def transcribed(message: InboundMessage) -> TranscriptFacts | None:
    """The transcription facts of a transcribed voice note with some text, else None."""
    if not is_voice(message) or not message.text.strip():
        return None
    return transcript_facts(message)


def language_instruction(facts: TranscriptFacts) -> str:
    """The line added to the system prompt: the customer spoke, reply in their language."""
    said = "The customer's message is the transcript of a voice message."
    if not facts.language:
        return said
    name = _LANGUAGE_NAMES.get(facts.language, f"the language with code {facts.language!r}")
    return f"{said} They spoke {name}: reply in {name}."
