"""A small client for the WhatsApp Cloud API (Graph API) over an injected `httpx.AsyncClient`.

It sends text, templates, images (uploaded first: ``POST /{phone-number-id}/media``) and read
receipts from one business phone number, reads the number's details for ``verify-setup``, and
downloads customers' voice notes: ``GET /{media-id}`` (bearer) gives a URL that expires after
about 5 minutes, which is downloaded with the same bearer token; when it answers
401/403/404/410 (expired) the URL is fetched again, once. Every error becomes a
`GraphApiError` carrying Meta's ``error.code``; timeouts and connection failures become a
transient `GraphApiError` with no code. The client never logs or returns the access token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import structlog
from onebox_service import (
    MediaGone,
    MediaUnavailable,
    SavedMedia,
    check_declared,
    download_audio,
)
from pydantic import SecretStr

from .errors import GraphApiError

DEFAULT_API_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v23.0"
_BSUID = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9.]+$")
#: The Cloud API's ceiling for audio media.
AUDIO_LIMIT_BYTES = 16 * 1024 * 1024
log = structlog.get_logger()


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaInfo:
    """``GET /{media-id}``: where to download the media (for a few minutes) and what it is."""

    media_id: str
    url: str
    mime_type: str | None
    sha256: str | None
    file_size: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SentMessage:
    """The Graph API's answer to an accepted send: accepted, not yet delivered."""

    message_id: str
    wa_id: str | None = None


