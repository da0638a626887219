"""Test fakes: loopback servers speaking the providers' real protocols; a function provider.

`FakeOpenAIServer` speaks OpenAI-compatible chat completions in three flavours: ``groq``
(bearer key required, Groq's ``x-ratelimit-*`` headers on every response, Groq's 400s for
unsupported fields), ``ollama`` (``/v1``, key ignored, 503 "server busy") and ``llamacpp``
(``/health`` and 503 "Loading model" while `loading`). `FakeAnthropicServer` speaks the Messages
API with its required headers and fields, error envelope, rate-limit headers, 429 with and
without ``retry-after`` and 529. Both validate requests as strictly as the real APIs, record
every request, and answer from a script (`push`) or, when the script is empty, with a success
whose text comes from `responder`. They listen on 127.0.0.1 on a free port, in a thread, and
work from sync and async tests alike::

    with FakeOpenAIServer(flavour="groq") as groq:
        groq.push(groq.rate_limited(retry_after=7))
        ... OpenAICompatProvider("groq", http=client, base_url=groq.url, api_key=groq.api_key,
                                 model="llama-3.1-8b-instant")

`FakeTranscriptionServer` speaks OpenAI-compatible ``/audio/transcriptions`` (multipart),
strictly. `FunctionProvider` is a `Provider` that runs a test function.
"""

from __future__ import annotations

from ._server import RecordedRequest, Script
from .anthropic import FakeAnthropicServer
from .audio import AudioToolsMissing, SpeechFiles, make_speech, missing_tools
from .openai import FakeOpenAIServer, Flavour
from .providers import FunctionProvider, FunctionResult, conversation, provider_config
from .transcription import (
    FakeTranscriptionServer,
    HeardScript,
    Upload,
    measure_seconds,
    parse_multipart,
)

__all__ = [
    "AudioToolsMissing",
    "FakeAnthropicServer",
    "FakeOpenAIServer",
    "FakeTranscriptionServer",
    "Flavour",
    "FunctionProvider",
    "FunctionResult",
    "HeardScript",
    "RecordedRequest",
    "Script",
    "SpeechFiles",
    "Upload",
    "conversation",
    "make_speech",
    "measure_seconds",
    "missing_tools",
    "parse_multipart",
    "provider_config",
]
