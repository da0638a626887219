"""`Transcriber`: voice notes to text through a cheapest-first chain of speech providers.

The same machinery as the chat `Router`, applied to audio: each provider has a requests- and
audio-seconds-per-minute quota (`Quota`, fed by the provider's rate-limit headers and held on
429 for its ``retry-after``), a `CircuitBreaker`, a monthly budget read from the calls ledger,
and a per-file upload ceiling. A provider is skipped without a call when it is disabled (bad
key), the file is larger than it accepts, the worst-case cost would pass its budget, its quota
is held or empty, or its breaker is open. Each attempt gets at most the time left before the
deadline. 429, 5xx, timeouts and connection errors fall through to the next provider; a 413
stops the chain (the file is too large, and another upload of it will not help).

`transcribe` returns a `Transcript` or raises `TranscriptionFailed`, whose ``reason`` tells the
caller what to say: ``no_provider`` / ``unavailable`` / ``deadline`` (ask the customer to type,
or escalate), ``too_large`` / ``too_long`` (the note is too long to listen to). Every call is
written to the calls table with class ``transcription``, so the spend shows on the dashboard
and in status.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import anyio
import structlog
from onebox_bus import WriteBehind
from sqlalchemy.exc import SQLAlchemyError

from onebox_router._metrics import Collector, Counter
from onebox_router.breaker import CircuitBreaker
from onebox_router.errors import BREAKER_KINDS, ConfigError, ProviderError, RouterError
from onebox_router.ledger import CallRecord, Ledger, month_start, next_month_start
from onebox_router.ratelimit import Quota

from .audio import FREE_AUDIO, Audio
from .openai import Heard
from .policy import TranscriberConfig, TranscriptionPolicy

log = structlog.get_logger()

#: An attempt with less time than this left is not started.
MIN_ATTEMPT_S = 0.05
#: Spend totals are re-read from the ledger this often (other processes spend too).
SPEND_REFRESH_S = 60.0
#: The calls table's class for transcription calls.
TRANSCRIPTION_CLASS = "transcription"

FailureReason = Literal["no_provider", "too_large", "too_long", "unavailable", "deadline"]


class SpeechProvider(Protocol):
    """A speech-to-text endpoint (`OpenAICompatTranscriber`, or a test's fake)."""

    @property
    def name(self) -> str:
        """The provider's name in chains, logs and the calls table."""
        ...

    @property
    def model(self) -> str:
        """The model asked for."""
        ...

    async def transcribe(
        self, audio: Audio, *, language: str | None, read_timeout_s: float
    ) -> Heard:
        """Transcribe `audio` (upload and answer within `read_timeout_s`), or raise
        `ProviderError`."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptionAttempt:
    """One provider considered: called (``ok`` or an error kind) or skipped (``skipped:<why>``)."""

    provider: str
    outcome: str
    status_code: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Transcript:
    """A voice note's text and what it took to get it.

    Attributes:
        text: the transcript.
        language: ISO 639-1 code of the spoken language when the provider reported it (the
            reply should be written in it), else None.
        duration_s: the audio's length (the provider's measure, else the estimate).
        provider / model: who listened.
        cost_usd: what it cost (audio seconds x the policy's price).
        latency_s: seconds spent in `Transcriber.transcribe`.
        attempts: every provider considered, in order.
    """

    text: str
    language: str | None
    duration_s: float
    provider: str
    model: str
    cost_usd: float
    latency_s: float
    attempts: tuple[TranscriptionAttempt, ...] = ()


class TranscriptionFailed(RouterError):
    """No provider produced a transcript.

    Attributes:
        reason: ``no_provider`` (none configured), ``too_large`` (the file exceeds what the
            providers accept), ``too_long`` (longer than the caller's duration cap),
            ``deadline`` (no time left), ``unavailable`` (every provider failed, was skipped
            or is over budget).
        attempts: every provider considered, in order.
    """

    def __init__(
        self, reason: FailureReason, attempts: tuple[TranscriptionAttempt, ...] = ()
    ) -> None:
        tried = ", ".join(f"{a.provider}={a.outcome}" for a in attempts) or "none"
        super().__init__(f"no transcript ({reason}); providers: {tried}")
        self.reason: FailureReason = reason
        self.attempts = attempts


@dataclass(slots=True)
class _State:
    provider: SpeechProvider
    config: TranscriberConfig
    quota: Quota
    breaker: CircuitBreaker
    disabled: str | None = None
    spent_month: float = 0.0
    spend_loaded_at: float = field(default=-1e18)


class _Metrics:
    def __init__(self, collector: Collector | None) -> None:
        self.calls: Counter | None = None
        if collector is None:
            return
        self.calls = collector.counter(
            "onebox_router_transcriptions_total", "Transcription attempts by provider and outcome",
            labels=("provider", "outcome"),
        )  # fmt: skip
        self.audio = collector.counter(
            "onebox_router_audio_seconds_total", "Audio seconds transcribed, by provider",
            labels=("provider",),
        )  # fmt: skip
        self.cost = collector.counter(
            "onebox_router_cost_usd_total", "Spend in USD (usage x price table), by provider",
            labels=("provider",),
        )  # fmt: skip

    def attempt(self, provider: str, outcome: str, seconds: float = 0.0, cost: float = 0.0) -> None:
        if self.calls is None:
            return
        self.calls.inc(provider=provider, outcome=outcome)
        if seconds:
            self.audio.inc(seconds, provider=provider)
        if cost:
            self.cost.inc(cost, provider=provider)


class Transcriber:
    """Transcribes audio with the cheapest speech provider that answers in time.

    Args:
        policy: the speech providers, their limits and prices, and the chain.
        providers: the callable providers by name (every name of ``policy.chain``); one
            missing from ``policy.providers`` gets no limits and a zero price (tests' fakes).
        ledger: where calls are recorded and budgets read, or None.
        clock: wall clock (unix seconds); deadlines are in its time.
        collector: optional metrics collector.
    """

    def __init__(
        self,
        *,
        policy: TranscriptionPolicy,
        providers: Mapping[str, SpeechProvider],
        ledger: Ledger | None = None,
        clock: Callable[[], float] = time.time,
        collector: Collector | None = None,
    ) -> None:
        self.policy = policy
        self._ledger = ledger
        self._clock = clock
        self._metrics = _Metrics(collector)
        self._behind: WriteBehind[list[CallRecord]] = WriteBehind(
            self._write, on_error=self._write_failed
        )
        self.states: dict[str, _State] = {}
        for name in policy.chain:
            if name not in providers:
                raise ConfigError(f"transcription chain names provider {name!r} that was not given")
        for name, provider in providers.items():
            config = policy.providers.get(name) or TranscriberConfig(
                name=name, base_url="", model=provider.model, api_key=None,
                response_format="verbose_json", price=FREE_AUDIO, timeout_s=30.0,
                connect_timeout_s=3.0, rpm=None, audio_seconds_per_hour=None,
                monthly_budget_usd=None, max_upload_bytes=25 * 1024 * 1024,
            )  # fmt: skip
            per_minute = (
                config.audio_seconds_per_hour / 60.0 if config.audio_seconds_per_hour else None
            )
            self.states[name] = _State(
                provider=provider,
                config=config,
                quota=Quota.per_minute(rpm=config.rpm, tpm=per_minute),
                breaker=CircuitBreaker(
                    failure_threshold=policy.breaker_failures,
                    cooldown_s=policy.breaker_cooldown_s,
                ),
            )

    @property
    def available(self) -> bool:
        """Whether any provider is configured (False: ask customers to type)."""
        return bool(self.policy.chain)

    async def transcribe(
        self,
        audio: Audio,
        *,
        deadline: float,
        language: str | None = None,
        max_seconds: float | None = None,
        correlation_id: str | None = None,
        channel: str | None = None,
    ) -> Transcript:
        """The transcript of `audio`, obtained before `deadline` (absolute, clock seconds).

        Args:
            audio: the checked audio file.
            deadline: when to give up; each attempt gets at most the time left.
            language: an ISO 639-1 hint passed to the provider (None: let it detect).
            max_seconds: refuse, without a call, audio whose declared (or, lacking that,
                estimated) length is over this.
            correlation_id / channel: written to the calls table.

        Raises:
            TranscriptionFailed: no provider produced a transcript (see ``reason``).
        """
        started = time.perf_counter()
        attempts: list[TranscriptionAttempt] = []
        records: list[CallRecord] = []
        estimate = audio.estimate_seconds()
        chain = list(self.policy.chain)
        if not chain:
            raise TranscriptionFailed("no_provider")
        if max_seconds is not None and estimate > max_seconds:
            raise TranscriptionFailed("too_long")
        if self._ledger is not None and any(self._needs_spend(self.states[n]) for n in chain):
            await self._refresh_spend()
        reason: FailureReason = "unavailable"
        try:
            for name in chain:
                state = self.states[name]
                remaining = deadline - self._clock()
                if remaining < MIN_ATTEMPT_S:
                    reason = "deadline"
                    break
                skip = self._skip_reason(state, audio, estimate)
                if skip is not None:
                    attempts.append(TranscriptionAttempt(provider=name, outcome=f"skipped:{skip}"))
                    self._metrics.attempt(name, f"skipped_{skip}")
                    log.info("router.transcriber_skipped", provider=name, reason=skip)
                    continue
                heard, error, seconds = await self._attempt(state, audio, language, estimate,
                                                            remaining)  # fmt: skip
                if heard is not None:
                    return self._success(state, heard, estimate, seconds, started, attempts,
                                         records, correlation_id, channel)  # fmt: skip
                assert error is not None
                attempts.append(TranscriptionAttempt(
                    provider=name, outcome=error.kind, status_code=error.status_code,
                    seconds=seconds,
                ))  # fmt: skip
                records.append(self._record(state, error.kind, seconds, 0.0, correlation_id,
                                            channel))  # fmt: skip
                self._metrics.attempt(name, error.kind)
                if error.status_code == 413:
                    reason = "too_large"
                    break
            else:
                if attempts and all(a.outcome == "skipped:too_large" for a in attempts):
                    reason = "too_large"
        finally:
            self._save(records)
        log.warning("router.transcription_failed", reason=reason,
                    attempts=[f"{a.provider}={a.outcome}" for a in attempts],
                    correlation_id=correlation_id)  # fmt: skip
        raise TranscriptionFailed(reason, tuple(attempts))

    def _success(
        self, state: _State, heard: Heard, estimate: float, seconds: float, started: float,
        attempts: list[TranscriptionAttempt], records: list[CallRecord],
        correlation_id: str | None, channel: str | None,
    ) -> Transcript:  # fmt: skip
        name, config = state.config.name, state.config
        duration = heard.duration_s if heard.duration_s is not None else estimate
        cost = config.price.cost(duration)
        state.spent_month += cost
        state.quota.correct(round(estimate), round(duration), now=self._clock())
        attempts.append(TranscriptionAttempt(provider=name, outcome="ok", seconds=seconds))
        records.append(self._record(state, "ok", seconds, cost, correlation_id, channel))
        self._metrics.attempt(name, "ok", duration, cost)
        transcript = Transcript(
            text=heard.text, language=heard.language, duration_s=duration, provider=name,
            model=heard.model, cost_usd=cost, latency_s=time.perf_counter() - started,
            attempts=tuple(attempts),
        )  # fmt: skip
        log.info("router.transcribed", provider=name, model=heard.model,
                 attempts=len(attempts), audio_seconds=round(duration, 2),
                 latency_ms=round(transcript.latency_s * 1000, 2), cost_usd=cost,
                 language=heard.language, correlation_id=correlation_id)  # fmt: skip
        return transcript

    async def _attempt(
        self, state: _State, audio: Audio, language: str | None, estimate: float, left: float
    ) -> tuple[Heard | None, ProviderError | None, float]:
        name, config = state.config.name, state.config
        timeout = min(config.timeout_s, left)
        state.quota.take(round(estimate), now=self._clock())
        began = time.perf_counter()
        error: ProviderError
        try:
            with anyio.fail_after(timeout):
                heard = await state.provider.transcribe(
                    audio, language=language, read_timeout_s=timeout
                )
        except TimeoutError:
            error = ProviderError(
                f"{name!r} gave no transcript within {timeout:.2f}s", provider=name,
                kind="timeout",
            )  # fmt: skip
        except ProviderError as exc:
            error = exc
        except Exception as exc:  # a provider's bug must not cost the customer an answer
            log.exception("router.transcriber_crashed", provider=name)
            error = ProviderError(
                f"{name!r} crashed ({type(exc).__name__})", provider=name, kind="server_error"
            )
        else:
            state.breaker.record_success()
            if heard.rate_limits is not None:
                state.quota.observe(heard.rate_limits, next_tokens=0, now=self._clock())
            return heard, None, time.perf_counter() - began
        self._on_failure(state, error)
        return None, error, time.perf_counter() - began

    def _on_failure(self, state: _State, error: ProviderError) -> None:
        name, now = state.config.name, self._clock()
        if error.kind == "auth":
            state.disabled = "auth"
            log.error("router.transcriber_disabled", provider=name,
                      reason="authentication failed: check its key")  # fmt: skip
            return
        if error.kind == "spend_limit":
            until = next_month_start(now) if error.retry_after is None else now + error.retry_after
            state.quota.hold(until, "spend_limit")
        elif error.kind in ("rate_limited", "overloaded"):
            state.quota.hold(now + max(error.retry_after or 5.0, 1.0), error.kind)
        if error.kind in BREAKER_KINDS:
            state.breaker.record_failure(now=now)
        else:
            state.breaker.release()
        log.warning("router.transcriber_failed", provider=name, kind=error.kind,
                    status_code=error.status_code, retry_after=error.retry_after,
                    breaker=state.breaker.state)  # fmt: skip

    def _skip_reason(self, state: _State, audio: Audio, estimate: float) -> str | None:
        if state.disabled is not None:
            return f"disabled_{state.disabled}"
        config = state.config
        if audio.size > config.max_upload_bytes:
            return "too_large"
        budget = config.monthly_budget_usd
        if budget is not None and state.spent_month + config.price.cost(estimate) > budget:
            return "budget"
        now = self._clock()
        blocked = state.quota.blocked(round(estimate), now=now)
        if blocked is not None:
            return blocked
        if not state.breaker.allow(now=now):
            return "breaker_open"
        return None

    def _record(
        self, state: _State, outcome: str, seconds: float, cost: float,
        correlation_id: str | None, channel: str | None,
    ) -> CallRecord:  # fmt: skip
        return CallRecord(
            created_at=self._clock(), provider=state.config.name, model=state.config.model,
            message_class=TRANSCRIPTION_CLASS, cost_usd=cost, latency_s=seconds,
            outcome=outcome, correlation_id=correlation_id, channel=channel,
        )  # fmt: skip

    def _needs_spend(self, state: _State) -> bool:
        if state.config.monthly_budget_usd is None:
            return False
        now = self._clock()
        return (
            now - state.spend_loaded_at > SPEND_REFRESH_S
            or month_start(now) > state.spend_loaded_at
        )

    async def _refresh_spend(self) -> None:
        assert self._ledger is not None
        now = self._clock()
        try:
            spent = await anyio.to_thread.run_sync(self._ledger.spend_since, month_start(now))
        except SQLAlchemyError as exc:
            log.error("router.database_error", operation="spend_since", error=type(exc).__name__)
            return
        for name, state in self.states.items():
            state.spent_month = spent.get(name, 0.0)
            state.spend_loaded_at = now

    def _save(self, records: list[CallRecord]) -> None:
        if self._ledger is not None and records:
            self._behind.add(records)

    async def _write(self, batch: list[list[CallRecord]]) -> None:
        ledger = self._ledger
        assert ledger is not None
        rows = [record for records in batch for record in records]
        await anyio.to_thread.run_sync(ledger.record, rows)

    def _write_failed(self, exc: Exception, batch: list[list[CallRecord]]) -> None:
        log.error("router.database_error", operation="record_transcriptions",
                  calls=sum(len(b) for b in batch), error=type(exc).__name__)  # fmt: skip

    async def flush(self) -> None:
        """Wait until the call records of past transcriptions are written."""
        await self._behind.flush()
