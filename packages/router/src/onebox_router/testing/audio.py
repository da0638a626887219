"""Real audio for tests, made at test time: speech from ``espeak-ng``, re-encoded by ``sox`` and
``ffmpeg`` into the containers the platforms send (Ogg/Opus voice notes, MP3, M4A).

Nothing is checked in: `make_speech` synthesises one sentence into a directory and returns the
files. When a tool is missing it raises `AudioToolsMissing`; the test fixture decides whether
that is a skip (a developer machine) or a failure (CI, where the tools are installed).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TOOLS = ("espeak-ng", "sox", "ffmpeg")
DEFAULT_SENTENCE = "Hello, what time do you open tomorrow?"


class AudioToolsMissing(RuntimeError):
    """A tool needed to make test audio is not installed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechFiles:
    """One spoken sentence in several containers.

    Attributes:
        sentence: what is said.
        wav: 16 kHz mono PCM WAV (``RIFF....WAVE``).
        ogg: Ogg/Opus, as Telegram and WhatsApp voice notes are (``OggS``).
        mp3: MPEG audio with an ID3 tag (``ID3``).
        m4a: AAC in an MP4 container (``....ftyp``), like a video note's audio.
    """

    sentence: str
    wav: Path
    ogg: Path
    mp3: Path
    m4a: Path


def missing_tools() -> list[str]:
    """The audio tools that are not on PATH."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)


def make_speech(directory: Path, sentence: str = DEFAULT_SENTENCE) -> SpeechFiles:
    """Synthesise `sentence` into `directory` as WAV, Ogg/Opus, MP3 and M4A.

    Raises:
        AudioToolsMissing: espeak-ng, sox or ffmpeg is not installed.
    """
    missing = missing_tools()
    if missing:
        raise AudioToolsMissing(
            f"{', '.join(missing)} not installed (Debian: apt-get install espeak-ng sox ffmpeg)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    raw, wav = directory / "espeak.wav", directory / "speech.wav"
    _run("espeak-ng", "-v", "en", "-s", "160", "-w", str(raw), sentence)
    _run("sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav))
    files = SpeechFiles(
        sentence=sentence, wav=wav, ogg=directory / "speech.ogg",
        mp3=directory / "speech.mp3", m4a=directory / "speech.m4a",
    )  # fmt: skip
    ffmpeg = ("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(wav))
    _run(*ffmpeg, "-c:a", "libopus", "-b:a", "24k", "-ac", "1", str(files.ogg))
    _run(*ffmpeg, "-c:a", "libmp3lame", "-b:a", "32k", str(files.mp3))
    _run(*ffmpeg, "-c:a", "aac", "-b:a", "32k", str(files.m4a))
    raw.unlink()
    return files