class GraphApiClient:
    """Calls the Graph API as one business phone number.

    Args:
        http: the client to send with (its owner closes it).
        api_url: the Graph API base, e.g. ``https://graph.facebook.com``.
        api_version: e.g. ``v23.0``.
        phone_number_id: the business phone number id messages are sent from.
        access_token: the system-user or app access token.
        timeout: seconds for each request.
    """

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        api_url: str = DEFAULT_API_URL,
        api_version: str = DEFAULT_API_VERSION,
        phone_number_id: str,
        access_token: SecretStr,
        timeout: float = 10.0,
    ) -> None:
        self._http = http
        self._base = f"{api_url.rstrip('/')}/{api_version.strip('/')}"
        self.phone_number_id = phone_number_id
        self._token = access_token
        self.timeout = timeout

    @property
    def messages_url(self) -> str:
        """Where messages are posted."""
        return f"{self._base}/{self.phone_number_id}/messages"

    async def send_text(
        self, to: str, body: str, *, reply_to: str | None = None, preview_url: bool = False
    ) -> SentMessage:
        """Send one text message (at most 4096 characters) to a wa_id or a BSUID."""
        payload: dict[str, Any] = {
            **_recipient(to),
            "type": "text",
            "text": {"body": body, "preview_url": preview_url},
        }
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        return _sent(await self._post(payload))

    async def send_template(
        self, to: str, *, name: str, language: str, components: list[dict[str, Any]] | None = None
    ) -> SentMessage:
        """Send an approved template (allowed outside the 24-hour window)."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = components
        return _sent(await self._post({**_recipient(to), "type": "template", "template": template}))

    async def upload_media(self, data: bytes, *, mime_type: str, filename: str) -> str:
        """Upload a file for a later media message; its media id.

        ``POST /{phone-number-id}/media`` as multipart form data: ``messaging_product``
        (``whatsapp``), ``type`` (the MIME type) and ``file`` (the bytes, with that type).
        """
        data_fields = {"messaging_product": "whatsapp", "type": mime_type}
        answer = await self._request(
            "POST",
            f"{self._base}/{self.phone_number_id}/media",
            content_type=None,  # httpx writes the multipart boundary
            data=data_fields,
            files={"file": (filename, data, mime_type)},
        )
        media_id = answer.get("id")
        if not isinstance(media_id, str | int) or not str(media_id):
            raise GraphApiError(status_code=200, code=None, title="upload answer without an id")
        return str(media_id)

    async def send_image(
        self, to: str, media_id: str, *, caption: str | None = None, reply_to: str | None = None
    ) -> SentMessage:
        """Send an uploaded image (at most 1024 characters of caption) to a wa_id or BSUID."""
        image: dict[str, Any] = {"id": media_id}
        if caption:
            image["caption"] = caption
        payload: dict[str, Any] = {**_recipient(to), "type": "image", "image": image}
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        return _sent(await self._post(payload))

    async def mark_read(self, message_id: str, *, typing: bool = False) -> None:
        """Mark a customer's message (and the earlier ones) as read, optionally showing typing."""
        payload: dict[str, Any] = {"status": "read", "message_id": message_id}
        if typing:
            payload["typing_indicator"] = {"type": "text"}
        await self._post(payload)

    async def phone_number(self) -> dict[str, Any]:
        """The phone number's details (``display_phone_number``, ``verified_name``, ...)."""
        return await self._request(
            "GET",
            f"{self._base}/{self.phone_number_id}",
            params={"fields": "display_phone_number,verified_name,quality_rating"},
        )

    async def media_info(self, media_id: str) -> MediaInfo:
        """``GET /{media-id}``: the short-lived download URL and the media's type and size.

        Raises:
            GraphApiError: unknown or expired media id (code 100), token problems, ...
        """
        data = await self._request(
            "GET", f"{self._base}/{media_id}", params={"phone_number_id": self.phone_number_id}
        )
        url = data.get("url")
        if not isinstance(url, str) or not url:
            raise GraphApiError(status_code=200, code=None, title="media answer without a url")
        size = _int(data.get("file_size"))
        mime, digest = data.get("mime_type"), data.get("sha256")
        return MediaInfo(
            media_id=media_id, url=url, mime_type=mime if isinstance(mime, str) else None,
            sha256=digest if isinstance(digest, str) else None, file_size=size,
        )  # fmt: skip

    async def download_media(
        self,
        media_id: str,
        *,
        dest_dir: Path,
        limit: int = AUDIO_LIMIT_BYTES,
        declared_type: str | None = None,
    ) -> SavedMedia:
        """Fetch a customer's voice note (or audio file) into a new file under `dest_dir`.

        The URL is fetched now (it expires within minutes), and fetched again once if the
        download answers that it has expired. The file's SHA-256 is checked against Meta's.

        Raises:
            MediaTooLarge: over `limit` (declared by the webhook or the media info, or while
                streaming).
            MediaNotAudio: the declared type or the first bytes are not audio.
            MediaGone: the media id is unknown or expired, or the URL stayed expired.
            MediaUnavailable: a retryable failure (5xx, rate limit, network, bad checksum).
            GraphApiError: the access token or permissions are wrong (``kind == "config"``).
        """
        check_declared(content_type=declared_type, size=None, limit=limit)
        for attempt in (1, 2):
            info = await self._media_info_or_media_error(media_id)
            check_declared(content_type=info.mime_type, size=info.file_size, limit=limit)
            try:
                saved = await download_audio(
                    self._http, info.url, dest_dir=dest_dir, limit=limit,
                    headers={"Authorization": f"Bearer {self._token.get_secret_value()}"},
                    declared_type=info.mime_type, limits=max(self.timeout, 30.0),
                )  # fmt: skip
            except MediaGone as exc:
                if attempt == 2:
                    raise
                log.info("whatsapp.media_url_refetched", status_code=exc.status_code)
                continue
            if info.sha256 and saved.sha256 != info.sha256.lower():
                saved.path.unlink(missing_ok=True)
                raise MediaUnavailable("media download does not match its sha256")
            return saved
        raise AssertionError("unreachable")  # pragma: no cover

    async def _media_info_or_media_error(self, media_id: str) -> MediaInfo:
        try:
            return await self.media_info(media_id)
        except GraphApiError as exc:
            if exc.kind == "permanent":
                raise MediaGone(exc.status_code) from None
            if exc.kind in ("transient", "rate_limited"):
                raise MediaUnavailable(f"media info failed: {exc.reason}") from None
            raise

    async def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = orjson.dumps({"messaging_product": "whatsapp", **payload})
        return await self._request("POST", self.messages_url, content=body)

    async def _request(
        self, method: str, url: str, *, content_type: str | None = "application/json", **kwargs: Any
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            response = await self._http.request(
                method, url, headers=headers, timeout=self.timeout, **kwargs
            )
        except httpx.TimeoutException:
            raise GraphApiError(status_code=0, code=None, title="request timed out") from None
        except httpx.HTTPError as exc:
            title = f"request failed: {type(exc).__name__}"
            raise GraphApiError(status_code=0, code=None, title=title) from None
        return _decode(response)


def _recipient(to: str) -> dict[str, str]:
    if _BSUID.match(to):
        return {"recipient_type": "individual", "recipient": to}
    return {"recipient_type": "individual", "to": to}


def _decode(response: httpx.Response) -> dict[str, Any]:
    try:
        data = orjson.loads(response.content) if response.content else {}
    except orjson.JSONDecodeError:
        data = None
    if response.is_success and isinstance(data, dict):
        return data
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        title = "response is not JSON" if response.is_success else response.reason_phrase
        raise GraphApiError(status_code=response.status_code, code=None, title=title)
    details = error.get("error_data")
    raise GraphApiError(
        status_code=response.status_code,
        code=_int(error.get("code")),
        subcode=_int(error.get("error_subcode")),
        title=str(error.get("message") or error.get("error_user_title") or "error"),
        details=str(details["details"])
        if isinstance(details, dict) and "details" in details
        else None,
        fbtrace_id=error.get("fbtrace_id"),
        is_transient=flag if isinstance(flag := error.get("is_transient"), bool) else None,
    )


def _sent(data: dict[str, Any]) -> SentMessage:
    messages = data.get("messages")
    if not (isinstance(messages, list) and messages and isinstance(messages[0], dict)):
        raise GraphApiError(status_code=200, code=None, title="send answer without a message id")
    contacts = data.get("contacts")
    wa_id = contacts[0].get("wa_id") if isinstance(contacts, list) and contacts else None
    return SentMessage(message_id=str(messages[0]["id"]), wa_id=wa_id)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
