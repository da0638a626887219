from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from onebox_service import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_with_context_and_stdlib_loggers() -> None:
    stream = io.StringIO()
    configure_logging(json=True, level="info", stream=stream)
    with structlog.contextvars.bound_contextvars(correlation_id="abc123"):
        structlog.get_logger("onebox.test").info("message.claimed", topic="inbound")
    logging.getLogger("uvicorn.error").info("Uvicorn running")
    structlog.get_logger("onebox.test").debug("hidden")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["event"] == "message.claimed"
    assert first["correlation_id"] == "abc123"
    assert first["level"] == "info"
    assert first["timestamp"].endswith("Z")
    assert second["logger"] == "uvicorn.error"
    assert second["event"] == "Uvicorn running"


@pytest.mark.usefixtures("restore_logging")
def test_console_rendering() -> None:
    stream = io.StringIO()
    configure_logging(json=False, level="debug", stream=stream)
    structlog.get_logger("onebox.test").debug("hello", n=1)
    text = stream.getvalue()
    assert "hello" in text
    assert "n=1" in text
    assert not text.lstrip().startswith("{")
