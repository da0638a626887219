"""A small Bot API client over an injected `httpx.AsyncClient`, with error mapping.

Every call is ``POST {api_url}/bot<token>/<method>`` with a JSON body; the answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description",
"parameters": {"retry_after" | "migrate_to_chat_id"}}``. Errors are mapped from
``parameters`` first, then the HTTP status (error_code is "subject to change"), into the tree
of `errors`. The token is part of the URL only: it is removed from every error message, and
this client never logs a URL.

Files (voice notes, video notes, an operator's photo for another channel) are fetched in two
steps: ``getFile`` gives a ``file_path``, then ``GET {api_url}/file/bot<token>/<file_path>``
streams the bytes (the Bot API serves at most 20 MB). `TelegramBotAPI.download_file` does
both, refusing before any download when the declared size or type is already wrong, and
writes only under the given data directory; `TelegramBotAPI.fetch_photo` does both for a
photo, into memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
from onebox_service import (
    FetchedPhoto,
    MediaGone,
    MediaTooLarge,
    MediaUnavailable,
    SavedMedia,
    check_declared,
    download_audio,
    fetch_photo,
)
from pydantic import SecretStr

from .errors import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityParseError,
    TelegramForbidden,
    TelegramMigrated,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorized,
)

DEFAULT_API_URL = "https://api.telegram.org"
#: The largest file the Bot API lets a bot download.
FILE_LIMIT_BYTES = 20 * 1024 * 1024
DEFAULT_ALLOWED_UPDATES: tuple[str, ...] = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
)


def map_error(method: str, status_code: int, body: Any) -> TelegramAPIError:
    """The error for an ``ok: false`` answer (or a non-JSON one) of `method`."""
    description = "no description"
    parameters: dict[str, Any] = {}
    if isinstance(body, dict):
        description = str(body.get("description") or description)[:500]
        raw = body.get("parameters")
        parameters = raw if isinstance(raw, dict) else {}
    retry_after = parameters.get("retry_after")
    if isinstance(retry_after, int | float) and not isinstance(retry_after, bool):
        return TelegramRetryAfter(method, status_code, description, retry_after=float(retry_after))
    migrate = parameters.get("migrate_to_chat_id")
    if isinstance(migrate, int) and not isinstance(migrate, bool):
        return TelegramMigrated(method, status_code, description, migrate_to_chat_id=migrate)
    if status_code == 429:
        return TelegramRetryAfter(method, status_code, description, retry_after=1.0)
    if status_code == 403:
        return TelegramForbidden(method, status_code, description)
    if status_code in (401, 404):
        return TelegramUnauthorized(method, status_code, description)
    if status_code >= 500:
        return TelegramServerError(method, status_code, description)
    if "can't parse entities" in description.lower():
        return TelegramEntityParseError(method, status_code, description)
    return TelegramBadRequest(method, status_code, description)


class TelegramBotAPI:
    """The Bot API methods the agent uses.

    Args:
        token: the bot token (``123456:ABC...``).
        http: the client to send with; it belongs to the caller, who closes it.
        api_url: ``https://api.telegram.org`` or a local Bot API server / test fake.
        timeout: seconds for one call, connect to last byte.
    """

    def __init__(
        self,
        *,
        token: SecretStr | str,
        http: httpx.AsyncClient,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 10.0,
    ) -> None:
        self._token = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._http = http
        self._base = f"{api_url.rstrip('/')}/bot{self._token}/"
        self._file_base = f"{api_url.rstrip('/')}/file/bot{self._token}/"
        self.timeout = timeout

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Call `method` with `params` (None values dropped) and return its ``result``.

        Raises:
            TelegramNetworkError: no usable answer (the call may still have taken effect).
            TelegramAPIError: a subclass chosen by `map_error`.
        """
        body = orjson.dumps({k: v for k, v in (params or {}).items() if v is not None})
        try:
            response = await self._http.post(
                self._base + method,
                content=body,
                headers={"content-type": "application/json"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise TelegramNetworkError(
                f"{method!r} got no answer: {type(exc).__name__}: {self._redact(str(exc))}"
            ) from None
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict) and data.get("ok") is True and 200 <= response.status_code < 300:
            return data.get("result")
        if data is None and 200 <= response.status_code < 300:
            raise TelegramNetworkError(f"{method!r} answered {response.status_code} without JSON")
        error = map_error(method, response.status_code, data)
        error.description = self._redact(error.description)
        raise error

    async def send_message(
        self,
        chat_id: int | str,
        text: str,
        *,
        parse_mode: str | None = None,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
        disable_notification: bool | None = None,
    ) -> dict[str, Any]:
        """``sendMessage``; returns the sent Message object."""
        reply = None
        if reply_to_message_id is not None:
            reply = {"message_id": reply_to_message_id, "allow_sending_without_reply": True}
        result = await self.call(
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": text,
                "parse_mode": parse_mode,
                "reply_parameters": reply,
                "message_thread_id": message_thread_id,
                "disable_notification": disable_notification,
                "link_preview_options": {"is_disabled": True},
            },
        )
        return result if isinstance(result, dict) else {}

    async def send_photo(
        self,
        chat_id: int | str,
        photo: str,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        """``sendPhoto`` by ``file_id`` (a file the bot already has); returns the Message."""
        reply = None
        if reply_to_message_id is not None:
            reply = {"message_id": reply_to_message_id, "allow_sending_without_reply": True}
        result = await self.call(
            "sendPhoto",
            {
                "chat_id": chat_id,
                "photo": photo,
                "caption": caption or None,
                "parse_mode": parse_mode if caption else None,
                "reply_parameters": reply,
                "message_thread_id": message_thread_id,
            },
        )
        return result if isinstance(result, dict) else {}

    async def create_forum_topic(self, chat_id: int | str, name: str) -> int:
        """``createForumTopic`` in a forum supergroup; returns its ``message_thread_id``."""
        result = await self.call("createForumTopic", {"chat_id": chat_id, "name": name[:128]})
        thread = result.get("message_thread_id") if isinstance(result, dict) else None
        if not isinstance(thread, int):
            raise TelegramNetworkError("createForumTopic answered without a message_thread_id")
        return thread

    async def send_chat_action(
        self, chat_id: int | str, action: str = "typing", *, message_thread_id: int | None = None
    ) -> bool:
        """``sendChatAction`` (shown for up to 5 s, or until the bot's next message)."""
        params: dict[str, Any] = {"chat_id": chat_id, "action": action}
        if message_thread_id is not None:
            params["message_thread_id"] = message_thread_id
        return bool(await self.call("sendChatAction", params))

    async def answer_callback_query(self, callback_query_id: str) -> bool:
        """``answerCallbackQuery``: stop the spinner on the user's tapped button."""
        return bool(
            await self.call("answerCallbackQuery", {"callback_query_id": callback_query_id})
        )

    async def set_webhook(
        self,
        url: str,
        *,
        secret_token: SecretStr | str,
        allowed_updates: Sequence[str] = DEFAULT_ALLOWED_UPDATES,
        max_connections: int = 40,
        drop_pending_updates: bool = False,
    ) -> Any:
        """``setWebhook`` with our secret; pending updates are kept unless asked otherwise."""
        secret = (
            secret_token.get_secret_value() if isinstance(secret_token, SecretStr) else secret_token
        )
        return await self.call(
            "setWebhook",
            {
                "url": url,
                "secret_token": secret,
                "allowed_updates": list(allowed_updates),
                "max_connections": max_connections,
                "drop_pending_updates": drop_pending_updates,
            },
        )

    async def delete_webhook(self, *, drop_pending_updates: bool = False) -> Any:
        """``deleteWebhook``; pending updates are kept unless asked otherwise."""
        return await self.call("deleteWebhook", {"drop_pending_updates": drop_pending_updates})

    async def get_webhook_info(self) -> dict[str, Any]:
        """``getWebhookInfo``: url, pending_update_count, last_error_message, ..."""
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def get_file(self, file_id: str) -> dict[str, Any]:
        """``getFile``: ``file_id``, ``file_unique_id``, ``file_size`` and ``file_path``."""
        result = await self.call("getFile", {"file_id": file_id})
        return result if isinstance(result, dict) else {}

    async def download_file(
        self,
        file_id: str,
        *,
        dest_dir: Path,
        limit: int = FILE_LIMIT_BYTES,
        declared_type: str | None = None,
        declared_size: int | None = None,
    ) -> SavedMedia:
        """Fetch a voice note (or audio, or video note) into a new file under `dest_dir`.

        `declared_type` / `declared_size` are the update's ``mime_type`` / ``file_size``;
        when they already say the file is too large or not audio, nothing is requested.

        Raises:
            MediaTooLarge: over `limit` (declared, in ``getFile``'s ``file_size``, Telegram's
                "file is too big", or while streaming).
            MediaNotAudio: the declared type or the file's first bytes are not audio.
            MediaGone: no ``file_path`` (the file cannot be downloaded) or the file URL
                answered 401/403/404/410.
            MediaUnavailable: another failure of the download; retryable.
            TelegramError: ``getFile`` itself failed (see `map_error`).
        """
        check_declared(content_type=declared_type, size=declared_size, limit=limit)
        try:
            info = await self.get_file(file_id)
        except TelegramBadRequest as exc:
            if "file is too big" in exc.description.lower():
                raise MediaTooLarge(limit=limit) from None
            raise
        size = info.get("file_size")
        check_declared(content_type=None, size=size if isinstance(size, int) else None,
                       limit=limit)  # fmt: skip
        file_path = info.get("file_path")
        if not isinstance(file_path, str) or not file_path:
            raise MediaGone(404)
        return await download_audio(
            self._http, self._file_base + file_path.lstrip("/"), dest_dir=dest_dir,
            limit=limit, declared_type=declared_type, limits=max(self.timeout, 30.0),
        )  # fmt: skip

    async def fetch_photo(
        self, file_id: str, *, limit: int, declared_size: int | None = None
    ) -> FetchedPhoto:
        """Fetch a photo (JPEG or PNG, at most `limit` bytes) into memory by its ``file_id``.

        Raises:
            MediaTooLarge: over `limit` (declared, in ``getFile``'s ``file_size``, Telegram's
                "file is too big", or while reading).
            MediaNotImage: the file is not JPEG or PNG.
            MediaGone: the ``file_id`` is unknown, or the file cannot be downloaded.
            MediaUnavailable: the Bot API or the file server did not answer; retryable.
        """
        if declared_size is not None and declared_size > limit:
            raise MediaTooLarge(limit=limit, size=declared_size)
        try:
            info = await self.get_file(file_id)
        except TelegramBadRequest as exc:
            if "file is too big" in exc.description.lower():
                raise MediaTooLarge(limit=limit) from None
            raise MediaGone(exc.status_code) from None
        except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as exc:
            raise MediaUnavailable(f"getFile failed: {type(exc).__name__}") from None
        size = info.get("file_size")
        if isinstance(size, int) and size > limit:
            raise MediaTooLarge(limit=limit, size=size)
        file_path = info.get("file_path")
        if not isinstance(file_path, str) or not file_path:
            raise MediaGone(404)
        return await fetch_photo(
            self._http, self._file_base + file_path.lstrip("/"), limit=limit,
            declared_size=size if isinstance(size, int) else None,
            limits=max(self.timeout, 30.0),
        )  # fmt: skip
