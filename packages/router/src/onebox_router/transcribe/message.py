"""How a voice note's transcript travels on the bus: the contract between whoever transcribes
(the channel's media stage) and everything downstream (handler, cache, memory, trace).

The transcript becomes the message's ``text``, so the cache, the classifier, the memory and the
dashboard treat it like typed text; the ``content_kind`` stays what it was (``voice``,
``audio``, ``video_note``) and ``meta`` says it was transcribed, in which language, by whom,
for how long and at what cost. A note that could not be transcribed keeps an empty text and
says why in ``meta["voice_error"]``, so the handler can ask the customer to type or escalate.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import anyio
from onebox_bus.contracts import InboundMessage

from .audio import Audio
from .chain import Transcriber, Transcript, TranscriptionFailed

#: Content kinds that carry speech to transcribe.
VOICE_KINDS = frozenset({"voice", "audio", "video_note"})
TRANSCRIBED = "transcribed"
VOICE_ERROR = "voice_error"
#: Why a voice note has no transcript: the chain's reasons plus the download's.
VoiceError = Literal[
    "no_provider", "unavailable", "deadline", "too_large", "too_long", "not_audio", "gone"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptFacts:
    """What the message says about its transcription (for the reply, the trace, the dashboard).

    Attributes:
        language: ISO 639-1 code of the spoken language, when known: reply in it.
        provider / model: who listened.
        audio_seconds: the note's length.
        cost_usd: what the transcription cost.
        latency_ms: how long it took.
    """

    language: str | None
    provider: str
    model: str
    audio_seconds: float
    cost_usd: float
    latency_ms: float


def is_voice(message: InboundMessage) -> bool:
    """Whether `message` is speech to transcribe (a voice note, an audio file, a video note)."""
    return message.content_kind in VOICE_KINDS


def with_transcript(message: InboundMessage, transcript: Transcript) -> InboundMessage:
    """`message` with the transcript as its text (after any caption) and the facts in meta."""
    caption = message.text.strip()
    text = f"{caption}\n{transcript.text}" if caption else transcript.text
    meta = {k: v for k, v in message.meta.items() if k != VOICE_ERROR}
    meta.update(
        {
            TRANSCRIBED: "true",
            "transcription_provider": transcript.provider,
            "transcription_model": transcript.model,
            "audio_seconds": f"{transcript.duration_s:.2f}",
            "transcription_cost_usd": repr(transcript.cost_usd),
            "transcription_ms": f"{transcript.latency_s * 1000:.1f}",
        }
    )
    if transcript.language:
        meta["language"] = transcript.language
    return dataclasses.replace(message, text=text, meta=meta)


def with_voice_error(message: InboundMessage, reason: VoiceError) -> InboundMessage:
    """`message` marked as a voice note that could not be transcribed, and why."""
    return dataclasses.replace(message, meta={**message.meta, VOICE_ERROR: reason})


def transcript_facts(message: InboundMessage) -> TranscriptFacts | None:
    """The transcription facts `with_transcript` stored, or None for any other message."""
    meta = message.meta
    if meta.get(TRANSCRIBED) != "true":
        return None

    def number(key: str) -> float:
        try:
            return float(meta.get(key, "0"))
        except ValueError:
            return 0.0

    return TranscriptFacts(
        language=meta.get("language") or None,
        provider=meta.get("transcription_provider", ""),
        model=meta.get("transcription_model", ""),
        audio_seconds=number("audio_seconds"),
        cost_usd=number("transcription_cost_usd"),
        latency_ms=number("transcription_ms"),
    )


async def transcribe_saved(
    message: InboundMessage,
    *,
    path: Path,
    filename: str,
    content_type: str,
    transcriber: Transcriber,
    deadline: float,
    max_seconds: float | None = None,
    declared_seconds: float | None = None,
) -> InboundMessage:
    """Transcribe the downloaded note at `path` into `message`, and delete the file.

    The file is deleted whatever happens (it is re-downloaded on a retry). The result carries
    the transcript (`with_transcript`) or, when no provider produced one, the reason
    (`with_voice_error`); it never raises `TranscriptionFailed`.
    """
    try:
        data = await anyio.Path(path).read_bytes()
        audio = Audio(data=data, filename=filename, content_type=content_type,
                      declared_seconds=declared_seconds)  # fmt: skip
        transcript = await transcriber.transcribe(
            audio, deadline=deadline, max_seconds=max_seconds,
            correlation_id=message.correlation_id or None, channel=message.channel or None,
        )  # fmt: skip
    except TranscriptionFailed as exc:
        return with_voice_error(message, exc.reason)
    finally:
        await anyio.Path(path).unlink(missing_ok=True)
    return with_transcript(message, transcript)


class SavedNote(Protocol):
    """A downloaded note (`onebox_service.SavedMedia` is one)."""

    @property
    def path(self) -> Path: ...

    @property
    def filename(self) -> str: ...

    @property
    def content_type(self) -> str: ...


def saved_note_transcriber(
    transcriber: Transcriber,
    *,
    max_seconds: float | None,
    budget_s: float = 60.0,
    clock: Callable[[], float] = time.time,
) -> Callable[[InboundMessage, SavedNote], Awaitable[InboundMessage]]:
    """A media stage's transcribe step: `transcribe_saved` with a deadline `budget_s` ahead.

    The platform's declared duration (``meta["duration"]``, whole seconds) is passed on, so a
    note over `max_seconds` is refused before any upload.
    """

    async def transcribe(message: InboundMessage, saved: SavedNote) -> InboundMessage:
        declared = message.meta.get("duration", "")
        return await transcribe_saved(
            message, path=saved.path, filename=saved.filename, content_type=saved.content_type,
            transcriber=transcriber, deadline=clock() + budget_s, max_seconds=max_seconds,
            declared_seconds=float(declared) if declared.isdigit() else None,
        )  # fmt: skip

    return transcribe
