"""The audio a transcription provider receives, and what listening to it costs.

`Audio` holds the bytes of one voice note (already downloaded and checked by the channel),
its file name and content type, and the duration when the platform declared one. `AudioPrice`
prices audio by the second, the way speech APIs bill: USD per audio hour with a minimum billed
length per request (Groq bills at least 10 s). `estimate_seconds` guesses the length before
the call, for budgets and audio-seconds quotas; the provider's reported duration replaces it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

#: Bytes per second of a typical voice note (Opus/AAC at ~16 kbit/s), when nothing better is known.
TYPICAL_VOICE_BYTES_PER_S = 2_000.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Audio:
    """One audio file to transcribe.

    Attributes:
        data: the file's bytes.
        filename: a name with the right extension (``voice.ogg``): providers derive the
            format from it.
        content_type: e.g. ``audio/ogg``.
        declared_seconds: the duration the platform declared (Telegram's ``voice.duration``),
            when it did.
    """

    data: bytes
    filename: str
    content_type: str
    declared_seconds: float | None = None

    @property
    def size(self) -> int:
        """The file's size in bytes."""
        return len(self.data)

    def estimate_seconds(self) -> float:
        """The audio's length before any provider has measured it."""
        if self.declared_seconds is not None and self.declared_seconds > 0:
            return float(self.declared_seconds)
        wav = _wav_seconds(self.data)
        if wav is not None:
            return wav
        return max(1.0, self.size / TYPICAL_VOICE_BYTES_PER_S)


def _wav_seconds(data: bytes) -> float | None:
    """The length of a canonical RIFF/WAVE file from its header, or None."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    byte_rate = int(struct.unpack_from("<I", data, 28)[0])
    if byte_rate <= 0:
        return None
    return max(0.0, (len(data) - 44) / byte_rate)


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioPrice:
    """USD per hour of audio, with a minimum billed length per request."""

    usd_per_hour: float
    minimum_seconds: float = 0.0

    def cost(self, seconds: float) -> float:
        """What transcribing `seconds` of audio costs, in USD."""
        return max(seconds, self.minimum_seconds) * self.usd_per_hour / 3600.0


FREE_AUDIO = AudioPrice(usd_per_hour=0.0)

#: List prices per audio hour (console.groq.com/docs/speech-to-text, as of 2026-11).
AUDIO_PRICES: dict[str, AudioPrice] = {
    "whisper-large-v3-turbo": AudioPrice(usd_per_hour=0.04, minimum_seconds=10.0),
    "whisper-large-v3": AudioPrice(usd_per_hour=0.111, minimum_seconds=10.0),
}
