"""What `FakeBotAPI` keeps and answers with: its records, its state and the error shape.

Everything here is shared by the fake's method answers (`_sending`, `_methods`) and its HTTP
plumbing (`bot_api`): the recorded requests, the scripted errors, the served files, the one
lock that guards the state, and the Bot API's ``{"ok": false, ...}`` error body.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from ._forum import Forums

DEFAULT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "onebox", "username": "onebox_bot"}
TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,50}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

#: The largest file the Bot API lets a bot download.
FILE_LIMIT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    """One request the fake received, and what it answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    token_ok: bool
    message_id: int | None = None
    """The ``message_id`` of the message an accepted send (``sendMessage``, ``sendPhoto``)
    created."""


@dataclass(slots=True, kw_only=True)
class Scripted:
    """An error to answer the next `times` matching calls with."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None
    method: str | None = None
    chat_id: str | None = None
    times: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFile:
    """A file the fake serves (``getFile`` + the file URL)."""

    file_id: str
    file_path: str
    data: bytes
    content_type: str
    gone: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FloodLimits:
    """Telegram's flood limits as the fake enforces them (when it does)."""

    per_chat_interval: float
    global_per_second: int


@dataclass(slots=True)
class BotState:
    """Everything the fake remembers; `lock` guards every field."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[RecordedRequest] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    scripted: list[Scripted] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    migrated: dict[str, int] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    message_ids: dict[str, itertools.count[int]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    forums: Forums = field(default_factory=Forums)


def message_id_of(body: Any) -> int | None:
    """The ``result.message_id`` of an answer, if it has one."""
    result = body.get("result") if isinstance(body, dict) else None
    message_id = result.get("message_id") if isinstance(result, dict) else None
    return message_id if isinstance(message_id, int) else None


def error(status: int, description: str, parameters: dict[str, Any] | None = None) -> Any:
    """(status, the Bot API's error body)."""
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body
