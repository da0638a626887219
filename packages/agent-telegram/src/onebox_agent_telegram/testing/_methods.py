"""`FakeBotAPI`'s methods: which Bot API method gets which answer, checked like Telegram.

`answer` dispatches one authorised call: a scripted error first (`FakeBotAPI.fail`), then the
method itself (``sendMessage`` and ``sendPhoto`` in `_sending`; here ``sendChatAction``,
``answerCallbackQuery``, ``createForumTopic``, the webhook methods, ``getFile`` and
``getMe``); an unknown method is a 404 as on ``api.telegram.org``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from ._sending import chat_check, send_message, send_photo
from ._wire import BOT_USER, FILE_LIMIT_BYTES, SECRET_RE, BotState, FloodLimits, error

ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


def answer(
    state: BotState,
    method: str,
    params: dict[str, Any],
    arrived: float,
    *,
    limits: FloodLimits | None,
) -> Any:
    """(status, body) for one call the token was right for."""
    chat = params.get("chat_id")
    chat_id = None if chat is None else str(chat)
    scripted = _scripted(state, method, chat_id)
    if scripted is not None:
        return scripted
    if method == "sendMessage":
        return send_message(state, params, arrived, limits)
    if method == "sendPhoto":
        return send_photo(state, params, arrived, limits)
    if method == "createForumTopic":
        return _create_forum_topic(state, chat_id, params)
    if method == "sendChatAction":
        if chat_id is None:
            return error(400, "Bad Request: chat_id is empty")
        if params.get("action") not in ACTIONS:
            return error(400, "Bad Request: wrong parameter action in request")
        return chat_check(state, chat_id) or (200, {"ok": True, "result": True})
    if method == "answerCallbackQuery":
        if not params.get("callback_query_id"):
            return error(400, "Bad Request: query_id is empty")
        return 200, {"ok": True, "result": True}
    if method == "setWebhook":
        return _set_webhook(state, params)
    if method == "deleteWebhook":
        with state.lock:
            had = bool(state.webhook.get("url"))
            state.webhook = {}
        text = "Webhook was deleted" if had else "Webhook is already deleted"
        return 200, {"ok": True, "result": True, "description": text}
    if method == "getWebhookInfo":
        return _webhook_info(state)
    if method == "getFile":
        return _get_file(state, params)
    if method == "getMe":
        return 200, {"ok": True, "result": BOT_USER}
    return error(404, "Not Found")


def _scripted(state: BotState, method: str, chat_id: str | None) -> Any:
    with state.lock:
        for item in state.scripted:
            if item.method not in (None, method):
                continue
            if item.chat_id is not None and item.chat_id != chat_id:
                continue
            item.times -= 1
            if item.times <= 0:
                state.scripted.remove(item)
            return error(item.status, item.description, item.parameters)
    return None


def _webhook_info(state: BotState) -> Any:
    with state.lock:
        hook = dict(state.webhook)
    info: dict[str, Any] = {
        "url": hook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": 0,
    }
    if hook:
        info["max_connections"] = hook.get("max_connections", 40)
        if hook.get("allowed_updates") is not None:
            info["allowed_updates"] = hook["allowed_updates"]
    return 200, {"ok": True, "result": info}


def _get_file(state: BotState, params: dict[str, Any]) -> Any:
    file_id = params.get("file_id")
    if not file_id:
        return error(400, "Bad Request: file_id is empty")
    with state.lock:
        found = state.files.get(str(file_id))
    if found is None:
        return error(400, "Bad Request: invalid file_id")
    if len(found.data) > FILE_LIMIT_BYTES:
        return error(400, "Bad Request: file is too big")
    result = {
        "file_id": found.file_id,
        "file_unique_id": "AgAD" + found.file_id[-8:],
        "file_size": len(found.data),
        "file_path": found.file_path,
    }
    return 200, {"ok": True, "result": result}


def _create_forum_topic(state: BotState, chat_id: str | None, params: dict[str, Any]) -> Any:
    if chat_id is None:
        return error(400, "Bad Request: chat_id is empty")
    refused = chat_check(state, chat_id)
    if refused is not None:
        return refused
    with state.lock:
        wrong = state.forums.check_create(chat_id, params.get("name"))
        if wrong is not None:
            return error(400, wrong)
        counter = state.message_ids.setdefault(chat_id, itertools.count(1))
        topic = state.forums.create(chat_id, str(params["name"]), next(counter))
    return 200, {"ok": True, "result": topic}


def _set_webhook(state: BotState, params: dict[str, Any]) -> Any:
    url = params.get("url")
    if not isinstance(url, str):
        return error(400, "Bad Request: bad webhook: URL must be provided")
    if url and not url.startswith("https://"):
        return error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not SECRET_RE.match(str(secret)):
        return error(400, "Bad Request: secret token contains unallowed characters")
    max_conn = params.get("max_connections", 40)
    try:
        max_conn = int(max_conn)
    except (TypeError, ValueError):
        return error(400, "Bad Request: wrong max_connections specified")
    if not 1 <= max_conn <= 100:
        return error(400, "Bad Request: bad webhook: max_connections must be 1-100")
    allowed = params.get("allowed_updates")
    if isinstance(allowed, str):
        try:
            allowed = json.loads(allowed)
        except json.JSONDecodeError:
            return error(400, "Bad Request: can't parse allowed updates JSON object")
    with state.lock:
        state.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": max_conn,
            "allowed_updates": allowed,
            "drop_pending_updates": bool(params.get("drop_pending_updates")),
        }
    return 200, {"ok": True, "result": True, "description": "Webhook was set"}
