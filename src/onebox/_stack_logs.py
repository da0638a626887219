"""How ``onebox up`` shows its children's logs: one prefixed stream, readable or JSON.

Every service logs one JSON object per line. On a terminal each line becomes
``telegram     | 14:02:11 info  webhook.message correlation_id=... kind=text`` with a colour
per service; otherwise each line stays JSON with a ``"service"`` field added, so the
combined stream is still one object per line (journald, files, tests). Lines that are not
JSON (a traceback) are wrapped, never dropped. ``onebox up``'s own events go through the
same sink under the name ``onebox``.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

import orjson

_COLOURS = {
    "telegram": "\x1b[36m",
    "whatsapp": "\x1b[32m",
    "orchestrator": "\x1b[35m",
    "metrics": "\x1b[33m",
    "onebox": "\x1b[1m",
}
_LEVEL_COLOURS = {"warning": "\x1b[33m", "error": "\x1b[31m", "critical": "\x1b[31m"}
_RESET = "\x1b[0m"
_HIDDEN = frozenset({"event", "level", "timestamp", "logger", "service"})
PREFIX_WIDTH = 12


class LogSink:
    """Writes prefixed lines to `stream` from many threads, one whole line at a time.

    Args:
        stream: where to write (stdout by default).
        pretty: readable coloured lines (a terminal) instead of JSON lines.
    """

    def __init__(self, stream: TextIO | None = None, *, pretty: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.pretty = pretty
        self._lock = threading.Lock()

    def line(self, service: str, raw: str) -> None:
        """Show one line a child wrote."""
        raw = raw.rstrip("\r\n")
        if not raw:
            return
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            record = {"event": "output", "line": raw}
        self._emit(service, record)

    def event(self, name: str, /, *, level: str = "info", **fields: Any) -> None:
        """Show one of ``onebox up``'s own events."""
        record = {"event": name, "level": level, **fields}
        record["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._emit("onebox", record)

    def say(self, text: str, /, **fields: Any) -> None:
        """A line for a person on a terminal (`text`), or an ``up.notice`` event otherwise."""
        if self.pretty:
            self._write(text)
        else:
            self.event("up.notice", message=text, **fields)

    def _emit(self, service: str, record: dict[str, Any]) -> None:
        if self.pretty:
            self._write(format_pretty(service, record))
        else:
            out = {"service": service, **{k: v for k, v in record.items() if k != "service"}}
            self._write(orjson.dumps(out, default=str).decode())

    def _write(self, text: str) -> None:
        with self._lock:
            try:
                self.stream.write(text + "\n")
                self.stream.flush()
            except (BrokenPipeError, ValueError):  # the reader went away; keep supervising
                pass


def format_pretty(service: str, record: dict[str, Any]) -> str:
    """One readable, coloured line for a terminal."""
    colour = _COLOURS.get(service, "")
    prefix = f"{colour}{service:<{PREFIX_WIDTH}}|{_RESET}"
    level = str(record.get("level", "info"))
    stamp = str(record.get("timestamp", ""))
    clock = stamp[11:19] if len(stamp) >= 19 else time.strftime("%H:%M:%S")
    level_text = (
        f"{_LEVEL_COLOURS.get(level, '')}{level:<5}{_RESET if level in _LEVEL_COLOURS else ''}"
    )
    if record.get("event") == "output" and "line" in record:
        return f"{prefix} {record['line']}"
    extras = " ".join(f"{k}={_short(v)}" for k, v in record.items() if k not in _HIDDEN)
    return f"{prefix} {clock} {level_text} {record.get('event', '')} {extras}".rstrip()


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    return text if len(text) <= 200 else text[:197] + "..."
