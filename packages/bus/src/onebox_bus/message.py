"""The values the bus hands out: claimed messages and per-topic statistics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson

State = Literal["ready", "claimed", "done", "dead"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One claimed message.

    `attempt` is the claim's token: ack and nack only act while it is still the message's
    current attempt, so a consumer whose lease ran out cannot ack another consumer's claim.
    """

    id: int
    topic: str
    payload: bytes
    key: str | None
    dedupe_key: str | None
    correlation_id: str | None
    attempt: int
    max_attempts: int
    created_at: float
    lease_until: float

    def json(self) -> Any:
        """The payload decoded from JSON."""
        return orjson.loads(self.payload)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    """A message that failed `max_attempts` times (or was dead-lettered at once)."""

    id: int
    topic: str
    payload: bytes
    key: str | None
    correlation_id: str | None
    attempts: int
    error: str | None
    created_at: float
    finished_at: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicStats:
    """Counts per state for one topic, and how long its oldest ready message has waited."""

    ready: int = 0
    claimed: int = 0
    done: int = 0
    dead: int = 0
    oldest_ready_age_s: float = 0.0


class BusStats(dict[str, TopicStats]):
    """`Bus.stats()`: a mapping of topic to `TopicStats`, plus the SQLite WAL file's size."""

    def __init__(self, topics: dict[str, TopicStats], *, wal_bytes: int = 0) -> None:
        super().__init__(topics)
        self.wal_bytes = wal_bytes
