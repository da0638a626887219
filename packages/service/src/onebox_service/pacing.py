"""Pacing: how long to wait before the next send, so bursts are smoothed, not refused.

`Pacer` is pure bookkeeping over an injected clock: `delay(key, group=...)` says how long
until a send to that conversation is allowed under three limits, `record(key, group=...)`
books a send. The limits are a minimum interval per key (conversation), at most
`group_per_minute` sends per group in any 60 s, and at most `global_per_second` sends in any
second. `hold` blocks a key (or everything) until a time, after the platform said 429.
The caller awaits: `pace()` loops delay/sleep/record.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass

import anyio
from onebox_bus import Clock, Sleep


@dataclass(frozen=True, slots=True, kw_only=True)
class PacingLimits:
    """A platform's send limits (None: no such limit).

    Attributes:
        per_key_interval: minimum seconds between two sends to one conversation.
        group_per_minute: sends per group conversation in any 60 seconds.
        global_per_second: sends per second, all conversations together.
    """

    per_key_interval: float | None = 1.0
    group_per_minute: int | None = None
    global_per_second: float | None = None


class Pacer:
    """Per-conversation, per-group and global send pacing over an injected clock."""

    def __init__(
        self, limits: PacingLimits, *, clock: Clock = time.time, max_keys: int = 10_000
    ) -> None:
        self.limits = limits
        self.clock = clock
        self._max_keys = max_keys
        self._last: OrderedDict[str, float] = OrderedDict()
        self._groups: OrderedDict[str, deque[float]] = OrderedDict()
        self._global: deque[float] = deque()
        self._held: dict[str | None, float] = {}

    def delay(self, key: str, *, group: str | None = None) -> float:
        """Seconds to wait before a send to `key` is allowed (0.0: send now)."""
        now = self.clock()
        wait = 0.0
        for who in (None, key):
            until = self._held.get(who)
            if until is not None:
                if until > now:
                    wait = max(wait, until - now)
                else:
                    del self._held[who]
        interval = self.limits.per_key_interval
        last = self._last.get(key)
        if interval and last is not None:
            wait = max(wait, last + interval - now)
        per_minute = self.limits.group_per_minute
        if group is not None and per_minute:
            sent = self._groups.get(group)
            if sent is not None:
                _trim(sent, now - 60.0)
                if len(sent) >= per_minute:
                    wait = max(wait, sent[-per_minute] + 60.0 - now)
        per_second = self.limits.global_per_second
        if per_second:
            _trim(self._global, now - 1.0)
            allowed = max(1, int(per_second))
            if len(self._global) >= allowed:
                wait = max(wait, self._global[-allowed] + 1.0 - now)
        return max(0.0, wait)

    def record(self, key: str, *, group: str | None = None) -> None:
        """Book a send to `key` now."""
        now = self.clock()
        self._last[key] = now
        self._last.move_to_end(key)
        if len(self._last) > self._max_keys:
            self._last.popitem(last=False)
        if group is not None and self.limits.group_per_minute:
            sent = self._groups.setdefault(group, deque())
            self._groups.move_to_end(group)
            sent.append(now)
            if len(self._groups) > self._max_keys:
                self._groups.popitem(last=False)
        if self.limits.global_per_second:
            self._global.append(now)

    def hold(self, seconds: float, *, key: str | None = None) -> None:
        """Allow no send to `key` (None: to anyone) for `seconds` from now."""
        until = self.clock() + max(0.0, seconds)
        self._held[key] = max(until, self._held.get(key, 0.0))


def _trim(times: deque[float], before: float) -> None:
    while times and times[0] <= before:
        times.popleft()


async def pace(
    pacer: Pacer, key: str, *, group: str | None = None, sleep: Sleep = anyio.sleep
) -> float:
    """Wait until `pacer` allows a send to `key`, then book it; returns the seconds waited.

    Channels that split a reply into parts call this before each extra part.
    """
    waited = 0.0
    while True:
        wait = pacer.delay(key, group=group)
        if wait <= 0:
            pacer.record(key, group=group)
            return waited
        await sleep(wait)
        waited += wait
