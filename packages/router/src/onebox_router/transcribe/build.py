"""`build_transcriber`: the composition of a `Transcriber` from `RouterSettings` (in ``main()``)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from onebox_bus import Database

from onebox_router._metrics import Collector
from onebox_router.ledger import Ledger
from onebox_router.settings import RouterSettings

from .chain import Transcriber
from .openai import OpenAICompatTranscriber
from .policy import TranscriberConfig, load_transcription_policy


def make_transcriber(
    config: TranscriberConfig, *, http: httpx.AsyncClient, clock: Callable[[], float]
) -> OpenAICompatTranscriber:
    """The HTTP adapter for `config`."""
    return OpenAICompatTranscriber(
        config.name, http=http, base_url=config.base_url, model=config.model,
        api_key=config.api_key, response_format=config.response_format,
        connect_timeout_s=config.connect_timeout_s, clock=clock,
    )  # fmt: skip


def build_transcriber(
    settings: RouterSettings,
    *,
    http: httpx.AsyncClient,
    db: Database | None,
    clock: Callable[[], float] = time.time,
    collector: Collector | None = None,
) -> Transcriber:
    """A transcriber configured by `settings` and the routing file's ``[transcription]``.

    With no speech provider configured it has an empty chain (`Transcriber.available` is
    False) and every call raises `TranscriptionFailed` with reason ``no_provider``.

    Raises:
        ConfigError: a bad routing file or ``[transcription]`` table.
    """
    policy = load_transcription_policy(settings)
    providers = {
        name: make_transcriber(config, http=http, clock=clock)
        for name, config in policy.providers.items()
    }
    return Transcriber(
        policy=policy,
        providers=providers,
        ledger=Ledger(db) if db is not None else None,
        clock=clock,
        collector=collector,
    )
