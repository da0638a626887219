"""Downloading a customer's voice note safely: size cap, content check, a file only under the
data directory.

Both agents fetch media the same way once they hold a URL (Telegram's file URL, WhatsApp's
short-lived media URL): `download_audio` refuses before the request when the platform's
declared size or type is already wrong, streams the body into a freshly generated file name
under ``dest_dir`` (never a name from the platform), stops at the cap whatever the
``Content-Length`` said, and sniffs the first bytes so that a non-audio file posing as audio
(an image, an HTML error page, a PDF) is refused and deleted. The caller deletes the file
once it is transcribed. The errors say what the customer should be told and whether a retry
can help:

    ChannelError
    └── MediaError
        ├── MediaTooLarge       over the cap (declared or while streaming): tell the customer
        ├── MediaNotAudio       the type or the bytes are not an accepted audio format
        ├── MediaGone           404/401/403/410: the URL expired or the file is gone (refetch)
        └── MediaUnavailable    5xx, 429, timeout, connection: retryable later
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx

from .errors import ChannelError

#: Accepted declared types and the container each must sniff as.
AUDIO_TYPES: dict[str, str] = {
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "mp4",
    "audio/m4a": "mp4",
    "audio/x-m4a": "mp4",
    "audio/aac": "aac",
    "audio/amr": "amr",
    "video/mp4": "mp4",  # Telegram video notes: the audio track is what is transcribed
}
#: The canonical content type and file extension of each container.
CONTAINERS: dict[str, tuple[str, str]] = {
    "ogg": ("audio/ogg", ".ogg"),
    "mp3": ("audio/mpeg", ".mp3"),
    "mp4": ("audio/mp4", ".m4a"),
    "aac": ("audio/aac", ".aac"),
    "amr": ("audio/amr", ".amr"),
}
#: Types a file server may send for any file (Telegram's file server does).
GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", ""})
_SNIFF_BYTES = 12
_CHUNK = 64 * 1024


class MediaError(ChannelError):
    """A customer's media file could not be fetched or is not acceptable."""


class MediaTooLarge(MediaError):
    """The file is larger than `limit` bytes (`size` when it was declared)."""

    def __init__(self, *, limit: int, size: int | None = None) -> None:
        said = f"{size} bytes" if size is not None else "more"
        super().__init__(f"media file too large: {said} > limit {limit} bytes")
        self.limit = limit
        self.size = size


class MediaNotAudio(MediaError):
    """The declared type or the file's first bytes are not an accepted audio format."""


