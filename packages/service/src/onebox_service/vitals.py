"""Runtime health metrics of one service process: GC pauses, SQLite lock waits, process figures,
event-loop lag and the router's provider quotas.

`RuntimeVitals` declares its families on the service's `Collector` (so they appear in
``/metrics`` and in the metrics table like every other figure) and feeds them from:

- ``gc.callbacks``: each collection's pause, per generation (`install` / `uninstall`). The
  callback runs inside whatever allocation triggered the collection, possibly while that
  thread holds a metric family's lock (rendering ``/metrics`` copies cells under it), so it
  only queues the pause; the queue is fed into the families whenever they are read
  (`Collector.before_read`: ``/metrics``, a flush);
- the database's ``on_lock_wait(seconds, timed_out)`` hook (`lock_wait`): how long a write waited
  for the SQLite write lock, and the waits that ran out (busy timeouts);
- `sample` (every `sample_every` seconds from `run`): RSS, CPU seconds, open files and their
  limit, voluntary and involuntary context switches, and each watched provider's quota left
  (requests and tokens, from our buckets and the holds the provider's rate-limit headers
  impose), budget left this month and breaker state;
- `run`'s own ticks: how late a scheduled wake-up runs (event-loop lag).

The ``*_max_seconds`` gauges hold the worst value seen since the previous sample, so a status
line or an alert rule can compare them with a threshold (`onebox_metrics.thresholds`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import resource
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio
from onebox_metrics import Collector

#: Returns the router's provider states (``Router.states``): read by attribute, duck-typed,
#: because the service kit does not import the router.
ProviderStates = Callable[[], Mapping[str, Any]]

PAUSE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
LOCK_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BREAKER_STATES = {"closed": 0.0, "half_open": 1.0, "open": 2.0}


class _Max:
    """The largest value seen since the last `take` (thread-safe enough: floats under the GIL)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def see(self, value: float) -> None:
        if value > self.value:
            self.value = value

    def take(self) -> float:
        value, self.value = self.value, 0.0
        return value


