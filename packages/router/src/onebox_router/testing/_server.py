"""The loopback HTTP plumbing the fake providers share: scripts, recorded requests."""

from __future__ import annotations

import socket
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import orjson


@dataclass(frozen=True, slots=True, kw_only=True)
class Script:
    """One scripted response.

    Attributes:
        status: HTTP status.
        body: a JSON-able value, raw bytes (e.g. malformed JSON), or None for a success whose
            text comes from `text` or the server's responder.
        headers: extra response headers.
        delay: seconds to wait before answering.
        hang: never answer (until the server stops).
        text: the answer text of a success.
        usage: (input, output) tokens of a success; estimated from the texts when None.
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False
    text: str | None = None
    usage: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    """A request a fake server received (headers lower-cased; `json` None when not JSON)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any

    @property
    def question(self) -> str:
        """The text of the last user message, for responders."""
        messages = self.json.get("messages", []) if isinstance(self.json, dict) else []
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, str):
                    return content
                if isinstance(content, list):
                    return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
        return ""


@dataclass(slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class FakeServer(ABC):
    """The loopback HTTP plumbing both fakes share."""

    prefix = ""

    def __init__(self, *, responder: Callable[[RecordedRequest], str] | None = None) -> None:
        self.requests: list[RecordedRequest] = []
        self.responder = responder or (lambda request: f"Answer to: {request.question}")
        self._script: deque[Script] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes: without this, Nagle plus delayed
                # ACKs add ~40 ms to every loopback response.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                fake._serve(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                fake._serve(self, self.rfile.read(length))

            def log_message(self, format: str, *args: Any) -> None:
                return None

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return None  # a client that gave up (timeout) closed the socket: expected

        self._stop.clear()
        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Release hanging requests and stop listening."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The base URL a provider is configured with."""
        return self.origin + self.prefix

    # --- scripting -------------------------------------------------------------------------
    def push(self, *scripts: Script) -> None:
        """Answer the next requests with `scripts`, in order (then with successes again)."""
        with self._lock:
            self._script.extend(scripts)

    def answer(
        self, text: str, *, usage: tuple[int, int] | None = None, delay: float = 0.0
    ) -> Script:
        """A success with `text`."""
        return Script(text=text, usage=usage, delay=delay)

    def hang(self) -> Script:
        """A request that is never answered."""
        return Script(hang=True)

    def slow(self, delay: float, text: str | None = None) -> Script:
        """A success after `delay` seconds."""
        return Script(delay=delay, text=text)

    def malformed(self) -> Script:
        """A 200 whose body is not valid JSON."""
        return Script(status=200, body=b'{"choices": [ {"message": ', headers={})

    def server_error(self) -> Script:
        """A 500."""
        return Script(status=500, body=self._error_body(500, "server_error", "Internal error"))

    def unauthorized(self) -> Script:
        """A 401 as for a bad key."""
        return Script(status=401, body=self._error_body(401, "auth", "Invalid API Key"))

    @property
    def pending(self) -> int:
        """Scripted responses not used yet."""
        return len(self._script)

    # --- plumbing --------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes, Script | None]:
        """Record one request and say how to answer it: the protocol without the transport.

        `headers` have lower-case names. Returns (status, headers, body, script); a script
        that says `hang` or `delay` asks the transport to hold the answer that long. Another
        loopback transport (a benchmark's asyncio server) can serve the fake through this.
        """
        try:
            parsed = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            parsed = None
        request = RecordedRequest(method=method, path=path, headers=headers, body=body, json=parsed)
        with self._lock:
            self.requests.append(request)
        answer, script = self._respond(request, body)
        return (
            answer.status,
            {"content-type": "application/json", **answer.headers},
            answer.body,
            script,
        )

    def _serve(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        status, answer_headers, answer, script = self.handle(
            handler.command, handler.path, headers, body
        )
        if script is not None and script.hang:
            self._stop.wait(60)
            handler.close_connection = True
            return
        if script is not None and script.delay and self._stop.wait(script.delay):
            handler.close_connection = True
            return
        handler.send_response(status)
        for name, value in answer_headers.items():
            handler.send_header(name, value)
        handler.send_header("content-length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def _next(self) -> Script | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _scripted(self, script: Script, success: Callable[[Script], Answer]) -> Answer:
        if script.status == 200 and script.body is None:
            return success(script)
        body = script.body if isinstance(script.body, bytes) else orjson.dumps(script.body)
        return Answer(script.status, dict(script.headers), body)

    @abstractmethod
    def _respond(self, request: RecordedRequest, body: bytes) -> tuple[Answer, Script | None]:
        """The answer to one request (each fake speaks its provider's protocol)."""

    @abstractmethod
    def _error_body(self, status: int, kind: str, message: str) -> Any:
        """The provider's error envelope."""