class MediaGone(MediaError):
    """The download URL answered 401/403/404/410: it expired, or the file is gone."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"media URL answered {status_code}")
        self.status_code = status_code


class MediaUnavailable(MediaError):
    """The download failed for a reason a later retry may fix (5xx, 429, network)."""

    retryable = True


@dataclass(frozen=True, slots=True, kw_only=True)
class SavedMedia:
    """A downloaded, checked audio file under the data directory.

    Attributes:
        path: where it was written (a generated name); the caller deletes it.
        size: bytes written.
        content_type: the canonical type of the sniffed container (``audio/ogg``).
        container: ``ogg``, ``mp3``, ``mp4``, ``aac`` or ``amr``.
        sha256: hex digest of the bytes (WhatsApp's media info carries one to compare).
    """

    path: Path
    size: int
    content_type: str
    container: str
    sha256: str

    @property
    def filename(self) -> str:
        """A name with the container's extension, for an upload."""
        return "voice" + CONTAINERS[self.container][1]


def base_type(content_type: str | None) -> str:
    """``audio/ogg`` from ``audio/ogg; codecs=opus`` (lower case, no parameters)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def sniff_audio(head: bytes) -> str | None:
    """The audio container the first bytes of a file announce, or None.

    ``OggS`` (Ogg), ``ID3`` or an MPEG audio frame sync (MP3), ``ftyp`` at offset 4 (MP4/M4A),
    an ADTS sync (AAC), ``#!AMR`` (AMR).
    """
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"#!AMR"):
        return "amr"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0x03
        if head[1] & 0xF0 == 0xF0 and layer == 0:
            return "aac"  # ADTS: 12-bit sync, layer 00
        if layer != 0:
            return "mp3"  # MPEG audio frame: 11-bit sync, layer I-III
    return None


def check_declared(*, content_type: str | None, size: int | None, limit: int) -> None:
    """Refuse before any download when the platform already said the file is unacceptable.

    Raises:
        MediaTooLarge: `size` is over `limit`.
        MediaNotAudio: `content_type` is given and not an accepted audio type.
    """
    if size is not None and size > limit:
        raise MediaTooLarge(limit=limit, size=size)
    declared = base_type(content_type)
    if declared and declared not in AUDIO_TYPES:
        raise MediaNotAudio(f"media type {declared!r} is not accepted audio")


async def download_audio(
    http: httpx.AsyncClient,
    url: str,
    *,
    dest_dir: Path,
    limit: int,
    headers: dict[str, str] | None = None,
    declared_type: str | None = None,
    declared_size: int | None = None,
    limits: httpx.Timeout | float = 30.0,
) -> SavedMedia:
    """Stream `url` into a new file under `dest_dir`, at most `limit` bytes, audio only.

    `limits` is httpx's timeout (read is per chunk). Errors never include the URL (it may
    hold a token).

    Raises:
        MediaTooLarge: declared size, ``Content-Length`` or the bytes themselves exceed `limit`.
        MediaNotAudio: the declared type, the response's type or the first bytes are not audio.
        MediaGone: the URL answered 401, 403, 404 or 410.
        MediaUnavailable: another error status, a timeout or a connection failure.
    """
    check_declared(content_type=declared_type, size=declared_size, limit=limit)
    await anyio.Path(dest_dir).mkdir(parents=True, exist_ok=True)
    try:
        async with http.stream("GET", url, headers=headers, timeout=limits) as response:
            _check_response(response, limit)
            return await _save(response, dest_dir, limit)
    except httpx.HTTPError as exc:
        raise MediaUnavailable(f"media download failed: {type(exc).__name__}") from None


def check_status(response: httpx.Response, limit: int) -> None:
    """Refuse a download's answer by its status and its ``Content-Length`` (any media kind).

    Raises:
        MediaGone: 401, 403, 404 or 410.
        MediaUnavailable: another status than 200.
        MediaTooLarge: the declared length is over `limit`.
    """
    status = response.status_code
    if status in (401, 403, 404, 410):
        raise MediaGone(status)
    if status != 200:
        raise MediaUnavailable(f"media download answered {status}")
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise MediaTooLarge(limit=limit, size=int(length))


def _check_response(response: httpx.Response, limit: int) -> None:
    check_status(response, limit)
    served = base_type(response.headers.get("content-type"))
    if served not in GENERIC_TYPES and served not in AUDIO_TYPES:
        raise MediaNotAudio(f"media server sent {served!r}, not audio")


async def _save(response: httpx.Response, dest_dir: Path, limit: int) -> SavedMedia:
    path = dest_dir / f"media-{secrets.token_hex(16)}.part"
    digest = hashlib.sha256()
    size, head, container = 0, b"", None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            async for chunk in response.aiter_bytes(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise MediaTooLarge(limit=limit)
                if container is None:
                    head = (head + chunk)[:_SNIFF_BYTES]
                    if len(head) >= _SNIFF_BYTES:
                        container = _sniffed(head)
                digest.update(chunk)
                await anyio.to_thread.run_sync(file.write, chunk)
        if container is None:
            container = _sniffed(head)
        final = path.with_suffix(CONTAINERS[container][1])
        os.replace(path, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return SavedMedia(
        path=final, size=size, content_type=CONTAINERS[container][0], container=container,
        sha256=digest.hexdigest(),
    )  # fmt: skip


def _sniffed(head: bytes) -> str:
    container = sniff_audio(head)
    if container is None:
        raise MediaNotAudio("the file's first bytes are not an accepted audio format")
    return container