class RuntimeVitals:
    """One process's runtime health figures, on the service's collector.

    Args:
        collector: the service's collector.
        sample_every: seconds between process and provider samples in `run`.
        lag_interval: seconds between event-loop lag probes in `run`.
        proc: the procfs folder of this process (open files are counted there).
    """

    def __init__(
        self,
        collector: Collector,
        *,
        sample_every: float = 10.0,
        lag_interval: float = 0.25,
        proc: Path = Path("/proc/self"),
    ) -> None:
        self.collector = collector
        self.sample_every = sample_every
        self.lag_interval = lag_interval
        self.proc = proc
        self._providers: list[ProviderStates] = []
        self._gc_started: dict[int, float] = {}
        #: Pauses (generation, seconds) queued by the GC callback; appending takes no lock.
        self._gc_pauses: deque[tuple[str, float]] = deque(maxlen=100_000)
        self._installed = False
        self._stopping = False
        self._wake: anyio.Event | None = None
        self._last_usage: tuple[float, float, float] | None = None
        self._gc_max, self._lag_max, self._lock_max = _Max(), _Max(), _Max()
        c = collector
        self.gc_pause = c.histogram(
            "onebox_gc_pause_seconds", "Garbage-collection pauses by generation.",
            labels=("generation",), buckets=PAUSE_BUCKETS,
        )  # fmt: skip
        self.gc_collections = c.counter(
            "onebox_gc_collections_total", "Garbage collections by generation.",
            labels=("generation",),
        )  # fmt: skip
        self.gc_pause_max = c.gauge(
            "onebox_gc_pause_max_seconds", "Longest GC pause since the previous sample."
        )
        self.lock_waits = c.counter(
            "onebox_sqlite_lock_waits_total", "Writes that waited for the SQLite write lock."
        )
        self.lock_wait_seconds = c.histogram(
            "onebox_sqlite_lock_wait_seconds", "How long a write waited for the SQLite lock.",
            buckets=LOCK_BUCKETS,
        )  # fmt: skip
        self.lock_wait_max = c.gauge(
            "onebox_sqlite_lock_wait_max_seconds", "Longest lock wait since the previous sample."
        )
        self.busy_timeouts = c.counter(
            "onebox_sqlite_busy_timeouts_total", "Writes that gave up waiting for the lock."
        )
        self.rss = c.gauge("onebox_process_resident_memory_bytes", "Resident set size.")
        self.cpu = c.counter("onebox_process_cpu_seconds_total", "User and system CPU time.")
        self.open_fds = c.gauge("onebox_process_open_fds", "Open file descriptors.")
        self.max_fds = c.gauge("onebox_process_max_fds", "The open file descriptor limit.")
        self.switches = c.counter(
            "onebox_process_context_switches_total", "Context switches by kind.",
            labels=("kind",),
        )  # fmt: skip
        self.lag = c.histogram(
            "onebox_event_loop_lag_seconds", "How late a scheduled event-loop wake-up ran.",
            buckets=LAG_BUCKETS,
        )  # fmt: skip
        self.lag_max = c.gauge(
            "onebox_event_loop_lag_max_seconds", "Worst event-loop lag since the previous sample."
        )
        self.quota_left = c.gauge(
            "onebox_provider_quota_left", "Requests or tokens left this minute, by provider.",
            labels=("provider", "kind"),
        )  # fmt: skip
        self.quota_ratio = c.gauge(
            "onebox_provider_quota_left_ratio", "Share of the per-minute quota left (0-1).",
            labels=("provider", "kind"),
        )  # fmt: skip
        self.budget_left = c.gauge(
            "onebox_provider_budget_left_usd", "Spend budget left this month, in USD.",
            labels=("provider",),
        )  # fmt: skip
        self.budget_ratio = c.gauge(
            "onebox_provider_budget_left_ratio", "Share of this month's budget left (0-1).",
            labels=("provider",),
        )  # fmt: skip
        self.breaker = c.gauge(
            "onebox_provider_breaker_state", "Breaker state: 0 closed, 1 half-open, 2 open.",
            labels=("provider",),
        )  # fmt: skip
        c.before_read(self._feed_gc)

    # -- garbage collection --------------------------------------------------------------

    def install(self) -> None:
        """Start timing collections (``gc.callbacks``)."""
        if not self._installed:
            gc.callbacks.append(self._on_gc)
            self._installed = True

    def uninstall(self) -> None:
        """Stop timing collections."""
        if self._installed:
            with contextlib.suppress(ValueError):
                gc.callbacks.remove(self._on_gc)
            self._installed = False

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        thread = threading.get_ident()
        if phase == "start":
            self._gc_started[thread] = time.perf_counter()
            return
        began = self._gc_started.pop(thread, None)
        if began is None:
            return
        pause = time.perf_counter() - began
        self._gc_pauses.append((str(info.get("generation", "?")), pause))
        self._gc_max.see(pause)

    def _feed_gc(self) -> None:
        """Move the queued pauses into their families (never from the GC callback itself)."""
        pauses = self._gc_pauses
        while pauses:
            try:
                generation, pause = pauses.popleft()
            except IndexError:  # another reader took the last one
                return
            self.gc_pause.observe(pause, generation=generation)
            self.gc_collections.inc(generation=generation)

    # -- SQLite lock waits (the database's on_lock_wait hook) ------------------------------

    def lock_wait(self, seconds: float, timed_out: bool) -> None:
        """Count one wait for the SQLite write lock (`Database(on_lock_wait=...)`)."""
        self.lock_waits.inc()
        self.lock_wait_seconds.observe(seconds)
        self._lock_max.see(seconds)
        if timed_out:
            self.busy_timeouts.inc()

    # -- providers ---------------------------------------------------------------------

    def watch_providers(self, states: ProviderStates) -> None:
        """Sample quota, budget and breaker gauges of these provider states (``Router.states``)."""
        self._providers.append(states)

    def _sample_providers(self, now: float) -> None:
        for states in self._providers:
            for name, state in states().items():
                self._sample_provider(str(name), state, now)

    def _sample_provider(self, name: str, state: Any, now: float) -> None:
        quota = state.quota
        held = now < float(getattr(quota, "held_until", 0.0))
        for kind in ("requests", "tokens"):
            bucket = getattr(quota, kind)
            if bucket.per_minute is None:
                if held:
                    self.quota_ratio.set(0.0, provider=name, kind=kind)
                    self.quota_left.set(0.0, provider=name, kind=kind)
                continue
            # the bucket refills lazily: `available` brings it up to date without taking
            bucket.available(0, now=now)
            level = 0.0 if held else max(0.0, float(bucket.level))
            self.quota_left.set(level, provider=name, kind=kind)
            self.quota_ratio.set(min(1.0, level / bucket.per_minute), provider=name, kind=kind)
        budget = getattr(state.config, "monthly_budget_usd", None)
        if budget:
            left = max(0.0, budget - float(state.spent_month))
            self.budget_left.set(left, provider=name)
            self.budget_ratio.set(left / budget, provider=name)
        self.breaker.set(BREAKER_STATES.get(str(state.breaker.state), 2.0), provider=name)

    # -- process -------------------------------------------------------------------------

    def sample(self, *, now: float | None = None) -> None:
        """Read the process figures and providers; move the window maxima into their gauges."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu, vol, invol = usage.ru_utime + usage.ru_stime, usage.ru_nvcsw, usage.ru_nivcsw
        last = self._last_usage or (0.0, 0.0, 0.0)
        self.cpu.inc(max(0.0, cpu - last[0]))
        self.switches.inc(max(0.0, vol - last[1]), kind="voluntary")
        self.switches.inc(max(0.0, invol - last[2]), kind="involuntary")
        self._last_usage = (cpu, float(vol), float(invol))
        self.rss.set(self._rss_bytes(usage))
        with contextlib.suppress(OSError):
            self.open_fds.set(len(os.listdir(self.proc / "fd")))
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY:
            self.max_fds.set(soft)
        self.gc_pause_max.set(self._gc_max.take())
        self.lag_max.set(self._lag_max.take())
        self.lock_wait_max.set(self._lock_max.take())
        self._sample_providers(time.time() if now is None else now)

    def _rss_bytes(self, usage: resource.struct_rusage) -> float:
        try:
            pages = int((self.proc / "statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            return float(usage.ru_maxrss) * 1024  # Linux reports the peak in KiB
        return float(pages * os.sysconf("SC_PAGE_SIZE"))

    # -- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        """Probe event-loop lag every `lag_interval` and sample every `sample_every`, until
        `stop`; GC timing is installed meanwhile."""
        self.install()
        self._wake = anyio.Event()
        self.sample()
        next_sample = time.monotonic() + self.sample_every
        try:
            while not self._stopping:
                expected = time.monotonic() + self.lag_interval
                with anyio.move_on_after(self.lag_interval):
                    await self._wake.wait()
                if self._stopping:
                    break
                lag = max(0.0, time.monotonic() - expected)
                self.lag.observe(lag)
                self._lag_max.see(lag)
                if time.monotonic() >= next_sample:
                    self.sample()
                    next_sample = time.monotonic() + self.sample_every
        finally:
            self.uninstall()
            self.sample()

    def stop(self) -> None:
        """Ask `run` to finish (call from the event loop's thread)."""
        self._stopping = True
        if self._wake is not None:
            self._wake.set()
