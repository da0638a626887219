"""`FakeBotAPI`: a Bot API stand-in on loopback with the real checks and answer shapes.

`FakeBotAPI` is a real HTTP server on 127.0.0.1 (a free port) that answers like
``api.telegram.org``: ``/bot<token>/<method>`` with JSON or form bodies, ``sendMessage``,
``sendChatAction``, ``answerCallbackQuery``, ``setWebhook``, ``deleteWebhook``,
``getWebhookInfo`` and ``getFile`` with the file server's ``GET /file/bot<token>/<path>``
(files over 20 MB refused like the Bot API), with the real request checks and response shapes.
Errors are scriptable (429 with ``parameters.retry_after``, 403 blocked, 400 chat not found /
can't parse entities / ``migrate_to_chat_id``), answers can be slowed down, and every request
is recorded with its arrival time (``time.monotonic()``). It runs in threads, so sync tests,
async tests and tests driving the agent in another process can all use it::

    with FakeBotAPI() as api:
        api.block(42)
        ... point ONEBOX_TELEGRAM_API_URL at api.url, use api.token ...
        assert api.sent_texts(7) == ["hello"]
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from ._forum import Forums

DEFAULT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "onebox", "username": "onebox_bot"}
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,50}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_ACTIONS = {
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


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    """One request the fake received, and what it answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    token_ok: bool
    message_id: int | None = None
    """The ``message_id`` of the message an accepted ``sendMessage`` created."""


@dataclass(slots=True, kw_only=True)
class _Scripted:
    status: int
    description: str
    parameters: dict[str, Any] | None = None
    method: str | None = None
    chat_id: str | None = None
    times: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class _File:
    file_id: str
    file_path: str
    data: bytes
    content_type: str
    gone: bool = False


#: The largest file the Bot API lets a bot download.
FILE_LIMIT_BYTES = 20 * 1024 * 1024


@dataclass(slots=True)
class _State:
    requests: list[RecordedRequest] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    scripted: list[_Scripted] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    migrated: dict[str, int] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    message_ids: dict[str, itertools.count[int]] = field(default_factory=dict)
    files: dict[str, _File] = field(default_factory=dict)
    forums: Forums = field(default_factory=Forums)


def _message_id(body: Any) -> int | None:
    result = body.get("result") if isinstance(body, dict) else None
    message_id = result.get("message_id") if isinstance(result, dict) else None
    return message_id if isinstance(message_id, int) else None


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> Any:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


