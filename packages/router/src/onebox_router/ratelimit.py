"""Quotas: per-provider token buckets for requests and tokens per minute, fed by rate-limit headers.

A provider is *held* (skipped without a call) until a time when its bucket is empty, when its own
headers say a counter is exhausted, or when it answered 429 (``retry-after``). Holds only ever
extend, never shorten (a second, shorter retry-after must not reopen the provider early).
Groq's ``x-ratelimit-reset-*`` values are Go durations (``2m59.56s``) and its request counters
are per *day*; Anthropic's ``anthropic-ratelimit-*-reset`` values are RFC 3339 timestamps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_duration(value: str) -> float | None:
    """Seconds in a Go-style duration (``2m59.56s``, ``7.66s``, ``120ms``) or a plain number."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass  # not a plain number: parse it as a duration
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * _UNIT[u] for n, u in parts)


def parse_reset(value: str, *, now: float) -> float | None:
    """Seconds until a reset given as a duration or an RFC 3339 timestamp."""
    seconds = parse_duration(value)
    if seconds is not None:
        return seconds
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def parse_retry_after(headers: Mapping[str, str], *, now: float) -> float | None:
    """The ``retry-after`` header in seconds (number or HTTP date), or None."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = parse_duration(raw)
    if seconds is not None:
        return seconds
    try:
        from email.utils import parsedate_to_datetime

        return max(0.0, parsedate_to_datetime(raw).timestamp() - now)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimitHeaders:
    """What a response said about the provider's counters (None when it did not say)."""

    remaining_requests: int | None = None
    reset_requests_s: float | None = None
    remaining_tokens: int | None = None
    reset_tokens_s: float | None = None


def read_rate_limit_headers(headers: Mapping[str, str], *, now: float) -> RateLimitHeaders:
    """Groq's ``x-ratelimit-*`` or Anthropic's ``anthropic-ratelimit-*`` counters."""

    def first(*names: str) -> str | None:
        for name in names:
            if name in headers:
                return headers[name]
        return None

    def as_int(raw: str | None) -> int | None:
        try:
            return int(raw) if raw is not None else None
        except ValueError:
            return None

    def as_reset(raw: str | None) -> float | None:
        return parse_reset(raw, now=now) if raw is not None else None

    return RateLimitHeaders(
        remaining_requests=as_int(
            first("x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining")
        ),
        reset_requests_s=as_reset(
            first("x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset")
        ),
        remaining_tokens=as_int(
            first("x-ratelimit-remaining-tokens", "anthropic-ratelimit-tokens-remaining")
        ),
        reset_tokens_s=as_reset(
            first("x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset")
        ),
    )


@dataclass(slots=True)
class TokenBucket:
    """A bucket refilled at `per_minute` per minute up to `per_minute`; None means unlimited."""

    per_minute: float | None
    level: float = field(default=0.0)
    updated: float | None = field(default=None)

    def __post_init__(self) -> None:
        self.level = self.per_minute or 0.0

    def _refill(self, now: float) -> None:
        if self.per_minute is None:
            return
        if self.updated is not None:
            self.level = min(
                self.per_minute, self.level + (now - self.updated) * self.per_minute / 60.0
            )
        self.updated = now

    def available(self, amount: float, *, now: float) -> bool:
        """Whether `amount` can be taken now."""
        if self.per_minute is None:
            return True
        self._refill(now)
        return self.level >= min(amount, self.per_minute)

    def take(self, amount: float, *, now: float) -> None:
        """Take `amount` (the level may go negative when usage exceeds the estimate)."""
        if self.per_minute is None:
            return
        self._refill(now)
        self.level -= amount


@dataclass(slots=True)
class Quota:
    """One provider's requests and tokens per minute plus the holds its answers imposed."""

    requests: TokenBucket
    tokens: TokenBucket
    held_until: float = 0.0
    hold_reason: str = ""

    @classmethod
    def per_minute(cls, *, rpm: float | None, tpm: float | None) -> Quota:
        """A quota with `rpm` requests and `tpm` tokens per minute (None: unlimited)."""
        return cls(requests=TokenBucket(rpm), tokens=TokenBucket(tpm))

    def blocked(self, estimate_tokens: int, *, now: float) -> str | None:
        """Why a call of about `estimate_tokens` tokens must not be made now, or None."""
        if now < self.held_until:
            return self.hold_reason or "held"
        if not self.requests.available(1, now=now):
            return "requests_per_minute"
        if not self.tokens.available(estimate_tokens, now=now):
            return "tokens_per_minute"
        return None

    def take(self, estimate_tokens: int, *, now: float) -> None:
        """Count one request of about `estimate_tokens` tokens."""
        self.requests.take(1, now=now)
        self.tokens.take(estimate_tokens, now=now)

    def correct(self, estimate_tokens: int, actual_tokens: int, *, now: float) -> None:
        """Replace a call's estimate by the usage it reported."""
        self.tokens.take(actual_tokens - estimate_tokens, now=now)

    def hold(self, until: float, reason: str) -> None:
        """Skip the provider until `until`; an earlier hold is extended, never shortened."""
        if until > self.held_until:
            self.held_until = until
            self.hold_reason = reason

    def observe(self, headers: RateLimitHeaders, *, next_tokens: int, now: float) -> None:
        """Follow the provider's own counters: hold when one is exhausted until it resets."""
        if headers.remaining_requests is not None and headers.remaining_requests <= 0:
            self.hold(now + (headers.reset_requests_s or 60.0), "provider_requests_exhausted")
        if headers.remaining_tokens is not None and headers.remaining_tokens < next_tokens:
            self.hold(now + (headers.reset_tokens_s or 60.0), "provider_tokens_exhausted")
