"""Speech to text for voice notes, through the router's quotas, breakers, budgets and ledger.

`Transcriber` walks a cheapest-first chain of `OpenAICompatTranscriber` providers (Groq's
``whisper-large-v3-turbo`` by default, any local OpenAI-compatible speech server by URL),
configured by the routing file's ``[transcription]`` table and priced per audio second.
"""

from .audio import AUDIO_PRICES, FREE_AUDIO, Audio, AudioPrice
from .build import build_transcriber, make_transcriber
from .chain import (
    TRANSCRIPTION_CLASS,
    SpeechProvider,
    Transcriber,
    Transcript,
    TranscriptionAttempt,
    TranscriptionFailed,
)
from .languages import WHISPER_LANGUAGES, language_code
from .message import (
    TRANSCRIBED,
    VOICE_ERROR,
    VOICE_KINDS,
    SavedNote,
    TranscriptFacts,
    VoiceError,
    is_voice,
    saved_note_transcriber,
    transcribe_saved,
    transcript_facts,
    with_transcript,
    with_voice_error,
)
from .openai import Heard, OpenAICompatTranscriber, ResponseFormat
from .policy import (
    GROQ_WHISPER,
    TranscriberConfig,
    TranscriberSpec,
    TranscriptionFile,
    TranscriptionPolicy,
    load_transcription_policy,
    resolve_transcription,
)

__all__ = [
    "AUDIO_PRICES",
    "FREE_AUDIO",
    "GROQ_WHISPER",
    "TRANSCRIBED",
    "TRANSCRIPTION_CLASS",
    "VOICE_ERROR",
    "VOICE_KINDS",
    "WHISPER_LANGUAGES",
    "Audio",
    "AudioPrice",
    "Heard",
    "OpenAICompatTranscriber",
    "ResponseFormat",
    "SavedNote",
    "SpeechProvider",
    "Transcriber",
    "TranscriberConfig",
    "TranscriberSpec",
    "Transcript",
    "TranscriptFacts",
    "TranscriptionAttempt",
    "TranscriptionFailed",
    "TranscriptionFile",
    "TranscriptionPolicy",
    "VoiceError",
    "build_transcriber",
    "is_voice",
    "language_code",
    "load_transcription_policy",
    "make_transcriber",
    "resolve_transcription",
    "saved_note_transcriber",
    "transcribe_saved",
    "transcript_facts",
    "with_transcript",
    "with_voice_error",
]