def _markdown_v2_error(text: str) -> str | None:
    """The 400 description for MarkdownV2 text with an unescaped reserved character, if any."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _MDV2_RESERVED and char not in "*_~`|":
            return (
                f"Bad Request: can't parse entities: Character '{char}' is reserved and must be "
                "escaped with the preceding '\\'"
            )
    return None


def _html_error(text: str) -> str | None:
    allowed = re.compile(r"</?(b|strong|i|em|u|ins|s|strike|del|code|pre|a|tg-spoiler)(\s[^>]*)?>")
    pos = 0
    while True:
        at = text.find("<", pos)
        if at < 0:
            break
        match = allowed.match(text, at)
        if match is None:
            return f"Bad Request: can't parse entities: Unsupported start tag at byte offset {at}"
        pos = match.end()
    for match in re.finditer(r"&", text):
        if not re.match(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", text[match.start() :]):
            return "Bad Request: can't parse entities: Unsupported entity at byte offset " + str(
                match.start()
            )
    return None


class FakeBotAPI:
    """A loopback HTTP server that behaves like the Telegram Bot API (see the module doc).

    Args:
        token: the only token it accepts (others get 401 Unauthorized).
        delay: seconds to wait before answering every request (slow answers).
        enforce_limits: answer 429 like Telegram when a chat gets more than one message per
            `per_chat_interval`, or the bot more than `global_per_second` in a second.
        port: the port to listen on (0: a free one).
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        delay: float = 0.0,
        enforce_limits: bool = False,
        per_chat_interval: float = 0.5,
        global_per_second: int = 35,
        port: int = 0,
    ) -> None:
        self.token = token
        self.port = port
        self.delay = delay
        self.enforce_limits = enforce_limits
        self.per_chat_interval = per_chat_interval
        self.global_per_second = global_per_second
        self._lock = threading.Lock()
        self._state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> FakeBotAPI:
        """Listen on 127.0.0.1 (a free port) and serve in a background thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms stalls

            def do_POST(self) -> None:
                fake._serve(self)

            def do_GET(self) -> None:
                fake._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        server = Server(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to use as ``ONEBOX_TELEGRAM_API_URL`` (``http://127.0.0.1:<port>``)."""
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- scripting --------------------------------------------------------------------

    def fail(
        self,
        status: int,
        description: str,
        *,
        parameters: dict[str, Any] | None = None,
        method: str | None = "sendMessage",
        chat_id: int | str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching calls with this error."""
        with self._lock:
            self._state.scripted.append(
                _Scripted(
                    status=status,
                    description=description,
                    parameters=parameters,
                    method=method,
                    chat_id=None if chat_id is None else str(chat_id),
                    times=times,
                )
            )

    def rate_limit(
        self, retry_after: int, *, chat_id: int | str | None = None, times: int = 1
    ) -> None:
        """Answer the next sends with 429 and ``parameters.retry_after``."""
        self.fail(
            429,
            f"Too Many Requests: retry after {retry_after}",
            parameters={"retry_after": retry_after},
            chat_id=chat_id,
            times=times,
        )

    def server_error(self, *, times: int = 1, chat_id: int | str | None = None) -> None:
        """Answer the next sends with 502 Bad Gateway."""
        self.fail(502, "Bad Gateway", chat_id=chat_id, times=times)

    def block(self, chat_id: int | str) -> None:
        """The user of `chat_id` blocked the bot: 403 from now on."""
        with self._lock:
            self._state.blocked.add(str(chat_id))

    def forget(self, chat_id: int | str) -> None:
        """`chat_id` does not exist for the bot: 400 "chat not found"."""
        with self._lock:
            self._state.unknown.add(str(chat_id))

    def migrate(self, chat_id: int | str, new_chat_id: int) -> None:
        """The group became a supergroup: 400 with ``migrate_to_chat_id`` from now on."""
        with self._lock:
            self._state.migrated[str(chat_id)] = new_chat_id

    def make_forum(self, chat_id: int | str) -> None:
        """Turn topics on in the supergroup `chat_id` (``createForumTopic`` works there)."""
        with self._lock:
            self._state.forums.make(str(chat_id))

    def topics(self, chat_id: int | str) -> dict[int, str]:
        """The topics created in `chat_id`: message_thread_id -> name."""
        with self._lock:
            return dict(self._state.forums.topics.get(str(chat_id), {}))

    def thread_of(self, chat_id: int | str, message_id: int) -> int | None:
        """The topic the message `message_id` the bot sent to `chat_id` is in (None: none)."""
        with self._lock:
            return self._state.forums.threads.get((str(chat_id), message_id))

    def add_file(
        self,
        file_id: str,
        data: bytes,
        *,
        file_path: str | None = None,
        content_type: str = "application/octet-stream",
    ) -> str:
        """Serve `data` as the file `file_id` (``getFile`` + the file URL); its file_path."""
        with self._lock:
            path = file_path or f"voice/file_{len(self._state.files)}.oga"
            self._state.files[file_id] = _File(
                file_id=file_id, file_path=path, data=data, content_type=content_type
            )
        return path

    def lose_file(self, file_id: str) -> None:
        """Keep answering ``getFile`` for `file_id` but 404 its download (the file is gone)."""
        with self._lock:
            self._state.files[file_id] = replace(self._state.files[file_id], gone=True)

    def downloads(self) -> list[RecordedRequest]:
        """Every request to the file server (``GET /file/bot<token>/<path>``)."""
        return self.calls("file")

    # -- what happened ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order."""
        with self._lock:
            return list(self._state.requests)

    @property
    def arrivals(self) -> list[float]:
        """Arrival time of every request, including those still waiting for their answer."""
        with self._lock:
            return list(self._state.arrivals)

    def calls(self, method: str) -> list[RecordedRequest]:
        """The requests for one method."""
        return [r for r in self.requests if r.method == method]

    def sent(self, chat_id: int | str | None = None) -> list[RecordedRequest]:
        """The accepted ``sendMessage`` calls (to one chat, or all)."""
        return [
            r
            for r in self.calls("sendMessage")
            if r.status == 200 and (chat_id is None or str(r.params.get("chat_id")) == str(chat_id))
        ]

    def calls_to(self, chat_id: int | str, method: str = "sendMessage") -> list[RecordedRequest]:
        """Every `method` call to one chat, accepted or not, in arrival order."""
        return [r for r in self.calls(method) if str(r.params.get("chat_id")) == str(chat_id)]

    def posts(self, chat_id: int | str) -> list[tuple[int, str]]:
        """(message_id, text) of each message sent to one chat: what a reply there refers to."""
        return [(int(r.message_id or 0), str(r.params["text"])) for r in self.sent(chat_id)]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """The texts of the accepted ``sendMessage`` calls."""
        return [str(r.params["text"]) for r in self.sent(chat_id)]

    @property
    def webhook(self) -> dict[str, Any]:
        """What ``setWebhook`` last stored (empty when none)."""
        with self._lock:
            return dict(self._state.webhook)

    # -- serving ------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        with self._lock:
            self._state.arrivals.append(arrived)
        if handler.path == "/_fake/requests":
            self._send(handler, 200, {"requests": [asdict(r) for r in self.requests]})
            return
        file_match = re.match(r"^/file/bot([^/]*)/(.+)$", handler.path)
        if file_match is not None:
            self._serve_file(handler, file_match.group(1), file_match.group(2), arrived)
            return
        match = re.match(r"^/bot([^/]*)/([A-Za-z]+)(\?.*)?$", handler.path)
        method, params, status, body = "", {}, 404, None
        token_ok = False
        if match is None:
            status, body = _error(404, "Not Found")
        else:
            token, method = match.group(1), match.group(2)
            token_ok = token == self.token and bool(_TOKEN_RE.match(token))
            try:
                params = self._params(handler, raw, match.group(3))
            except ValueError as exc:
                status, body = _error(400, f"Bad Request: {exc}")
            else:
                if not token_ok:
                    status, body = _error(401, "Unauthorized")
                else:
                    if self.delay:
                        time.sleep(self.delay)
                    status, body = self._answer(method, params, arrived)
        with self._lock:
            self._state.requests.append(
                RecordedRequest(
                    method=method,
                    params=params,
                    at=arrived,
                    status=status,
                    token_ok=token_ok,
                    message_id=_message_id(body) if status == 200 else None,
                )
            )
        self._send(handler, status, body)

    def _serve_file(
        self, handler: BaseHTTPRequestHandler, token: str, path: str, arrived: float
    ) -> None:
        token_ok = token == self.token
        with self._lock:
            found = next((f for f in self._state.files.values() if f.file_path == path), None)
        if found is not None and found.gone:
            found = None
        status = 200 if token_ok and found is not None else (404 if token_ok else 401)
        with self._lock:
            self._state.requests.append(
                RecordedRequest(method="file", params={"file_path": path}, at=arrived,
                                status=status, token_ok=token_ok)
            )  # fmt: skip
        if found is None or not token_ok:
            self._send(handler, *_error(status, "Not Found" if token_ok else "Unauthorized"))
            return
        try:
            handler.send_response(200)
            handler.send_header("content-type", found.content_type)
            handler.send_header("content-length", str(len(found.data)))
            handler.end_headers()
            handler.wfile.write(found.data)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client stopped reading (a size cap)

    def _get_file(self, params: dict[str, Any]) -> Any:
        file_id = params.get("file_id")
        if not file_id:
            return _error(400, "Bad Request: file_id is empty")
        with self._lock:
            found = self._state.files.get(str(file_id))
        if found is None:
            return _error(400, "Bad Request: invalid file_id")
        if len(found.data) > FILE_LIMIT_BYTES:
            return _error(400, "Bad Request: file is too big")
        result = {
            "file_id": found.file_id,
            "file_unique_id": "AgAD" + found.file_id[-8:],
            "file_size": len(found.data),
            "file_path": found.file_path,
        }
        return 200, {"ok": True, "result": result}

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client died waiting (a crash test)

    def _params(self, handler: BaseHTTPRequestHandler, raw: bytes, query: str | None) -> Any:
        params: dict[str, Any] = {}
        if query:
            params.update(parse_qsl(query[1:]))
        ctype = (handler.headers.get("content-type") or "").split(";")[0].strip().lower()
        if raw and ctype == "application/json":
            try:
                decoded = json.loads(raw)
            except json.JSONDecodeError:
                raise ValueError("can't parse JSON request body") from None
            if not isinstance(decoded, dict):
                raise ValueError("request body must be a JSON object")
            params.update(decoded)
        elif raw and ctype == "application/x-www-form-urlencoded":
            params.update(parse_qsl(raw.decode()))
        return params

    def _scripted(self, method: str, chat_id: str | None) -> Any:
        with self._lock:
            for item in self._state.scripted:
                if item.method not in (None, method):
                    continue
                if item.chat_id is not None and item.chat_id != chat_id:
                    continue
                item.times -= 1
                if item.times <= 0:
                    self._state.scripted.remove(item)
                return _error(item.status, item.description, item.parameters)
        return None

    def _chat_check(self, chat_id: str) -> Any:
        if chat_id in self._state.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._state.unknown:
            return _error(400, "Bad Request: chat not found")
        if chat_id in self._state.migrated:
            return _error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._state.migrated[chat_id]},
            )
        return None

    def _flood_check(self, chat_id: str, arrived: float) -> Any:
        if not self.enforce_limits:
            return None
        with self._lock:
            sends = [
                r for r in self._state.requests if r.method == "sendMessage" and r.status == 200
            ]
        same_chat = [r.at for r in sends if str(r.params.get("chat_id")) == chat_id]
        if same_chat and arrived - same_chat[-1] < self.per_chat_interval:
            return _error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        last_second = [r for r in sends if arrived - r.at < 1.0]
        if len(last_second) >= self.global_per_second:
            return _error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        return None

    def _answer(self, method: str, params: dict[str, Any], arrived: float) -> Any:
        chat = params.get("chat_id")
        chat_id = None if chat is None else str(chat)
        scripted = self._scripted(method, chat_id)
        if scripted is not None:
            return scripted
        if method == "sendMessage":
            return self._send_message(params, arrived)
        if method == "createForumTopic":
            return self._create_forum_topic(chat_id, params)
        if method == "sendChatAction":
            if chat_id is None:
                return _error(400, "Bad Request: chat_id is empty")
            if params.get("action") not in _ACTIONS:
                return _error(400, "Bad Request: wrong parameter action in request")
            return self._chat_check(chat_id) or (200, {"ok": True, "result": True})
        if method == "answerCallbackQuery":
            if not params.get("callback_query_id"):
                return _error(400, "Bad Request: query_id is empty")
            return 200, {"ok": True, "result": True}
        if method == "setWebhook":
            return self._set_webhook(params)
        if method == "deleteWebhook":
            with self._lock:
                had = bool(self._state.webhook.get("url"))
                self._state.webhook = {}
            text = "Webhook was deleted" if had else "Webhook is already deleted"
            return 200, {"ok": True, "result": True, "description": text}
        if method == "getWebhookInfo":
            with self._lock:
                hook = dict(self._state.webhook)
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
        if method == "getFile":
            return self._get_file(params)
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        return _error(404, "Not Found")

    def _send_message(self, params: dict[str, Any], arrived: float) -> Any:
        chat = params.get("chat_id")
        if chat is None or chat == "":
            return _error(400, "Bad Request: chat_id is empty")
        chat_id = str(chat)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode")
        if parse_mode not in (None, "", "MarkdownV2", "HTML", "Markdown"):
            return _error(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        shown = text
        if parse_mode == "MarkdownV2":
            problem = _markdown_v2_error(text)
            if problem:
                return _error(400, problem)
            shown = re.sub(r"\\(.)", r"\1", text)
        elif parse_mode == "HTML":
            problem = _html_error(text)
            if problem:
                return _error(400, problem)
            shown = re.sub(r"<[^>]+>", "", text)
            shown = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        if len(shown) > 4096:
            return _error(400, "Bad Request: message is too long")
        refused = self._chat_check(chat_id) or self._flood_check(chat_id, arrived)
        if refused is not None:
            return refused
        with self._lock:
            thread, wrong = self._state.forums.place(chat_id, params)
            if wrong is not None:
                return _error(400, wrong)
            counter = self._state.message_ids.setdefault(chat_id, itertools.count(1))
            message_id = next(counter)
            in_topic = self._state.forums.record(chat_id, message_id, thread)
        numeric = int(chat_id) if re.fullmatch(r"-?\d+", chat_id) else 0
        chat_obj: dict[str, Any] = {"id": numeric}
        if numeric > 0:
            chat_obj.update(type="private", first_name="Customer")
        else:
            chat_obj.update(type="supergroup" if chat_id.startswith("-100") else "group")
            chat_obj["title"] = "Group"
        result = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": chat_obj,
            "date": int(time.time()),
            "text": shown,
            **in_topic,
        }
        return 200, {"ok": True, "result": result}

    def _create_forum_topic(self, chat_id: str | None, params: dict[str, Any]) -> Any:
        if chat_id is None:
            return _error(400, "Bad Request: chat_id is empty")
        refused = self._chat_check(chat_id)
        if refused is not None:
            return refused
        with self._lock:
            wrong = self._state.forums.check_create(chat_id, params.get("name"))
            if wrong is not None:
                return _error(400, wrong)
            counter = self._state.message_ids.setdefault(chat_id, itertools.count(1))
            topic = self._state.forums.create(chat_id, str(params["name"]), next(counter))
        return 200, {"ok": True, "result": topic}

    def _set_webhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url")
        if not isinstance(url, str):
            return _error(400, "Bad Request: bad webhook: URL must be provided")
        if url and not url.startswith("https://"):
            return _error(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(str(secret)):
            return _error(400, "Bad Request: secret token contains unallowed characters")
        max_conn = params.get("max_connections", 40)
        try:
            max_conn = int(max_conn)
        except (TypeError, ValueError):
            return _error(400, "Bad Request: wrong max_connections specified")
        if not 1 <= max_conn <= 100:
            return _error(400, "Bad Request: bad webhook: max_connections must be 1-100")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            try:
                allowed = json.loads(allowed)
            except json.JSONDecodeError:
                return _error(400, "Bad Request: can't parse allowed updates JSON object")
        with self._lock:
            self._state.webhook = {
                "url": url,
                "secret_token": secret,
                "max_connections": max_conn,
                "allowed_updates": allowed,
                "drop_pending_updates": bool(params.get("drop_pending_updates")),
            }
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}


def fetch_requests(url: str) -> list[RecordedRequest]:
    """The requests a `FakeBotAPI` serving at `url` (maybe in another process) has recorded."""
    import httpx

    data = httpx.get(url.rstrip("/") + "/_fake/requests", timeout=10).json()
    return [RecordedRequest(**item) for item in data["requests"]]
