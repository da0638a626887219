"""Media as `FakeGraphApi` serves it: lookups by id and short-lived download URLs.

``GET /{version}/{media-id}`` (bearer) answers the media's ``url`` (a fresh lookaside URL each
time), ``mime_type``, ``sha256`` and ``file_size``; that URL is downloaded with the same bearer
token, and `expire_next` makes the next downloads answer 404 as an expired URL does.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass

from ._graph_errors import _ok, _Script

ATTACHMENTS_PATH = "/whatsapp_business/attachments/"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredMedia:
    """One media object the fake holds."""

    data: bytes
    mime_type: str


class MediaStore:
    """The fake's media objects and the download URLs it handed out (thread-safe)."""

    def __init__(self, *, access_token: str) -> None:
        self.access_token = access_token
        self._media: dict[str, StoredMedia] = {}
        self._urls: dict[str, str] = {}
        self._expire_downloads = 0
        self._lock = threading.Lock()

    def add(self, media_id: str, data: bytes, *, mime_type: str) -> None:
        """Hold `data` as the media `media_id`."""
        with self._lock:
            self._media[media_id] = StoredMedia(data=data, mime_type=mime_type)

    def get(self, media_id: str) -> StoredMedia | None:
        """The media `media_id`, if the fake holds it."""
        with self._lock:
            return self._media.get(media_id)

    def expire_next(self, times: int) -> None:
        """The next `times` downloads of a media URL answer 404."""
        with self._lock:
            self._expire_downloads += times

    def info(self, media_id: str, *, base_url: str) -> _Script:
        """The answer to ``GET /{version}/{media-id}`` for a media the fake holds."""
        with self._lock:
            media = self._media[media_id]
            token = secrets.token_hex(12)
            self._urls[token] = media_id
        url = f"{base_url}{ATTACHMENTS_PATH}?mid={media_id}&ext={int(time.time())}&hash={token}"
        return _ok(
            {
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": media.mime_type,
                "sha256": hashlib.sha256(media.data).hexdigest(),
                "file_size": str(len(media.data)),
                "id": media_id,
            }
        )

    def download(self, path: str, headers: dict[str, str]) -> _Script:
        """The answer to a GET of a download URL (`path` with its query)."""
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return _Script(status=401, body=b"", content_type="text/plain")
        found = re.search(r"[?&]hash=([0-9a-f]+)", path)
        with self._lock:
            media_id = self._urls.get(found.group(1)) if found else None
            expired = self._expire_downloads > 0 and media_id is not None
            if expired:
                self._expire_downloads -= 1
            media = self._media.get(media_id) if media_id is not None else None
        if media is None or expired:
            return _Script(status=404, body=b"", content_type="text/plain")
        return _Script(status=200, body=media.data, content_type=media.mime_type)
