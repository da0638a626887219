"""Voice-note transcription spend reaches the dashboard: a real note transcribed through the
production chain (`build_transcriber`) against the strict fake, then the summary read back."""

from __future__ import annotations

import httpx
import pytest
from onebox_bus import Bus, Database
from onebox_bus.testing import FakeClock
from onebox_orchestrator.dashboard import SummaryReader
from onebox_router import RouterSettings, spend_summary
from onebox_router.testing import FakeTranscriptionServer, SpeechFiles
from onebox_router.transcribe import GROQ_WHISPER, Audio, build_transcriber

pytestmark = pytest.mark.anyio
NOW = 1_800_000_000.0 + 10 * 3600


async def test_transcription_spend_shows_per_provider(db_url: str, speech: SpeechFiles) -> None:
    db = Database(db_url)
    clock = FakeClock(NOW)
    try:
        with FakeTranscriptionServer(flavour="groq") as stt:
            settings = RouterSettings(groq_api_key=stt.api_key, groq_base_url=stt.url)
            async with httpx.AsyncClient() as http:
                transcriber = build_transcriber(settings, http=http, db=db, clock=clock)
                note = Audio(data=speech.ogg.read_bytes(), filename="voice.ogg",
                             content_type="audio/ogg")  # fmt: skip
                for n in range(2):
                    heard = await transcriber.transcribe(
                        note, deadline=clock() + 9, channel="whatsapp", correlation_id=f"v-{n}"
                    )
                    assert heard.provider == GROQ_WHISPER
                await transcriber.flush()
            assert len(stt.uploads) == 2
        spent = spend_summary(db, clock=clock)[GROQ_WHISPER]["month"]
        assert spent > 0
        with Bus.from_url(db_url, clock=clock) as bus:
            summary = SummaryReader(db.engine, bus=bus, clock=clock).read()
        for window in ("hour", "day", "month"):
            figures = summary.windows[window].providers[GROQ_WHISPER]
            assert figures.calls == 2
            assert figures.failures == 0
            assert figures.spend_usd == pytest.approx(spent, abs=1e-6)
        assert summary.windows["month"].spend_usd == pytest.approx(spent, abs=1e-6)
    finally:
        db.close()
