"""The orchestrator's `inbound` consumer: its lease.

The consumer is the bus's `Consumer` (per-key FIFO claims, a concurrency cap, adaptive
polling woken by same-process publishes, graceful drain), run by the service kit's runtime.
Its lease outlasts the processing window, so a message is not handed to a second worker while
the first can still answer it inside the deadline. Retention (turns included) is the kit's
`RetentionWorker`, with the rules of `onebox_orchestrator.retention`.
"""

from __future__ import annotations

LEASE_MARGIN = 30.0
"""Seconds the lease outlasts the processing window (routing ends at the deadline at the latest)."""


def inbound_lease(deadline_seconds: float, lease_seconds: float | None = None) -> float:
    """The lease on a claimed inbound message: the processing window plus a margin."""
    return lease_seconds or deadline_seconds + LEASE_MARGIN
