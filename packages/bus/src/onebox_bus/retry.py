"""Retry policy: a pure function from the attempt number to the delay before the next one."""

from __future__ import annotations

import random


def next_retry_delay(
    attempt: int, *, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter in its upper half, capped.

    Args:
        attempt: the attempt that just failed, starting at 1.
        base: delay after the first failure, before jitter.
        cap: the longest delay ever returned.
        rng: source of jitter; injected so tests are repeatable.

    Returns:
        Seconds to wait, in ``[d/2, d]`` where ``d = min(cap, base * 2**(attempt-1))``.
    """
    rng = rng or random.Random()
    ceiling: float = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + rng.random() * ceiling / 2
