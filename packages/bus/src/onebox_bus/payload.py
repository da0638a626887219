"""What a publish carries and the checks it passes before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from .errors import PayloadError

TOPIC_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,99}$")
DEFAULT_MAX_PAYLOAD = 256 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Publish:
    """One message to publish, for `Bus.publish_many` and group commit."""

    topic: str
    payload: bytes
    key: str | None = None
    dedupe_key: str | None = None
    correlation_id: str | None = None
    delay: float = 0.0
    max_attempts: int = 5


def encode_payload(payload: Any, *, limit: int = DEFAULT_MAX_PAYLOAD) -> bytes:
    """Serialise a payload to JSON bytes, refusing what cannot be stored.

    Bytes are taken as already-encoded JSON and only size-checked.

    Raises:
        PayloadError: not JSON-serialisable, or larger than `limit` bytes.
    """
    if isinstance(payload, bytes | bytearray | memoryview):
        data = bytes(payload)
    else:
        try:
            data = orjson.dumps(payload)
        except TypeError as exc:
            raise PayloadError(f"payload is not JSON-serialisable: {exc}") from None
    if len(data) > limit:
        raise PayloadError(f"payload is {len(data)} bytes, over the limit of {limit} bytes")
    return data


def check_topic(topic: str) -> str:
    """Return `topic` if it is a valid name (lower-case, digits, ``._-``), else raise."""
    if not isinstance(topic, str) or not TOPIC_RE.match(topic):
        raise PayloadError(
            f"invalid topic {topic!r}: use 1-100 characters a-z 0-9 . _ - starting with a letter"
        )
    return topic
