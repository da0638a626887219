"""`FakeBotAPI`: a Bot API stand-in on loopback with the real checks and answer shapes.

`FakeBotAPI` is a real HTTP server on 127.0.0.1 (a free port) that answers like
``api.telegram.org``: ``/bot<token>/<method>`` with JSON or form bodies, ``sendMessage``,
``sendPhoto`` (by the ``file_id`` of a file it serves), ``sendChatAction``,
``answerCallbackQuery``, ``createForumTopic``, ``setWebhook``, ``deleteWebhook``,
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

The methods' answers live in `_methods` and `_sending`, the state and records in `_wire`.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from dataclasses import asdict, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._http import read_params, send_bytes, send_json
from ._methods import answer
from ._wire import (
    BOT_USER,
    DEFAULT_TOKEN,
    FILE_LIMIT_BYTES,
    TOKEN_RE,
    BotState,
    FloodLimits,
    RecordedRequest,
    Scripted,
    StoredFile,
    error,
    message_id_of,
)

__all__ = [
    "BOT_USER",
    "DEFAULT_TOKEN",
    "FILE_LIMIT_BYTES",
    "FakeBotAPI",
    "RecordedRequest",
    "fetch_requests",
]


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
        self._state = BotState()
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
        with self._state.lock:
            self._state.scripted.append(
                Scripted(
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
        with self._state.lock:
            self._state.blocked.add(str(chat_id))

    def forget(self, chat_id: int | str) -> None:
        """`chat_id` does not exist for the bot: 400 "chat not found"."""
        with self._state.lock:
            self._state.unknown.add(str(chat_id))

    def migrate(self, chat_id: int | str, new_chat_id: int) -> None:
        """The group became a supergroup: 400 with ``migrate_to_chat_id`` from now on."""
        with self._state.lock:
            self._state.migrated[str(chat_id)] = new_chat_id

    def make_forum(self, chat_id: int | str) -> None:
        """Turn topics on in the supergroup `chat_id` (``createForumTopic`` works there)."""
        with self._state.lock:
            self._state.forums.make(str(chat_id))

    def topics(self, chat_id: int | str) -> dict[int, str]:
        """The topics created in `chat_id`: message_thread_id -> name."""
        with self._state.lock:
            return dict(self._state.forums.topics.get(str(chat_id), {}))

    def thread_of(self, chat_id: int | str, message_id: int) -> int | None:
        """The topic the message `message_id` the bot sent to `chat_id` is in (None: none)."""
        with self._state.lock:
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
        with self._state.lock:
            path = file_path or f"voice/file_{len(self._state.files)}.oga"
            self._state.files[file_id] = StoredFile(
                file_id=file_id, file_path=path, data=data, content_type=content_type
            )
        return path

    def lose_file(self, file_id: str) -> None:
        """Keep answering ``getFile`` for `file_id` but 404 its download (the file is gone)."""
        with self._state.lock:
            self._state.files[file_id] = replace(self._state.files[file_id], gone=True)

    def downloads(self) -> list[RecordedRequest]:
        """Every request to the file server (``GET /file/bot<token>/<path>``)."""
        return self.calls("file")

    # -- what happened ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def arrivals(self) -> list[float]:
        """Arrival time of every request, including those still waiting for their answer."""
        with self._state.lock:
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

    def photos(self, chat_id: int | str | None = None) -> list[RecordedRequest]:
        """The accepted ``sendPhoto`` calls (to one chat, or all)."""
        return [
            r
            for r in self.calls("sendPhoto")
            if r.status == 200 and (chat_id is None or str(r.params.get("chat_id")) == str(chat_id))
        ]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """The texts of the accepted ``sendMessage`` calls."""
        return [str(r.params["text"]) for r in self.sent(chat_id)]

    @property
    def webhook(self) -> dict[str, Any]:
        """What ``setWebhook`` last stored (empty when none)."""
        with self._state.lock:
            return dict(self._state.webhook)

    # -- serving ------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        with self._state.lock:
            self._state.arrivals.append(arrived)
        if handler.path == "/_fake/requests":
            send_json(handler, 200, {"requests": [asdict(r) for r in self.requests]})
            return
        file_match = re.match(r"^/file/bot([^/]*)/(.+)$", handler.path)
        if file_match is not None:
            self._serve_file(handler, file_match.group(1), file_match.group(2), arrived)
            return
        match = re.match(r"^/bot([^/]*)/([A-Za-z]+)(\?.*)?$", handler.path)
        method, params, status, body = "", {}, 404, None
        token_ok = False
        if match is None:
            status, body = error(404, "Not Found")
        else:
            token, method = match.group(1), match.group(2)
            token_ok = token == self.token and bool(TOKEN_RE.match(token))
            try:
                params = read_params(handler, raw, match.group(3))
            except ValueError as exc:
                status, body = error(400, f"Bad Request: {exc}")
            else:
                if not token_ok:
                    status, body = error(401, "Unauthorized")
                else:
                    if self.delay:
                        time.sleep(self.delay)
                    status, body = answer(
                        self._state, method, params, arrived, limits=self._limits()
                    )
        with self._state.lock:
            self._state.requests.append(
                RecordedRequest(
                    method=method,
                    params=params,
                    at=arrived,
                    status=status,
                    token_ok=token_ok,
                    message_id=message_id_of(body) if status == 200 else None,
                )
            )
        send_json(handler, status, body)

    def _limits(self) -> FloodLimits | None:
        if not self.enforce_limits:
            return None
        return FloodLimits(
            per_chat_interval=self.per_chat_interval, global_per_second=self.global_per_second
        )

    def _serve_file(
        self, handler: BaseHTTPRequestHandler, token: str, path: str, arrived: float
    ) -> None:
        token_ok = token == self.token
        with self._state.lock:
            found = next((f for f in self._state.files.values() if f.file_path == path), None)
        if found is not None and found.gone:
            found = None
        status = 200 if token_ok and found is not None else (404 if token_ok else 401)
        with self._state.lock:
            self._state.requests.append(
                RecordedRequest(method="file", params={"file_path": path}, at=arrived,
                                status=status, token_ok=token_ok)
            )  # fmt: skip
        if found is None or not token_ok:
            send_json(handler, *error(status, "Not Found" if token_ok else "Unauthorized"))
            return
        send_bytes(handler, found.data, found.content_type)


def fetch_requests(url: str) -> list[RecordedRequest]:
    """The requests a `FakeBotAPI` serving at `url` (maybe in another process) has recorded."""
    import httpx

    data = httpx.get(url.rstrip("/") + "/_fake/requests", timeout=10).json()
    return [RecordedRequest(**item) for item in data["requests"]]
