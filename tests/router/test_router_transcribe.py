"""Transcription: the OpenAI-compatible speech adapter on real audio, the strict fake, the chain
(quotas, holds, breakers, budgets, 413, deadline), the policy file and the ledger."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_router import ConfigError, Ledger, RouterSettings, spend_summary
from onebox_router.testing import FakeTranscriptionServer, SpeechFiles, parse_multipart
from onebox_router.transcribe import (
    GROQ_WHISPER,
    Audio,
    AudioPrice,
    OpenAICompatTranscriber,
    Transcriber,
    TranscriberConfig,
    TranscriptionFailed,
    TranscriptionFile,
    TranscriptionPolicy,
    language_code,
    load_transcription_policy,
    resolve_transcription,
)

pytestmark = pytest.mark.anyio
TURBO = AudioPrice(usd_per_hour=0.04, minimum_seconds=10.0)


@pytest.fixture
def groq_stt() -> FakeTranscriptionServer:
    with FakeTranscriptionServer(flavour="groq") as server:
        yield server


@pytest.fixture
def local_stt() -> FakeTranscriptionServer:
    with FakeTranscriptionServer(flavour="local", models=("whisper-small",)) as server:
        yield server


def ogg(speech: SpeechFiles, *, declared: float | None = None) -> Audio:
    return Audio(data=speech.ogg.read_bytes(), filename="voice.ogg", content_type="audio/ogg",
                 declared_seconds=declared)  # fmt: skip


def groq_adapter(http: httpx.AsyncClient, server: FakeTranscriptionServer, **kw: object):
    return OpenAICompatTranscriber(
        GROQ_WHISPER, http=http, base_url=server.url, model="whisper-large-v3-turbo",
        api_key=server.api_key, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def local_adapter(http: httpx.AsyncClient, server: FakeTranscriptionServer):
    return OpenAICompatTranscriber("local-whisper", http=http, base_url=server.url,
                                   model="whisper-small")  # fmt: skip


def config(name: str, *, price: AudioPrice = TURBO, budget: float | None = None,
           max_upload_mb: float = 25, rpm: float | None = None,
           timeout_s: float = 5.0) -> TranscriberConfig:  # fmt: skip
    return TranscriberConfig(
        name=name, base_url="", model="m", api_key=None, response_format="verbose_json",
        price=price, timeout_s=timeout_s, connect_timeout_s=1.0, rpm=rpm,
        audio_seconds_per_hour=None, monthly_budget_usd=budget,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
    )  # fmt: skip


def chain(http: httpx.AsyncClient, groq: FakeTranscriptionServer,
          local: FakeTranscriptionServer, clock: FakeClock, *, ledger: Ledger | None = None,
          groq_config: TranscriberConfig | None = None) -> Transcriber:  # fmt: skip
    policy = TranscriptionPolicy(
        providers={
            GROQ_WHISPER: groq_config or config(GROQ_WHISPER),
            "local-whisper": config("local-whisper", price=AudioPrice(usd_per_hour=0.0)),
        },
        chain=(GROQ_WHISPER, "local-whisper"),
        breaker_failures=2,
        breaker_cooldown_s=30.0,
    )
    providers = {
        GROQ_WHISPER: groq_adapter(http, groq),
        "local-whisper": local_adapter(http, local),
    }
    return Transcriber(policy=policy, providers=providers, ledger=ledger, clock=clock)


# --- the adapter and the fake, on real audio ------------------------------------------------


async def test_real_ogg_goes_up_as_multipart_and_comes_back_verbose(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer, speech: SpeechFiles
) -> None:
    heard = await groq_adapter(http, groq_stt).transcribe(
        ogg(speech), language=None, read_timeout_s=5
    )
    assert heard.text == groq_stt.transcript
    assert heard.language == "en"
    assert heard.duration_s == pytest.approx(2.4, abs=0.6)  # measured from the Opus granules
    upload = groq_stt.uploads[-1]
    assert upload.data == speech.ogg.read_bytes()  # the exact bytes, end to end
    assert upload.filename == "voice.ogg"
    assert upload.content_type == "audio/ogg"
    assert upload.fields == {"model": "whisper-large-v3-turbo", "response_format": "verbose_json"}
    assert groq_stt.requests[-1].headers["authorization"] == f"Bearer {groq_stt.api_key}"


async def test_wav_duration_and_language_hint(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer, speech: SpeechFiles
) -> None:
    audio = Audio(data=speech.wav.read_bytes(), filename="note.wav", content_type="audio/wav")
    assert audio.estimate_seconds() == pytest.approx(2.5, abs=0.6)  # from the RIFF header
    heard = await groq_adapter(http, groq_stt).transcribe(audio, language="pt", read_timeout_s=5)
    assert groq_stt.uploads[-1].fields["language"] == "pt"
    assert heard.language == "pt"  # the fake reports "portuguese", mapped back to the code
    assert heard.duration_s == pytest.approx(audio.estimate_seconds(), abs=0.01)


@pytest.mark.parametrize("fmt", ["json", "text"])
async def test_plain_formats_carry_only_text(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer, speech: SpeechFiles, fmt: str
) -> None:
    adapter = groq_adapter(http, groq_stt, response_format=fmt)
    heard = await adapter.transcribe(ogg(speech), language=None, read_timeout_s=5)
    assert heard.text == groq_stt.transcript
    assert (heard.language, heard.duration_s) == (None, None)
    assert groq_stt.uploads[-1].fields["response_format"] == fmt


async def test_fake_refuses_what_the_real_endpoint_refuses(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer, speech: SpeechFiles
) -> None:
    url = groq_stt.url + "/audio/transcriptions"
    auth = {"authorization": f"Bearer {groq_stt.api_key}"}
    data = speech.ogg.read_bytes()
    misspelt = await http.post(url, headers=auth, data={"model": "whisper-large-v3-turbo"},
                               files={"audio": ("v.ogg", data, "audio/ogg")})  # fmt: skip
    assert misspelt.status_code == 400
    assert "unknown parameter" in misspelt.json()["error"]["message"]
    no_model = await http.post(url, headers=auth, files={"file": ("v.ogg", data, "audio/ogg")})
    assert no_model.status_code == 400
    wrong_model = await http.post(url, headers=auth, data={"model": "whisper-1"},
                                  files={"file": ("v.ogg", data, "audio/ogg")})  # fmt: skip
    assert wrong_model.status_code == 404
    assert wrong_model.json()["error"]["code"] == "model_not_found"
    as_json = await http.post(url, headers=auth, json={"model": "whisper-large-v3-turbo"})
    assert as_json.status_code == 400
    bad_ext = await http.post(url, headers=auth, data={"model": "whisper-large-v3-turbo"},
                              files={"file": ("v.txt", data, "text/plain")})  # fmt: skip
    assert bad_ext.status_code == 400
    no_key = await http.post(url, data={"model": "whisper-large-v3-turbo"},
                             files={"file": ("v.ogg", data, "audio/ogg")})  # fmt: skip
    assert no_key.status_code == 401
    huge = await http.post(url, headers=auth, data={"model": "whisper-large-v3-turbo"},
                           files={"file": ("v.ogg", b"OggS" + bytes(26 * 1024 * 1024),
                                           "audio/ogg")})  # fmt: skip
    assert huge.status_code == 413
    assert groq_stt.uploads == []


def test_multipart_parser_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="multipart"):
        parse_multipart("application/json", b"{}")
    with pytest.raises(ValueError, match="terminated"):
        parse_multipart("multipart/form-data; boundary=x", b"--x\r\nbroken")


async def test_adapter_maps_errors(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer, speech: SpeechFiles
) -> None:
    from onebox_router import ProviderError

    adapter = groq_adapter(http, groq_stt)
    groq_stt.push(groq_stt.rate_limited(retry_after=7), groq_stt.rate_limited(retry_after=None),
                  groq_stt.too_large(), groq_stt.server_error(), groq_stt.malformed(),
                  groq_stt.heard("   "))  # fmt: skip
    seen = []
    for _ in range(6):
        with pytest.raises(ProviderError) as info:
            await adapter.transcribe(ogg(speech), language=None, read_timeout_s=5)
        seen.append((info.value.kind, info.value.status_code, info.value.retry_after))
    assert seen[0] == ("rate_limited", 429, 7.0)
    assert seen[1][:2] == ("rate_limited", 429)
    assert seen[1][2] == pytest.approx(86.4)
    assert seen[2] == ("bad_request", 413, None)
    assert seen[3][:2] == ("server_error", 500)
    assert seen[4][0] == "malformed"
    assert seen[5][0] == "malformed"  # an empty transcript is not an answer


# --- the chain ------------------------------------------------------------------------------


async def test_cheapest_answers_and_costs_per_audio_second(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles, clock: FakeClock,
) -> None:  # fmt: skip
    groq_stt.push(groq_stt.heard("Quanto custa?", language="portuguese", duration=42.0))
    transcript = await chain(http, groq_stt, local_stt, clock).transcribe(
        ogg(speech), deadline=clock() + 10
    )
    assert (transcript.text, transcript.language) == ("Quanto custa?", "pt")
    assert transcript.provider == GROQ_WHISPER
    assert transcript.duration_s == 42.0
    assert transcript.cost_usd == pytest.approx(42 * 0.04 / 3600)
    assert local_stt.uploads == []


async def test_minimum_billed_length() -> None:
    assert TURBO.cost(2.5) == pytest.approx(10 * 0.04 / 3600)
    assert TURBO.cost(3600) == pytest.approx(0.04)


async def test_429_falls_through_and_holds_the_provider(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles, clock: FakeClock,
) -> None:  # fmt: skip
    groq_stt.push(groq_stt.rate_limited(retry_after=30))
    transcriber = chain(http, groq_stt, local_stt, clock)
    first = await transcriber.transcribe(ogg(speech), deadline=clock() + 10)
    assert first.provider == "local-whisper"
    assert [(a.provider, a.outcome) for a in first.attempts] == [
        (GROQ_WHISPER, "rate_limited"), ("local-whisper", "ok"),
    ]  # fmt: skip
    assert first.cost_usd == 0.0
    second = await transcriber.transcribe(ogg(speech), deadline=clock() + 10)
    assert second.attempts[0].outcome == "skipped:rate_limited"
    assert len(groq_stt.uploads) == 0
    assert len(local_stt.uploads) == 2
    clock.advance(31)
    third = await transcriber.transcribe(ogg(speech), deadline=clock() + 10)
    assert third.provider == GROQ_WHISPER


async def test_5xx_moves_on_and_opens_the_breaker(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles, clock: FakeClock,
) -> None:  # fmt: skip
    groq_stt.push(groq_stt.server_error(), groq_stt.server_error())
    transcriber = chain(http, groq_stt, local_stt, clock)
    for _ in range(2):
        assert (await transcriber.transcribe(ogg(speech), deadline=clock() + 10)).provider == (
            "local-whisper"
        )
    third = await transcriber.transcribe(ogg(speech), deadline=clock() + 10)
    assert third.attempts[0].outcome == "skipped:breaker_open"
    assert len(groq_stt.requests) == 2


async def test_413_stops_the_chain(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles, clock: FakeClock,
) -> None:  # fmt: skip
    groq_stt.push(groq_stt.too_large())
    with pytest.raises(TranscriptionFailed) as info:
        await chain(http, groq_stt, local_stt, clock).transcribe(ogg(speech), deadline=clock() + 9)
    assert info.value.reason == "too_large"
    assert local_stt.requests == []


async def test_file_over_every_ceiling_is_refused_without_a_call(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, clock: FakeClock,
) -> None:  # fmt: skip
    big = Audio(data=b"OggS" + bytes(26 * 1024 * 1024), filename="v.ogg", content_type="audio/ogg")
    with pytest.raises(TranscriptionFailed) as info:
        await chain(http, groq_stt, local_stt, clock).transcribe(big, deadline=clock() + 9)
    assert info.value.reason == "too_large"
    assert groq_stt.requests == []
    assert local_stt.requests == []


async def test_all_down_and_none_configured(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles, clock: FakeClock,
) -> None:  # fmt: skip
    groq_stt.push(groq_stt.server_error())
    local_stt.push(local_stt.rate_limited(retry_after=3))
    with pytest.raises(TranscriptionFailed) as info:
        await chain(http, groq_stt, local_stt, clock).transcribe(ogg(speech), deadline=clock() + 9)
    assert info.value.reason == "unavailable"
    assert [a.outcome for a in info.value.attempts] == ["server_error", "rate_limited"]
    empty = Transcriber(policy=TranscriptionPolicy(providers={}, chain=()), providers={})
    assert not empty.available
    with pytest.raises(TranscriptionFailed) as none:
        await empty.transcribe(ogg(speech), deadline=clock() + 9)
    assert none.value.reason == "no_provider"


async def test_a_hanging_provider_gets_only_the_time_left(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles,
) -> None:  # fmt: skip
    import time

    groq_stt.push(groq_stt.hang())
    transcriber = chain(http, groq_stt, local_stt, time.time,  # type: ignore[arg-type]
                        groq_config=config(GROQ_WHISPER, timeout_s=0.3))  # fmt: skip
    transcript = await transcriber.transcribe(ogg(speech), deadline=time.time() + 5)
    assert transcript.provider == "local-whisper"
    assert transcript.attempts[0].outcome == "timeout"
    groq_stt.push(groq_stt.hang())
    local_stt.push(local_stt.hang())
    with pytest.raises(TranscriptionFailed) as info:
        await transcriber.transcribe(ogg(speech), deadline=time.time() + 0.4)
    assert info.value.reason in ("deadline", "unavailable")


async def test_budget_and_ledger(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles, clock: FakeClock, db: Database,
) -> None:  # fmt: skip
    ledger = Ledger(db)
    budgeted = config(GROQ_WHISPER, budget=0.0002)  # two minimum-billed notes: 2 x $0.000111
    transcriber = chain(http, groq_stt, local_stt, clock, ledger=ledger, groq_config=budgeted)
    first = await transcriber.transcribe(ogg(speech), deadline=clock() + 9, channel="whatsapp",
                                         correlation_id="c-1")  # fmt: skip
    assert first.provider == GROQ_WHISPER
    second = await transcriber.transcribe(ogg(speech), deadline=clock() + 9)
    assert second.provider == "local-whisper"
    assert second.attempts[0].outcome == "skipped:budget"
    await transcriber.flush()
    spend = spend_summary(db, clock=clock)
    assert spend[GROQ_WHISPER]["month"] == pytest.approx(10 * 0.04 / 3600)
    # A new process reads the month's spend from the ledger before calling.
    fresh = chain(http, groq_stt, local_stt, clock, ledger=ledger, groq_config=budgeted)
    clock.advance(1)
    third = await fresh.transcribe(ogg(speech), deadline=clock() + 9)
    assert third.attempts[0].outcome == "skipped:budget"  # without the ledger it would call
    assert len(groq_stt.uploads) == 1


# --- policy ---------------------------------------------------------------------------------


def test_policy_from_routing_file(tmp_path: Path) -> None:
    routing = tmp_path / "routing.toml"
    routing.write_text(
        '[transcription.providers.local-whisper]\nbase_url = "http://127.0.0.1:8000/v1"\n'
        'model = "Systran/faster-whisper-small"\nfree = true\n'
        "[transcription.providers.groq-whisper]\nmonthly_budget_usd = 2\n"
    )
    settings = RouterSettings(routing_file=routing, groq_api_key="gsk_x")
    policy = load_transcription_policy(settings)
    assert policy.chain == ("local-whisper", GROQ_WHISPER)  # cheapest first
    groq = policy.providers[GROQ_WHISPER]
    assert groq.model == "whisper-large-v3-turbo"
    assert groq.price == TURBO
    assert groq.monthly_budget_usd == 2
    assert groq.max_upload_bytes == 25 * 1024 * 1024
    assert policy.providers["local-whisper"].price.usd_per_hour == 0.0
    no_key = load_transcription_policy(RouterSettings(routing_file=routing))
    assert no_key.chain == ("local-whisper",)
    assert load_transcription_policy(RouterSettings()).chain == ()
    with pytest.raises(ConfigError, match="'local-whisper' that was not given"):
        Transcriber(policy=policy, providers={})


def test_bad_transcription_table_names_the_field(tmp_path: Path) -> None:
    routing = tmp_path / "routing.toml"
    routing.write_text("[transcription.providers.groq-whisper]\nprice_per_audio_hour = -1\n")
    with pytest.raises(ConfigError, match=r"transcription\.providers\.groq-whisper\.price"):
        load_transcription_policy(RouterSettings(routing_file=routing))
    with pytest.raises(ConfigError, match="unknown provider 'nope'"):
        resolve_transcription(TranscriptionFile(chain=["nope"]), RouterSettings())
    with pytest.raises(ConfigError, match="needs a `base_url`"):
        resolve_transcription(
            TranscriptionFile.model_validate({"providers": {"x": {"model": "m"}}}),
            RouterSettings(),
        )


def test_unpriced_paid_model_is_left_out() -> None:
    file = TranscriptionFile.model_validate(
        {"providers": {"paid": {"base_url": "http://127.0.0.1:1/v1", "model": "mystery"}}}
    )
    assert resolve_transcription(file, RouterSettings()).chain == ()


@pytest.mark.parametrize(
    ("reported", "code"),
    [("english", "en"), ("Portuguese", "pt"), ("pt", "pt"), ("pt-BR", "pt"), ("klingon", None),
     (None, None), ("castilian", "es")],
)  # fmt: skip
def test_language_codes(reported: str | None, code: str | None) -> None:
    assert language_code(reported) == code


async def test_duration_cap_refuses_without_a_call(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles, clock: FakeClock,
) -> None:  # fmt: skip
    transcriber = chain(http, groq_stt, local_stt, clock)
    with pytest.raises(TranscriptionFailed) as info:
        await transcriber.transcribe(ogg(speech, declared=600), deadline=clock() + 9,
                                     max_seconds=300)  # fmt: skip
    assert info.value.reason == "too_long"
    assert groq_stt.requests == []
    short = await transcriber.transcribe(ogg(speech, declared=3), deadline=clock() + 9,
                                         max_seconds=300)  # fmt: skip
    assert short.provider == GROQ_WHISPER


async def test_metrics_count_attempts_audio_and_spend(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles, clock: FakeClock,
) -> None:  # fmt: skip
    from onebox_metrics import Collector

    collector = Collector("test")
    groq_stt.push(groq_stt.server_error())
    policy = chain(http, groq_stt, local_stt, clock).policy
    providers = {GROQ_WHISPER: groq_adapter(http, groq_stt),
                 "local-whisper": local_adapter(http, local_stt)}  # fmt: skip
    transcriber = Transcriber(policy=policy, providers=providers, clock=clock, collector=collector)
    await transcriber.transcribe(ogg(speech), deadline=clock() + 9)
    groq_stt.push(groq_stt.heard("ok", duration=20.0))
    await transcriber.transcribe(ogg(speech), deadline=clock() + 9)
    calls = collector.counter("onebox_router_transcriptions_total", "x",
                              ("provider", "outcome")).snapshot()  # fmt: skip
    assert calls[(GROQ_WHISPER, "server_error")] == [1.0]
    assert calls[("local-whisper", "ok")] == [1.0]
    assert calls[(GROQ_WHISPER, "ok")] == [1.0]
    audio = collector.counter("onebox_router_audio_seconds_total", "x", ("provider",)).snapshot()
    assert audio[(GROQ_WHISPER,)] == [20.0]
    cost = collector.counter("onebox_router_cost_usd_total", "x", ("provider",)).snapshot()
    assert cost[(GROQ_WHISPER,)] == [pytest.approx(20 * 0.04 / 3600)]


# --- the bus contract -----------------------------------------------------------------------


def test_transcript_travels_as_the_messages_text() -> None:
    from onebox_bus.contracts import InboundMessage
    from onebox_router.transcribe import (
        Transcript,
        is_voice,
        transcript_facts,
        with_transcript,
        with_voice_error,
    )

    note = InboundMessage(
        channel="whatsapp", conversation_id="pn:1", sender_id="1", text="",
        platform_message_id="wamid.X", received_at=1.0, correlation_id="c",
        content_kind="voice", meta={"media_id": "42", "mime_type": "audio/ogg"},
    )  # fmt: skip
    assert is_voice(note)
    failed = with_voice_error(note, "unavailable")
    assert failed.meta["voice_error"] == "unavailable"
    assert transcript_facts(failed) is None
    transcript = Transcript(text="Quanto custa?", language="pt", duration_s=4.5,
                            provider=GROQ_WHISPER, model="whisper-large-v3-turbo",
                            cost_usd=0.000111, latency_s=0.25)  # fmt: skip
    heard = with_transcript(failed, transcript)
    assert heard.text == "Quanto custa?"
    assert heard.content_kind == "voice"
    assert "voice_error" not in heard.meta
    assert heard.meta["media_id"] == "42"
    # It survives the bus: the payload decodes to the same message and facts.
    decoded = InboundMessage.from_payload(heard.to_payload())
    facts = transcript_facts(decoded)
    assert facts is not None
    assert (facts.language, facts.provider, facts.audio_seconds) == ("pt", GROQ_WHISPER, 4.5)
    assert facts.cost_usd == pytest.approx(0.000111)
    assert facts.latency_ms == pytest.approx(250.0)
    captioned = with_transcript(dataclasses.replace(note, text="urgent"), transcript)
    assert captioned.text == "urgent\nQuanto custa?"


async def test_transcribe_saved_fills_the_message_and_deletes_the_file(
    http: httpx.AsyncClient, groq_stt: FakeTranscriptionServer,
    local_stt: FakeTranscriptionServer, speech: SpeechFiles, clock: FakeClock, tmp_path: Path,
) -> None:  # fmt: skip
    from onebox_bus.contracts import InboundMessage
    from onebox_router.transcribe import transcribe_saved, transcript_facts

    note = InboundMessage(
        channel="telegram", conversation_id="42", sender_id="42", text="",
        platform_message_id="7", received_at=1.0, correlation_id="corr-1", content_kind="voice",
    )  # fmt: skip
    transcriber = chain(http, groq_stt, local_stt, clock)
    saved = tmp_path / "media-1.ogg"
    saved.write_bytes(speech.ogg.read_bytes())
    heard = await transcribe_saved(note, path=saved, filename="voice.ogg",
                                   content_type="audio/ogg", transcriber=transcriber,
                                   deadline=clock() + 9, declared_seconds=3)  # fmt: skip
    assert heard.text == groq_stt.transcript
    facts = transcript_facts(heard)
    assert facts is not None
    assert facts.language == "en"
    assert not saved.exists()
    saved.write_bytes(speech.ogg.read_bytes())
    refused = await transcribe_saved(note, path=saved, filename="voice.ogg",
                                     content_type="audio/ogg", transcriber=transcriber,
                                     deadline=clock() + 9, declared_seconds=900,
                                     max_seconds=300)  # fmt: skip
    assert refused.meta["voice_error"] == "too_long"
    assert refused.text == ""
    assert not saved.exists()
