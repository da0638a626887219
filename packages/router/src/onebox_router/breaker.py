"""A circuit breaker per provider: closed -> open after repeated failures -> one probe -> closed.

The breaker is a pure state machine over an injected time: `allow` says whether a call may be
made, `record_success` / `record_failure` move it. While open the provider is skipped without a
call; after `cooldown_s` exactly one probe is let through (half-open). The probe's success closes
the breaker; its failure opens it again for another cooldown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


@dataclass(slots=True)
class CircuitBreaker:
    """Opens after `failure_threshold` consecutive failures, for `cooldown_s` seconds."""

    failure_threshold: int = 3
    cooldown_s: float = 30.0
    state: BreakerState = "closed"
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = False

    def allow(self, *, now: float) -> bool:
        """Whether a call may go out now; in half-open state, only the one probe may."""
        if self.state == "closed":
            return True
        if self.state == "open" and now - self.opened_at >= self.cooldown_s:
            self.state = "half_open"
            self.probing = False
        if self.state == "half_open" and not self.probing:
            self.probing = True
            return True
        return False

    def record_success(self) -> None:
        """A call succeeded: the breaker closes and the failure count resets."""
        self.state = "closed"
        self.failures = 0
        self.probing = False

    def record_failure(self, *, now: float) -> None:
        """A call failed; the breaker opens at the threshold, or at once when a probe failed."""
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.failure_threshold:
            self.state = "open"
            self.opened_at = now
            self.probing = False

    def release(self) -> None:
        """A probe ended without a verdict (cancelled, bad request): let another probe go."""
        self.probing = False
