"""`FakeTranscriptionServer`: OpenAI-compatible ``POST /audio/transcriptions``, strictly checked.

It accepts what Groq's and OpenAI's endpoint accept and refuses the rest the way they do:
``multipart/form-data`` only; the parts ``file`` (with a file name whose extension is an
accepted audio type) and ``model`` (a model it serves, else 404) are required; ``language``
must be an ISO 639-1 code; ``response_format`` is ``json``, ``verbose_json`` or ``text``;
an unknown part is a 400 (a misspelt ``file`` is caught here, not in production); a file
over 25 MB is a 413. ``verbose_json`` answers carry ``language`` (Whisper's English name, as
Groq sends it) and ``duration`` measured from the upload itself (the WAV header, or the last
Ogg page's granule position). Scripted answers: `heard` (a transcript, language, duration),
`rate_limited` (429 with ``retry-after`` and Groq's ``x-ratelimit-*`` headers), `too_large`,
and the base class's `server_error`, `hang`, `slow`, `malformed`, `unauthorized`.
"""

from __future__ import annotations

import re
import struct
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from onebox_router.transcribe.languages import WHISPER_LANGUAGES

from ._server import Answer, FakeServer, RecordedRequest, Script

TranscriptionFlavour = Literal["groq", "local"]
#: The upload ceiling of Groq's and OpenAI's endpoint.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
ACCEPTED_EXTENSIONS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "opus", "wav", "webm")
_FIELDS = frozenset(
    {"file", "model", "language", "prompt", "response_format", "temperature",
     "timestamp_granularities[]"}
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class HeardScript(Script):
    """A scripted transcript: `text` plus the language and duration to report."""

    language: str | None = None
    duration: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Upload:
    """One upload answered with a transcript: its form fields and its file."""

    fields: dict[str, str]
    filename: str
    content_type: str
    data: bytes


def parse_multipart(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a ``multipart/form-data`` body: (lower-cased headers, content) each.

    Raises:
        ValueError: not multipart/form-data, no boundary, or a malformed body.
    """
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        raise ValueError("Content-Type must be multipart/form-data")
    match = re.search(r'boundary="?([^";]+)"?', params)
    if match is None:
        raise ValueError("multipart boundary is missing")
    delimiter = b"--" + match.group(1).encode()
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise ValueError("multipart body is not terminated")
    parts = []
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise ValueError("multipart part is malformed")
        head, sep, content = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("multipart part has no header end")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if not colon:
                raise ValueError("multipart header is malformed")
            headers[name.strip().lower()] = value.strip()
        parts.append((headers, content))
    return parts


def _disposition(value: str) -> dict[str, str]:
    return {k.lower(): v for k, v in re.findall(r';\s*([\w*]+)="([^"]*)"', ";" + value)}


def measure_seconds(data: bytes) -> float:
    """The length of a WAV (header) or Ogg/Opus (last granule position) file; else a guess."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) >= 44:
        byte_rate = int(struct.unpack_from("<I", data, 28)[0])
        if byte_rate:
            return (len(data) - 44) / byte_rate
    if data[:4] == b"OggS":
        last = data.rfind(b"OggS")
        granule = int(struct.unpack_from("<q", data, last + 6)[0])
        head = data.find(b"OpusHead")
        if head >= 0:
            pre_skip = int(struct.unpack_from("<H", data, head + 10)[0])
            return max(0.0, (granule - pre_skip) / 48_000)
    return len(data) / 2_000


class FakeTranscriptionServer(FakeServer):
    """An OpenAI-compatible speech-to-text server (see the module docstring).

    Args:
        flavour: ``groq`` (path ``/openai/v1``, bearer key required, rate-limit headers on
            every answer) or ``local`` (path ``/v1``, key ignored).
        api_key: the key Groq accepts.
        models: models it serves.
        transcript: the text of an unscripted success (or `responder`'s, when given).
        language: Whisper's name of the language it reports (``english``).
    """

    def __init__(
        self,
        *,
        flavour: TranscriptionFlavour = "groq",
        api_key: str = "gsk_test_key",
        models: tuple[str, ...] = ("whisper-large-v3-turbo", "whisper-large-v3"),
        transcript: str = "Hello, what time do you open tomorrow?",
        language: str = "english",
        responder: Callable[[RecordedRequest], str] | None = None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        super().__init__(responder=responder or (lambda request: self.transcript))
        self.flavour: TranscriptionFlavour = flavour
        self.api_key = api_key
        self.models = models
        self.transcript = transcript
        self.language = language
        self.max_upload_bytes = max_upload_bytes
        self.prefix = "/openai/v1" if flavour == "groq" else "/v1"
        self.uploads: list[Upload] = []
        self.remaining_requests = 2_000
        self._uploads_lock = threading.Lock()

    # --- scripting -------------------------------------------------------------------------
    def heard(
        self, text: str, *, language: str | None = None, duration: float | None = None
    ) -> Script:
        """A success with `text`, reporting `language` (Whisper's name) and `duration`."""
        return HeardScript(text=text, language=language, duration=duration)

    def rate_limited(self, retry_after: float | None = 2.0) -> Script:
        """Groq's 429 for audio: ``retry-after`` (unless None) and exhausted request counters."""
        headers = {
            "x-ratelimit-limit-requests": "2000",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "1m26.4s",
        }
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        message = (
            "Rate limit reached for model `whisper-large-v3-turbo` in organization `org_01fake` "
            "service tier `on_demand` on requests per day (RPD): Limit 2000, Used 2000, "
            f"Requested 1. Please try again in {retry_after or 86.4:g}s."
        )
        body = {"error": {"message": message, "type": "requests", "code": "rate_limit_exceeded"}}
        return Script(status=429, body=body, headers=headers)

    def too_large(self) -> Script:
        """The 413 a file over the upload ceiling gets."""
        return Script(status=413, body=self._error_body(413, "", "Request Entity Too Large"))

    @property
    def audio_received(self) -> list[bytes]:
        """The audio files received, in order."""
        with self._uploads_lock:
            return [upload.data for upload in self.uploads]

    # --- the protocol ----------------------------------------------------------------------
    def _error_body(self, status: int, kind: str, message: str) -> Any:
        code = {401: "invalid_api_key", 404: "model_not_found", 413: "request_too_large"}
        return {
            "error": {"message": message, "type": "invalid_request_error", "code": code.get(status)}
        }

    def _rate_headers(self) -> dict[str, str]:
        if self.flavour != "groq":
            return {}
        return {
            "x-ratelimit-limit-requests": "2000",
            "x-ratelimit-remaining-requests": str(max(self.remaining_requests, 0)),
            "x-ratelimit-reset-requests": "43.2s",
        }

    def _fail(self, status: int, message: str) -> Answer:
        return Answer(
            status, self._rate_headers(), orjson.dumps(self._error_body(status, "", message))
        )

    def _respond(self, request: RecordedRequest, body: bytes) -> tuple[Answer, Script | None]:
        if request.method != "POST" or request.path != self.prefix + "/audio/transcriptions":
            return self._fail(404, f"Unknown request URL: {request.method} {request.path}"), None
        if (
            self.flavour == "groq"
            and request.headers.get("authorization") != f"Bearer {self.api_key}"
        ):
            return self._fail(401, "Invalid API Key"), None
        if len(body) > self.max_upload_bytes:
            return self._fail(413, "Request Entity Too Large"), None
        upload = self._validate(request.headers.get("content-type", ""), body)
        if isinstance(upload, Answer):
            return upload, None
        script = self._next() or Script()
        self.remaining_requests -= 1
        answer = self._scripted(script, lambda s: self._success(request, upload, s))
        if answer.status == 200:
            with self._uploads_lock:
                self.uploads.append(upload)
        answer.headers = {**self._rate_headers(), **answer.headers}
        return answer, script

    def _validate(self, content_type: str, body: bytes) -> Upload | Answer:
        try:
            parts = parse_multipart(content_type, body)
        except ValueError as exc:
            return self._fail(400, str(exc))
        fields: dict[str, str] = {}
        file: tuple[str, str, bytes] | None = None
        for headers, content in parts:
            disposition = _disposition(headers.get("content-disposition", ""))
            name = disposition.get("name", "")
            if name not in _FIELDS:
                return self._fail(400, f"unknown parameter: {name!r}")
            if name == "file":
                if "filename" not in disposition:
                    return self._fail(400, "'file' must be a file upload")
                ctype = headers.get("content-type", "application/octet-stream")
                file = (disposition["filename"], ctype, content)
            else:
                fields[name] = content.decode("utf-8", "replace")
        if file is None:
            return self._fail(400, "'file' : property 'file' is missing")
        model = fields.get("model")
        if not model:
            return self._fail(400, "'model' : property 'model' is missing")
        if model not in self.models:
            return self._fail(
                404, f"The model `{model}` does not exist or you do not have access to it."
            )
        response_format = fields.get("response_format", "json")
        if response_format not in ("json", "verbose_json", "text"):
            return self._fail(400, "response_format must be one of json, verbose_json, text")
        language = fields.get("language")
        if language is not None and language not in WHISPER_LANGUAGES:
            return self._fail(400, f"language {language!r} is not a valid ISO-639-1 code")
        filename, ctype, data = file
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if extension not in ACCEPTED_EXTENSIONS:
            return self._fail(
                400, f"file must be one of the following types: {list(ACCEPTED_EXTENSIONS)}"
            )
        if not data:
            return self._fail(400, "file is empty")
        return Upload(fields=fields, filename=filename, content_type=ctype, data=data)

    def _success(self, request: RecordedRequest, upload: Upload, script: Script) -> Answer:
        text = script.text if script.text is not None else self.responder(request)
        language = self.language
        duration = round(measure_seconds(upload.data), 3)
        if isinstance(script, HeardScript):
            language = script.language or language
            duration = script.duration if script.duration is not None else duration
        hint = upload.fields.get("language")
        if hint is not None and not (isinstance(script, HeardScript) and script.language):
            language = WHISPER_LANGUAGES[hint]
        response_format = upload.fields.get("response_format", "json")
        extra = {"x_groq": {"id": f"req_{uuid.uuid4().hex[:12]}"}} if self.flavour == "groq" else {}
        if response_format == "text":
            return Answer(200, {"content-type": "text/plain; charset=utf-8", **script.headers},
                          text.encode())  # fmt: skip
        body: dict[str, Any] = {"text": text, **extra}
        if response_format == "verbose_json":
            body = {
                "task": "transcribe", "language": language, "duration": duration, "text": text,
                "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": duration, "text": text,
                              "avg_logprob": -0.2, "compression_ratio": 1.1,
                              "no_speech_prob": 0.01, "temperature": 0.0}],
                **extra,
            }  # fmt: skip
        return Answer(200, dict(script.headers), orjson.dumps(body))
