"""`FakeGraphApi`: a Cloud API stand-in on loopback that checks requests like the real one.

It checks path, bearer token and body fields (text, image, template, read receipts) and
answers with the Cloud API's response and error shapes. Uploads (``POST /{version}/
{phone-number-id}/media``, multipart) are checked like Meta checks them (fields, type, size:
`uploads` reads them back). Media (`add_media`, or uploaded) is served like Meta serves it:
``GET /{version}/{media-id}`` (bearer) answers the media's ``url`` (a fresh short-lived
lookaside URL each time), ``mime_type``, ``sha256`` and ``file_size``; that URL is downloaded
with the same bearer token; `expire_next_download` makes the next download of a URL answer 404
as an expired one does. Tests script errors (`fail_next`) and slow answers
(`delay_next`) and read every request back with its arrival time (`requests`). `handle` is the
protocol without the transport, for another loopback server (a benchmark's).

The 24-hour window is enforced as Meta does for every customer the fake was told wrote
(`customer_wrote`): free-form text more than 24 hours after that customer's last message is
refused with 131047 (the fake's `clock` may be a test's controlled clock). Templates are
checked strictly against the approved ones (`add_template`): an unknown name or language
answers 132001, a wrong number of body parameters 132000, a text parameter with a newline, a
tab, more than four consecutive spaces or over 1024 characters answers 100. The messages
endpoint lives in `_messages`, media in `_media`, the HTTP handler in `_http`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

from ._accounts import ACCESS_TOKEN, DISPLAY_PHONE_NUMBER, PHONE_NUMBER_ID
from ._graph_errors import ERRORS, _error, _error_body, _ok, _Script
from ._http import GraphHandler
from ._media import ATTACHMENTS_PATH, MediaStore, Upload
from ._messages import MessagesEndpoint

__all__ = ["ATTACHMENTS_PATH", "FakeGraphApi", "RecordedRequest", "Upload"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    """One request the fake received, and what it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    arrived_at: float
    arrived_monotonic: float
    status: int
    answer: Any


