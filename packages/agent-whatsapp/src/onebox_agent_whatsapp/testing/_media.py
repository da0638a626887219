"""Media as `FakeGraphApi` keeps it: uploads, lookups by id and short-lived download URLs.

``POST /{version}/{phone-number-id}/media`` takes an upload as the Cloud API does: multipart
form data with ``messaging_product`` (``whatsapp``), ``type`` and ``file`` (its part's own
content type is the file's type); a type WhatsApp does not take answers 100 "Param file must
be a file with one of the following types", a file over its type's limit (5 MB for JPEG and
PNG images) answers 100 "File Too Large"; an accepted upload answers its new media ``id``.
``GET /{version}/{media-id}`` (bearer) answers the media's ``url`` (a fresh lookaside URL each
time), ``mime_type``, ``sha256`` and ``file_size``; that URL is downloaded with the same bearer
token, and `expire_next` makes the next downloads answer 404 as an expired URL does.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import itertools
import re
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass

from ._graph_errors import _error, _ok, _Script

ATTACHMENTS_PATH = "/whatsapp_business/attachments/"
MB = 1024 * 1024
#: The types an upload may have, in the order the Cloud API lists them, with their limits.
UPLOAD_LIMITS: dict[str, int] = {
    "audio/aac": 16 * MB,
    "audio/mp4": 16 * MB,
    "audio/mpeg": 16 * MB,
    "audio/amr": 16 * MB,
    "audio/ogg": 16 * MB,
    "audio/opus": 16 * MB,
    "application/vnd.ms-powerpoint": 100 * MB,
    "application/msword": 100 * MB,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * MB,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 * MB,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * MB,
    "application/pdf": 100 * MB,
    "text/plain": 100 * MB,
    "application/vnd.ms-excel": 100 * MB,
    "image/jpeg": 5 * MB,
    "image/png": 5 * MB,
    "image/webp": 500 * 1024,
    "video/mp4": 16 * MB,
    "video/3gpp": 16 * MB,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Upload:
    """One accepted upload: the media id it got, its type, its bytes and the form fields."""

    media_id: str
    mime_type: str
    data: bytes
    filename: str | None
    fields: dict[str, str]


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
        self._uploads: list[Upload] = []
        self._ids = itertools.count(1013859600285441)
        self._lock = threading.Lock()

    def add(self, media_id: str, data: bytes, *, mime_type: str) -> None:
        """Hold `data` as the media `media_id`."""
        with self._lock:
            self._media[media_id] = StoredMedia(data=data, mime_type=mime_type)

    def get(self, media_id: str) -> StoredMedia | None:
        """The media `media_id`, if the fake holds it."""
        with self._lock:
            return self._media.get(media_id)

    def uploads(self) -> list[Upload]:
        """The accepted uploads, in order."""
        with self._lock:
            return list(self._uploads)

    def upload(self, headers: dict[str, str], raw: bytes) -> _Script:
        """The answer to ``POST /{version}/{phone-number-id}/media`` (bearer already checked)."""
        fields, files = _form(headers.get("content-type", ""), raw)
        if fields.get("messaging_product") != "whatsapp":
            return _error(100, "(#100) The parameter messaging_product is required.", 400)
        if "file" not in files:
            return _error(100, "(#100) The parameter file is required.", 400)
        if not fields.get("type"):
            return _error(100, "(#100) The parameter type is required.", 400)
        filename, mime_type, data = files["file"]
        limit = UPLOAD_LIMITS.get(mime_type)
        if limit is None:
            return _error(
                100,
                "(#100) Param file must be a file with one of the following types: "
                f"{', '.join(UPLOAD_LIMITS)}. Received file of type '{mime_type}'.",
                400,
            )
        if len(data) > limit:
            return _error(
                100,
                "(#100) Invalid parameter",
                400,
                details=f"File Too Large: {mime_type} files may be at most {limit} bytes",
                user_title="File Too Large",
                user_msg="The file you uploaded is too large.",
            )
        media_id = str(next(self._ids))
        self.add(media_id, data, mime_type=mime_type)
        with self._lock:
            self._uploads.append(
                Upload(media_id=media_id, mime_type=mime_type, data=data, filename=filename,
                       fields=dict(fields))
            )  # fmt: skip
        return _ok({"id": media_id})

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


def _form(
    content_type: str, raw: bytes
) -> tuple[dict[str, str], dict[str, tuple[str | None, str, bytes]]]:
    """The fields and files of a form body (multipart, or urlencoded: fields only).

    A file part without its own ``Content-Type`` is ``application/octet-stream``, as the Cloud
    API reads it.
    """
    fields: dict[str, str] = {}
    files: dict[str, tuple[str | None, str, bytes]] = {}
    if content_type.lower().startswith("application/x-www-form-urlencoded"):
        return dict(urllib.parse.parse_qsl(raw.decode(errors="replace"))), files
    if not content_type.lower().startswith("multipart/form-data"):
        return fields, files
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            given = part.get("content-type")
            files[name] = (
                filename,
                part.get_content_type() if given else "application/octet-stream",
                data,
            )
        else:
            fields[name] = data.decode(errors="replace")
    return fields, files
