"""`Router`: cache -> classify -> chain of providers -> offline, inside the message's deadline.

For each conversation the router classifies the new message (simple / complex), answers from
the response cache when the message may use it, and otherwise walks the class's chain. Each
provider is skipped without a call when it is disabled (bad key), its breaker is open, its quota
or the provider's own rate-limit headers say it is exhausted, or its monthly budget is spent.
Each attempt runs under ``anyio.fail_after`` with at most the time left before the deadline minus
a small reserve, so `offline` (the FAQ, or the holding reply) always answers in time.
`route` never raises for provider failures; only configuration mistakes raise, at build time.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import structlog
from onebox_bus import BusError, WriteBehind
from sqlalchemy.exc import SQLAlchemyError

from ._metrics import Collector, RouterMetrics
from .breaker import CircuitBreaker
from .cache import CacheHit, ResponseCache, namespace
from .classifier import Classifier
from .conversation import Completion, Conversation, MessageClass, Reply
from .errors import BREAKER_KINDS, ConfigError, ProviderError
from .ledger import CallRecord, Ledger, month_start, next_month_start
from .offline import OfflineProvider
from .policy import ProviderConfig, RoutingPolicy
from .prices import FREE
from .privacy import cache_exclusion
from .provider import CompletionRequest, Provider
from .ratelimit import Quota

log = structlog.get_logger()
T = TypeVar("T")
#: One route's call records; when its answer may be cached, (namespace, question, reply);
#: and the cached rows served since the last write (row id -> times).
_Saved = tuple[list[CallRecord], tuple[str, str, Reply] | None, dict[int, int]]

#: An attempt with less time than this left is not started.
MIN_ATTEMPT_S = 0.05
#: Spend totals are re-read from the ledger this often (other processes spend too).
SPEND_REFRESH_S = 60.0
#: Cache hits are counted in memory and written (`ResponseCache.record_reuse`) with the next
#: route's rows, or on their own once this many have gathered or the oldest is this old.
REUSE_BATCH = 200
REUSE_FLUSH_S = 30.0


@dataclass(slots=True)
class ProviderState:
    """What the router knows about one provider between calls."""

    provider: Provider
    config: ProviderConfig
    quota: Quota
    breaker: CircuitBreaker
    disabled: str | None = None
    spent_month: float = 0.0
    spend_loaded_at: float = field(default=-1e18)


def _default_config(name: str, provider: Provider) -> ProviderConfig:
    return ProviderConfig(
        name=name, kind="openai", base_url="", model=provider.model, api_key=None,
        timeout_s=30.0, connect_timeout_s=3.0, rpm=None, tpm=None, price=FREE,
        monthly_budget_usd=None, max_tokens=512, temperature=0.3,
    )  # fmt: skip


class Router:
    """Routes conversations to the cheapest provider that answers in time.

    Args:
        policy: chains, limits, prices and tunables (see `onebox_router.policy`).
        providers: the callable providers by name (``offline`` excluded); a provider missing
            from ``policy.providers`` gets no limits and a zero price (tests' fakes).
        offline: the last resort.
        cache: the response cache, or None to disable it.
        ledger: where calls are recorded and budgets read, or None.
        clock: wall clock (unix seconds); deadlines are in its time.
        collector: optional metrics collector.
        answer_version: a version of what answers depend on besides the system prompt (the
            FAQ's hash, say); part of the cache namespace.
    """

    def __init__(
        self,
        *,
        policy: RoutingPolicy,
        providers: Mapping[str, Provider],
        offline: OfflineProvider,
        cache: ResponseCache | None = None,
        ledger: Ledger | None = None,
        clock: Callable[[], float] = time.time,
        collector: Collector | None = None,
        answer_version: str = "",
    ) -> None:
        self.policy = policy
        self.cache = cache
        self._offline = offline
        self._ledger = ledger
        self._clock = clock
        self._metrics = RouterMetrics(collector)
        self._classifier = Classifier(threshold=policy.classifier_threshold)
        self._version = f"{policy.version}:{answer_version}"
        self._behind: WriteBehind[_Saved] = WriteBehind(self._write, on_error=self._write_failed)
        self._served: Counter[int] = Counter()
        self._served_since = 0.0
        self.states: dict[str, ProviderState] = {}
        for cls, chain in policy.chains.items():
            for name in chain:
                if name != "offline" and name not in providers:
                    raise ConfigError(f"chain {cls!r} names provider {name!r} that was not given")
        for name, provider in providers.items():
            config = policy.providers.get(name) or _default_config(name, provider)
            self.states[name] = ProviderState(
                provider=provider,
                config=config,
                quota=Quota.per_minute(rpm=config.rpm, tpm=config.tpm),
                breaker=CircuitBreaker(
                    failure_threshold=policy.breaker_failures, cooldown_s=policy.breaker_cooldown_s
                ),
            )

    @property
    def classifier(self) -> Classifier:
        """The classifier in use."""
        return self._classifier

    async def route(self, conversation: Conversation, *, deadline: float | None = None) -> Reply:
        """Answer `conversation` no later than `deadline` (absolute, in clock seconds).

        Never raises for provider failures: when every provider fails, is skipped or runs out
        of time, the offline answer is returned.
        """
        started = time.perf_counter()
        if deadline is None:
            deadline = self._clock() + self.policy.deadline_s
        context = (
            {"correlation_id": conversation.correlation_id} if conversation.correlation_id else {}
        )
        with structlog.contextvars.bound_contextvars(**context):
            reply, attempts = await self._route(conversation, deadline, started)
        self._metrics.reply(
            provider=reply.provider, cls=reply.classification, cached=reply.cached,
            seconds=reply.latency_s,
        )  # fmt: skip
        log.info(
            "router.reply",
            correlation_id=conversation.correlation_id or None,
            provider=reply.provider,
            model=reply.model,
            classification=reply.classification,
            classified_as=reply.reason,
            cached=reply.cached,
            attempts=attempts,
            latency_ms=round(reply.latency_s * 1000, 2),
            input_tokens=reply.input_tokens,
            output_tokens=reply.output_tokens,
            cost_usd=reply.cost_usd,
        )
        return reply

    async def _route(
        self, conversation: Conversation, deadline: float, started: float
    ) -> tuple[Reply, int]:
        classification = self._classifier.classify(conversation)
        cls, why = classification.label, classification.explanation
        # Not the class: a paraphrase classified the other way asks the same thing.
        scope = conversation.cache_scope
        ns = namespace(conversation.system if scope is None else scope, self._version)
        exclusion = cache_exclusion(conversation) if self.cache is not None else "disabled"
        if self.cache is not None and exclusion is None:
            hit = await self._lookup(self.cache, ns, conversation.question, deadline)
            self._metrics.lookup(hit.match if hit else "miss")
            if hit is not None:
                self._count_reuse(hit.id)
                return Reply(
                    text=hit.answer, provider="cache", model=hit.model, cached=True,
                    classification=cls, reason=why, latency_s=time.perf_counter() - started,
                ), 0  # fmt: skip
        elif exclusion is not None and exclusion != "disabled":
            self._metrics.lookup("bypass_" + exclusion.split(":")[0])

        records: list[CallRecord] = []
        chain = [name for name in self.policy.chains[cls] if name != "offline"]
        if any(self._needs_spend(self.states[name]) for name in chain):
            await self._refresh_spend(deadline)
        for name in chain:
            remaining = deadline - self._clock() - self.policy.offline_reserve_s
            if remaining < MIN_ATTEMPT_S:
                log.warning("router.deadline_reached", provider=name)
                break
            state = self.states[name]
            config = state.config
            request = CompletionRequest.from_conversation(
                conversation, max_tokens=config.max_tokens, temperature=config.temperature
            )
            estimate = request.estimate_tokens()
            now = self._clock()
            reason = self._skip_reason(state, request, now)
            if reason is not None:
                log.info("router.provider_skipped", provider=name, reason=reason)
                self._metrics.skip(provider=name, reason=reason)
                continue
            completion, error, seconds = await self._attempt(state, request, estimate, remaining)
            if completion is not None:
                cost = config.price.cost(completion.input_tokens, completion.output_tokens)
                state.spent_month += cost
                self._metrics.attempt(
                    provider=name, outcome="ok", cost=cost,
                    tokens=(completion.input_tokens, completion.output_tokens),
                )  # fmt: skip
                records.append(self._record(conversation, cls, name, completion.model, seconds,
                                            "ok", completion, cost))  # fmt: skip
                reply = Reply(
                    text=completion.text, provider=name, model=completion.model, cached=False,
                    classification=cls, reason=why, latency_s=time.perf_counter() - started,
                    input_tokens=completion.input_tokens, output_tokens=completion.output_tokens,
                    cost_usd=cost,
                )  # fmt: skip
                store = exclusion is None and self.cache is not None
                self._save(records, (ns, conversation.question, reply) if store else None)
                return reply, len(records)
            assert error is not None
            self._metrics.attempt(provider=name, outcome=error.kind)
            records.append(self._record(conversation, cls, name, config.model, seconds,
                                        error.kind, None, 0.0))  # fmt: skip

        offline = self._offline.answer(conversation.question, language=conversation.language)
        records.append(self._record(conversation, cls, self._offline.name, offline.model, 0.0,
                                    "ok", offline, 0.0))  # fmt: skip
        self._save(records, None)
        return Reply(
            text=offline.text, provider=self._offline.name, model=offline.model, cached=False,
            classification=cls, reason=why, latency_s=time.perf_counter() - started,
        ), len(records)  # fmt: skip

    async def _attempt(
        self, state: ProviderState, request: CompletionRequest, estimate: int, budget_s: float
    ) -> tuple[Completion | None, ProviderError | None, float]:
        name, config = state.config.name, state.config
        timeout = min(config.timeout_s, budget_s)
        state.quota.take(estimate, now=self._clock())
        began = time.perf_counter()
        error: ProviderError
        try:
            with anyio.fail_after(timeout):
                completion = await state.provider.complete(request)
        except TimeoutError:
            error = ProviderError(
                f"{name!r} gave no answer within {timeout:.2f}s", provider=name, kind="timeout"
            )
        except ProviderError as exc:
            error = exc
        except Exception as exc:  # a provider's bug must not cost the customer an answer
            log.exception("router.provider_crashed", provider=name)
            error = ProviderError(
                f"{name!r} crashed ({type(exc).__name__})", provider=name, kind="server_error"
            )
        else:
            seconds = time.perf_counter() - began
            now = self._clock()
            state.breaker.record_success()
            actual = completion.input_tokens + completion.output_tokens
            if actual:
                state.quota.correct(estimate, actual, now=now)
            if completion.rate_limits is not None:
                state.quota.observe(completion.rate_limits, next_tokens=estimate, now=now)
            return completion, None, seconds
        seconds = time.perf_counter() - began
        self._on_failure(state, error)
        return None, error, seconds

    def _on_failure(self, state: ProviderState, error: ProviderError) -> None:
        name, now = state.config.name, self._clock()
        fields: dict[str, Any] = {"provider": name, "kind": error.kind}
        if error.status_code is not None:
            fields["status_code"] = error.status_code
        if error.kind == "auth":
            state.disabled = "auth"
            log.error("router.provider_disabled", reason="authentication failed: check its key",
                      **fields)  # fmt: skip
            return
        if error.kind == "spend_limit":
            until = next_month_start(now) if error.retry_after is None else now + error.retry_after
            state.quota.hold(until, "spend_limit")
            log.error("router.provider_spend_limit", until=until, **fields)
            return
        if error.kind == "rate_limited":
            state.quota.hold(now + max(error.retry_after or 5.0, 1.0), "rate_limited")
        elif error.kind == "overloaded":
            state.quota.hold(now + max(error.retry_after or 5.0, 1.0), "overloaded")
        if error.kind in BREAKER_KINDS:
            state.breaker.record_failure(now=now)
        else:
            state.breaker.release()
        log.warning("router.provider_failed", retry_after=error.retry_after,
                    breaker=state.breaker.state, **fields)  # fmt: skip

    def _skip_reason(
        self, state: ProviderState, request: CompletionRequest, now: float
    ) -> str | None:
        if state.disabled is not None:
            return f"disabled_{state.disabled}"
        config = state.config
        budget = config.monthly_budget_usd
        if budget is not None:
            worst = config.price.cost(request.prompt_tokens(), config.max_tokens)
            if state.spent_month + worst > budget:
                return "budget"
        blocked = state.quota.blocked(request.estimate_tokens(), now=now)
        if blocked is not None:
            return blocked
        if not state.breaker.allow(now=now):
            return "breaker_open"
        return None

    def _needs_spend(self, state: ProviderState) -> bool:
        if state.config.monthly_budget_usd is None or self._ledger is None:
            return False
        now = self._clock()
        return (
            now - state.spend_loaded_at > SPEND_REFRESH_S
            or month_start(now) > state.spend_loaded_at
        )

    async def _refresh_spend(self, deadline: float) -> None:
        assert self._ledger is not None
        now = self._clock()
        spent = await self._io(deadline, self._ledger.spend_since, month_start(now))
        if spent is None:
            return
        for name, state in self.states.items():
            state.spent_month = spent.get(name, 0.0)
            state.spend_loaded_at = now

    def _record(
        self, conversation: Conversation, cls: MessageClass, provider: str, model: str,
        seconds: float, outcome: str, completion: Completion | None, cost: float,
    ) -> CallRecord:  # fmt: skip
        return CallRecord(
            created_at=self._clock(),
            provider=provider,
            model=model,
            message_class=cls,
            input_tokens=completion.input_tokens if completion else 0,
            output_tokens=completion.output_tokens if completion else 0,
            cost_usd=cost,
            latency_s=seconds,
            outcome=outcome,
            correlation_id=conversation.correlation_id or None,
            channel=conversation.channel or None,
        )

    async def _lookup(
        self, cache: ResponseCache, ns: str, question: str, deadline: float
    ) -> CacheHit | None:
        sig = cache.signature(question)
        if cache.inline_reads:
            # On SQLite (WAL) a read never waits for a writer: both lookups run on the loop,
            # without a thread hand-off (which alone costs more than the paraphrase match).
            for lookup in (cache.lookup_exact, cache.lookup_similar):
                try:
                    hit = lookup(ns, sig)
                except (SQLAlchemyError, BusError, sqlite3.Error) as exc:
                    log.error(
                        "router.database_error", operation=lookup.__name__,
                        error=type(exc).__name__,
                    )  # fmt: skip
                    return None
                if hit is not None:
                    return hit
            return None
        return await self._io(deadline, cache.lookup, ns, question)

    def _count_reuse(self, row_id: int) -> None:
        """Count one serving of cached row `row_id`, in memory (written in batches, behind)."""
        if not self._served:
            self._served_since = self._clock()
        self._served[row_id] += 1
        if (
            self._served.total() >= REUSE_BATCH
            or self._clock() - self._served_since >= REUSE_FLUSH_S
        ):
            self._behind.add(([], None, self._take_served()))

    def _take_served(self) -> dict[int, int]:
        served, self._served = dict(self._served), Counter()
        return served

    def _save(self, records: list[CallRecord], store: tuple[str, str, Reply] | None) -> None:
        """Queue the call records (and the answer to cache) to be written behind the reply,
        with the cache hits counted since the last write."""
        if self._ledger is not None or (store is not None and self.cache is not None):
            self._behind.add((records, store, self._take_served() if self._served else {}))

    async def _write(self, batch: list[_Saved]) -> None:
        await anyio.to_thread.run_sync(self._persist, batch)

    def _persist(self, batch: list[_Saved]) -> None:
        if self._ledger is not None:
            self._ledger.record([record for records, _, _ in batch for record in records])
        if self.cache is not None:
            entries = [store for _, store, _ in batch if store is not None]
            self.cache.store_many(
                [
                    (ns, question, reply.text, reply.provider, reply.model)
                    for ns, question, reply in entries
                ],
                classes=[reply.classification for _, _, reply in entries],
            )
            served: Counter[int] = Counter()
            for _, _, counts in batch:
                served.update(counts)
            self.cache.record_reuse(served)

    def _write_failed(self, exc: Exception, batch: list[_Saved]) -> None:
        log.error(
            "router.database_error", operation="save", routes=len(batch), error=type(exc).__name__
        )

    async def flush(self) -> None:
        """Wait until the call records, cache entries and reuse counts of past routes are
        written."""
        if self._served:
            self._behind.add(([], None, self._take_served()))
        await self._behind.flush()

    async def _io(self, deadline: float, fn: Callable[..., T], *args: Any) -> T | None:
        """Run blocking database work in a thread, given up (not waited for) at the deadline."""
        left = deadline - self._clock() - self.policy.offline_reserve_s
        if left <= 0:
            log.warning("router.io_skipped", operation=getattr(fn, "__name__", "io"))
            return None
        try:
            with anyio.move_on_after(left):
                return await anyio.to_thread.run_sync(lambda: fn(*args), abandon_on_cancel=True)
        except (SQLAlchemyError, BusError) as exc:
            log.error("router.database_error", operation=getattr(fn, "__name__", "io"),
                      error=type(exc).__name__)  # fmt: skip
            return None
        log.warning("router.io_abandoned", operation=getattr(fn, "__name__", "io"))
        return None

    async def aclose(self) -> None:
        """Write what is queued, then release the router's resources (not the HTTP client or
        database it was given)."""
        await self.flush()
        if self.cache is not None:
            self.cache.close()
