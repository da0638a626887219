"""The HTTP side of `FakeBotAPI`: reading a call's parameters, writing JSON and file answers.

The Bot API takes parameters from the query string, a JSON body or a urlencoded form body;
it answers JSON, and the file server answers the file's bytes. A client that hangs up
mid-answer (a crash test, a size cap) is not an error.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl


def read_params(handler: BaseHTTPRequestHandler, raw: bytes, query: str | None) -> Any:
    """The call's parameters; ValueError (the 400's description) for an unreadable body."""
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


def send_json(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    """Answer `body` as JSON with `status`."""
    data = json.dumps(body).encode()
    try:
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True  # the client died waiting (a crash test)


def send_bytes(handler: BaseHTTPRequestHandler, data: bytes, content_type: str) -> None:
    """Answer a file's bytes with 200."""
    try:
        handler.send_response(200)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True  # the client stopped reading (a size cap)
