"""Rate-limit parsing, token buckets, holds and the circuit breaker."""

from __future__ import annotations

import pytest
from onebox_router import CircuitBreaker, Quota, parse_duration
from onebox_router.ratelimit import parse_reset, parse_retry_after, read_rate_limit_headers


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("2m59.56s", 179.56), ("7.66s", 7.66), ("120ms", 0.12), ("1h2m", 3720.0), ("2", 2.0)],
)
def test_go_durations_parse(raw: str, seconds: float) -> None:
    assert parse_duration(raw) == pytest.approx(seconds)


def test_bad_durations_are_none() -> None:
    assert parse_duration("soon") is None
    assert parse_duration("5 parsecs") is None


def test_rfc3339_reset_is_seconds_from_now() -> None:
    now = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    assert parse_reset("2027-01-15T08:00:30Z", now=now) == pytest.approx(30.0)
    assert parse_retry_after({"retry-after": "7"}, now=now) == 7.0
    assert parse_retry_after({}, now=now) is None


def test_groq_headers_are_read() -> None:
    headers = {
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "2m59.56s",
        "x-ratelimit-remaining-tokens": "120",
        "x-ratelimit-reset-tokens": "7.66s",
    }
    limits = read_rate_limit_headers(headers, now=0.0)
    assert limits.remaining_requests == 0
    assert limits.reset_requests_s == pytest.approx(179.56)
    quota = Quota.per_minute(rpm=None, tpm=None)
    quota.observe(limits, next_tokens=500, now=100.0)
    assert quota.blocked(500, now=100.0) == "provider_requests_exhausted"
    assert quota.blocked(500, now=280.0) is None


def test_bucket_empties_and_refills() -> None:
    quota = Quota.per_minute(rpm=2, tpm=None)
    for _ in range(2):
        assert quota.blocked(10, now=0.0) is None
        quota.take(10, now=0.0)
    assert quota.blocked(10, now=0.0) == "requests_per_minute"
    assert quota.blocked(10, now=31.0) is None  # one request refilled after 30 s


def test_token_bucket_counts_reported_usage() -> None:
    quota = Quota.per_minute(rpm=None, tpm=1000)
    quota.take(100, now=0.0)
    quota.correct(100, 950, now=0.0)
    assert quota.blocked(100, now=0.0) == "tokens_per_minute"


def test_holds_extend_and_never_shorten() -> None:
    quota = Quota.per_minute(rpm=None, tpm=None)
    quota.hold(100.0, "rate_limited")
    quota.hold(50.0, "rate_limited")
    assert quota.blocked(1, now=99.0) == "rate_limited"
    assert quota.blocked(1, now=100.0) is None


def test_breaker_opens_probes_once_and_closes() -> None:
    breaker = CircuitBreaker(failure_threshold=3, cooldown_s=30.0)
    for _ in range(3):
        assert breaker.allow(now=0.0)
        breaker.record_failure(now=0.0)
    assert breaker.state == "open"
    assert not breaker.allow(now=29.0)
    assert breaker.allow(now=30.0)  # the probe
    assert not breaker.allow(now=30.0)  # only one
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow(now=30.0)


def test_failed_probe_reopens_for_another_cooldown() -> None:
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=10.0)
    breaker.record_failure(now=0.0)
    assert breaker.allow(now=10.0)
    breaker.record_failure(now=10.0)
    assert breaker.state == "open"
    assert not breaker.allow(now=19.0)
    assert breaker.allow(now=20.0)
