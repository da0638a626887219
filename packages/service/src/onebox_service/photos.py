"""Fetching a photo to pass on: size cap, JPEG or PNG only, into memory.

An operator's photo for a WhatsApp customer is downloaded by the Telegram agent and handed to
the WhatsApp agent as a parcel (`parcels`). WhatsApp shows JPEG and PNG images up to 5 MB, so
that is what is fetched: `fetch_photo` refuses before the request when the declared size is
already over the cap, stops reading at the cap whatever ``Content-Length`` said, and sniffs
the first bytes (``FF D8 FF`` for JPEG, the PNG signature) so a file posing as a photo is
refused. The errors are the media errors of `media` plus `MediaNotImage`; their `reason`
says, for the person who sent the photo, why it did not go.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx

from .media import (
    GENERIC_TYPES,
    MediaError,
    MediaTooLarge,
    MediaUnavailable,
    base_type,
    check_status,
)

#: What WhatsApp shows as a photo: type -> canonical type.
IMAGE_TYPES: dict[str, str] = {
    "image/jpeg": "image/jpeg",
    "image/jpg": "image/jpeg",
    "image/png": "image/png",
}
_PNG = b"\x89PNG\r\n\x1a\n"
_CHUNK = 64 * 1024


class MediaNotImage(MediaError):
    """The declared type or the file's first bytes are not JPEG or PNG."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchedPhoto:
    """A photo in memory, checked: at most the cap, JPEG or PNG.

    Attributes:
        data: its bytes.
        content_type: ``image/jpeg`` or ``image/png`` (from its first bytes).
        sha256: hex digest of the bytes.
    """

    data: bytes
    content_type: str
    sha256: str

    @property
    def filename(self) -> str:
        """A name with the type's extension, for an upload."""
        return "photo.png" if self.content_type == "image/png" else "photo.jpg"


def sniff_image(head: bytes) -> str | None:
    """``image/jpeg`` or ``image/png`` as the first bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(_PNG):
        return "image/png"
    return None


def megabytes(size: int) -> str:
    """``5 MB`` / ``7.3 MB``: a size as a person reads it (MB of 1024 * 1024 bytes)."""
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"


def too_large_reason(exc: MediaTooLarge, *, channel: str) -> str:
    """Why a photo over the cap was not sent (`channel`: where it was going)."""
    said = f"the photo is {megabytes(exc.size)}," if exc.size is not None else "the photo is"
    return f"{said} more than the {megabytes(exc.limit)} a photo on {channel} may be"


async def fetch_photo(
    http: httpx.AsyncClient,
    url: str,
    *,
    limit: int,
    headers: dict[str, str] | None = None,
    declared_size: int | None = None,
    limits: httpx.Timeout | float = 30.0,
) -> FetchedPhoto:
    """Download `url` into memory: at most `limit` bytes, JPEG or PNG only.

    `limits` is httpx's timeout (read is per chunk). Errors never include the URL (it may
    hold a token).

    Raises:
        MediaTooLarge: `declared_size`, ``Content-Length`` or the bytes exceed `limit`.
        MediaNotImage: the served type or the first bytes are not JPEG or PNG.
        MediaGone: the URL answered 401, 403, 404 or 410.
        MediaUnavailable: another error status, a timeout or a connection failure.
    """
    if declared_size is not None and declared_size > limit:
        raise MediaTooLarge(limit=limit, size=declared_size)
    try:
        async with http.stream("GET", url, headers=headers, timeout=limits) as response:
            check_status(response, limit)
            served = base_type(response.headers.get("content-type"))
            if served not in GENERIC_TYPES and served not in IMAGE_TYPES:
                raise MediaNotImage(f"the file server sent {served!r}, not a photo")
            data = bytearray()
            async for chunk in response.aiter_bytes(_CHUNK):
                data += chunk
                if len(data) > limit:
                    raise MediaTooLarge(limit=limit)
    except httpx.HTTPError as exc:
        raise MediaUnavailable(f"photo download failed: {type(exc).__name__}") from None
    content_type = sniff_image(bytes(data[:8]))
    if content_type is None:
        raise MediaNotImage("the file's first bytes are not JPEG or PNG")
    return FetchedPhoto(
        data=bytes(data), content_type=content_type, sha256=hashlib.sha256(data).hexdigest()
    )
