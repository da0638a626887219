"""The HTTP side of `FakeGraphApi`: a request handler that hands each request to the fake.

The handler reads the raw body, lower-cases the header names, lets `FakeGraphApi.serve`
answer and record it, and writes the answer back; a client that stops reading mid-answer
(a size cap on a download) is not an error.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from ._graph_errors import _Script


class Serving(Protocol):
    """What the handler needs of the fake."""

    def serve(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> _Script:
        """Answer one request and record it."""
        ...


class GraphHandler(BaseHTTPRequestHandler):
    """Serves `api` (set on a subclass per fake)."""

    api: Serving
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms delayed-ACK stalls

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        script = self.api.serve(method, self.path, headers, raw)
        self.send_response(script.status)
        self.send_header("Content-Type", script.content_type)
        self.send_header("Content-Length", str(len(script.body)))
        self.end_headers()
        try:
            self.wfile.write(script.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading (a size cap)

    def log_message(self, format: str, *args: Any) -> None:
        return
