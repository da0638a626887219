"""One logging configuration for every service: structlog, JSON lines to stdout.

Every line is one JSON object with ``timestamp`` (ISO 8601, UTC), ``level``, ``event``, the
logger name and whatever is bound in `structlog.contextvars` (``correlation_id``, ``topic``,
``message_id``), which is merged first. The stdlib loggers of uvicorn, SQLAlchemy and httpx
go through the same processors, so journald reads one format. ``json=False`` renders for a
terminal instead.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import orjson
import structlog

_QUIET = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "sqlalchemy": logging.WARNING}


def _dumps(obj: Any, **_kw: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


def configure_logging(
    *, json: bool = True, level: str = "info", stream: TextIO | None = None
) -> None:
    """Configure structlog and the stdlib loggers once, in `main()`.

    Args:
        json: JSON lines (True) or console rendering (False).
        level: ``debug``, ``info``, ``warning`` or ``error``.
        stream: where lines go; stdout by default.
    """
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Any
    if json:
        renderer = structlog.processors.JSONRenderer(serializer=_dumps)
        final = [structlog.processors.format_exc_info, renderer]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        final = [renderer]

    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        # A call below the level returns at once, before any processor runs (the stdlib
        # wrapper ran them all, then let the stdlib logger drop the line).
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    for name, floor in _QUIET.items():
        logging.getLogger(name).setLevel(max(floor, numeric))