class FakeGraphApi:
    """A Cloud API stand-in on 127.0.0.1 (a free port); use as a context manager.

    Args:
        access_token: the only bearer token it accepts.
        phone_number_id: the only business phone number id it knows.
    """

    def __init__(
        self,
        *,
        access_token: str = ACCESS_TOKEN,
        phone_number_id: str = PHONE_NUMBER_ID,
        display_phone_number: str = DISPLAY_PHONE_NUMBER,
        verified_name: str = "Onebox Test Shop",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.display_phone_number = display_phone_number
        self.verified_name = verified_name
        self.requests: list[RecordedRequest] = []
        self._media = MediaStore(access_token=access_token)
        self._messages = MessagesEndpoint(clock=clock, media=self._media)
        self._scripts: deque[_Script] = deque()
        self._delays: deque[float] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def clock(self) -> Callable[[], float]:
        """The clock the 24-hour window runs on (settable: a test's controlled clock)."""
        return self._messages.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self._messages.clock = clock

    @property
    def url(self) -> str:
        """The base URL to use as the Graph API URL (``http://127.0.0.1:<port>``)."""
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGraphApi:
        """Listen on a free loopback port and serve in a background thread."""
        fake = self

        class Handler(GraphHandler):
            api = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (slow answers still pending are cut short) and close the socket."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGraphApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ------------------------------------------------------------------------

    def fail_next(
        self,
        code: int,
        *,
        times: int = 1,
        status: int | None = None,
        details: str | None = None,
        is_transient: bool | None = None,
    ) -> None:
        """Answer the next `times` message requests with the Cloud API error `code`.

        `is_transient` adds Meta's ``error.is_transient`` flag to the error object.
        """
        default_status, kind, message, default_details = ERRORS.get(
            code, (400, "OAuthException", f"(#{code}) Error", "Error.")
        )
        body = _error_body(
            code, kind, message, details or default_details, is_transient=is_transient
        )
        with self._lock:
            for _ in range(times):
                self._scripts.append(_Script(status=status or default_status, body=body))

    def fail_next_raw(self, status: int, body: bytes = b"", *, times: int = 1) -> None:
        """Answer the next `times` message requests with a bare status (e.g. a proxy's 502)."""
        with self._lock:
            for _ in range(times):
                self._scripts.append(_Script(status=status, body=body))

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Hold the next `times` answers for `seconds` (a slow Graph API)."""
        with self._lock:
            self._delays.extend([seconds] * times)

    def add_media(self, media_id: str, data: bytes, *, mime_type: str) -> None:
        """Serve `data` as the media `media_id` (what a customer's voice note would be)."""
        self._media.add(media_id, data, mime_type=mime_type)

    def customer_wrote(self, wa_id: str, *, at: float | None = None) -> None:
        """The customer `wa_id` wrote at `at` (default: the fake's clock now): their window."""
        self._messages.customer_wrote(wa_id, at=at)

    def add_template(self, name: str, language: str, *, body_params: int = 0) -> None:
        """Approve the template `name` in `language` with `body_params` body variables."""
        self._messages.add_template(name, language, body_params=body_params)

    def expire_next_download(self, *, times: int = 1) -> None:
        """The next `times` downloads of a media URL answer 404, as an expired URL does."""
        self._media.expire_next(times)

    # -- reading back ---------------------------------------------------------------------

    def media_lookups(self) -> list[RecordedRequest]:
        """Every ``GET /{version}/{media-id}``, in arrival order."""
        with self._lock:
            return [
                r for r in self.requests
                if r.method == "GET" and isinstance(r.answer, dict) and "url" in r.answer
            ]  # fmt: skip

    def media_downloads(self) -> list[RecordedRequest]:
        """Every download of a media URL (answered or not), in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.path.startswith(ATTACHMENTS_PATH)]

    def message_requests(self) -> list[RecordedRequest]:
        """Every POST to the messages endpoint, in arrival order."""
        with self._lock:
            return [
                r for r in self.requests
                if r.method == "POST" and r.path.split("?")[0].endswith("/messages")
            ]  # fmt: skip

    def uploads(self) -> list[Upload]:
        """The accepted media uploads (their ids, types and bytes), in order."""
        return self._media.uploads()

    def images(self) -> list[RecordedRequest]:
        """Accepted image sends, in arrival order."""
        return [
            r
            for r in self.message_requests()
            if r.status == 200 and isinstance(r.body, dict) and r.body.get("type") == "image"
        ]

    def texts(self) -> list[RecordedRequest]:
        """Accepted text sends, in arrival order."""
        return [
            r
            for r in self.message_requests()
            if r.status == 200 and isinstance(r.body, dict) and r.body.get("type") == "text"
        ]

    def typing_indicators(self) -> list[str]:
        """The message ids marked read with a typing indicator, in arrival order."""
        return [
            r.body["message_id"]
            for r in self.message_requests()
            if r.status == 200
            and isinstance(r.body, dict)
            and r.body.get("status") == "read"
            and "typing_indicator" in r.body
        ]

    def templates(self) -> list[RecordedRequest]:
        """Accepted template sends, in arrival order."""
        return [
            r
            for r in self.message_requests()
            if r.status == 200 and isinstance(r.body, dict) and r.body.get("type") == "template"
        ]

    def read_receipts(self) -> list[str]:
        """The message ids marked read, in arrival order."""
        return [
            r.body["message_id"]
            for r in self.message_requests()
            if r.status == 200 and isinstance(r.body, dict) and r.body.get("status") == "read"
        ]

    # -- the protocol ---------------------------------------------------------------------

    def _answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> _Script:
        with self._lock:
            delay = self._delays.popleft() if self._delays else 0.0
        if delay:
            self._stopping.wait(delay)
        if path.startswith(ATTACHMENTS_PATH) and method == "GET":
            return self._media.download(path, headers)
        match = re.fullmatch(r"/(v\d+\.\d+)/([^/?]+)(/messages|/media)?(\?.*)?", path)
        if match is None:
            return _error(100, "Unknown path components", status=400, subcode=33)
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return _error(190, "Invalid OAuth access token - Cannot parse access token", 401)
        if (
            method == "GET"
            and match.group(3) is None
            and self._media.get(match.group(2)) is not None
        ):
            return self._media.info(match.group(2), base_url=self.url)
        if match.group(2) != self.phone_number_id:
            return _error(
                100,
                f"Unsupported {method.lower()} request. Object with ID '{match.group(2)}' does "
                "not exist, cannot be loaded due to missing permissions, or does not support "
                "this operation.",
                400,
                kind="GraphMethodException",
                subcode=33,
            )
        if method == "GET" and match.group(3) is None:
            return _ok(
                {
                    "display_phone_number": self.display_phone_number,
                    "verified_name": self.verified_name,
                    "quality_rating": "GREEN",
                    "id": self.phone_number_id,
                }
            )
        if method != "POST" or match.group(3) is None:
            return _error(100, "Unsupported request - method type: " + method.lower(), 400)
        if match.group(3) == "/media":
            return self._media.upload(headers, raw)
        with self._lock:
            script = self._scripts.popleft() if self._scripts else None
        if script is not None:
            return script
        return self._messages.answer(raw)

    def handle(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, bytes]:
        """Answer one request and record it: the protocol without the transport.

        `headers` have lower-case names; returns (status, JSON body). A delay set with
        `delay_next` is waited out here (blocking). Another loopback transport (a benchmark's
        asyncio server) can serve the fake through this.
        """
        script = self.serve(method, path, headers, raw)
        return script.status, script.body

    def serve(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> _Script:
        """`handle` with the answer's content type (media downloads are not JSON)."""
        arrived, arrived_mono = time.time(), time.monotonic()
        script = self._answer(method, path, headers, raw)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        try:
            answer: Any = json.loads(script.body) if script.body else None
        except ValueError:
            answer = script.body
        self._record(
            RecordedRequest(
                method=method,
                path=path,
                headers=headers,
                body=body,
                arrived_at=arrived,
                arrived_monotonic=arrived_mono,
                status=script.status,
                answer=answer,
            )
        )
        return script

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)
