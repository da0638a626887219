"""Voice notes all the way round, with the real stack (``onebox up``) and fakes on loopback.

webhook -> ``media.<channel>`` -> the agent's media stage (the platform's real download
protocol, real Ogg/Opus bytes made with espeak-ng) -> fake transcription servers (strict
multipart) -> ``inbound`` with the transcript -> orchestrator -> offline FAQ -> reply. Then
the failure paths: an expired WhatsApp media URL, a 429 and the next provider, a 30 MB note
refused before download, a file posing as audio, every provider down.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from onebox_agent_telegram.testing import FakeBotAPI, message_json, update_bytes
from onebox_agent_whatsapp import testing as wa
from onebox_bus import Database
from onebox_router.testing import FakeTranscriptionServer, SpeechFiles

from .conftest import UpStack, wait_for

pytestmark = pytest.mark.slow

SECRET = "e2e-voice-secret"
HOURS = "We're open Monday to Friday 9:00–19:00"
SHIPPING = "Shipping is €4.90 within Portugal"
MB = 1024 * 1024


@pytest.fixture
def fakes() -> Iterator[
    tuple[FakeBotAPI, wa.FakeGraphApi, FakeTranscriptionServer, FakeTranscriptionServer]
]:
    with (
        FakeBotAPI() as bot,
        wa.FakeGraphApi() as graph,
        FakeTranscriptionServer(flavour="local", models=("whisper-small",)) as primary,
        FakeTranscriptionServer(flavour="local", models=("whisper-small",)) as backup,
    ):
        yield bot, graph, primary, backup


def _env(
    folder: Path, bot: FakeBotAPI, graph: wa.FakeGraphApi,
    primary: FakeTranscriptionServer, backup: FakeTranscriptionServer,
) -> dict[str, str]:  # fmt: skip
    routing = folder / "routing.toml"
    routing.write_text(
        '[transcription]\nchain = ["primary", "backup"]\n\n'
        f'[transcription.providers.primary]\nbase_url = "{primary.url}"\n'
        'model = "whisper-small"\nprice_per_audio_hour = 0.36\nminimum_billed_seconds = 1\n\n'
        f'[transcription.providers.backup]\nbase_url = "{backup.url}"\n'
        'model = "whisper-small"\nfree = true\n'
    )
    return {
        "ONEBOX_TELEGRAM_BOT_TOKEN": bot.token,
        "ONEBOX_TELEGRAM_SECRET_TOKEN": SECRET,
        "ONEBOX_TELEGRAM_API_URL": bot.url,
        "ONEBOX_WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
        "ONEBOX_WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
        "ONEBOX_WHATSAPP_APP_SECRET": wa.APP_SECRET,
        "ONEBOX_WHATSAPP_API_URL": graph.url,
        "ONEBOX_ROUTING_FILE": str(routing),
        "ONEBOX_VOICE_MAX_MB": "16",
    }


def voice_update(update_id: int, chat_id: int, voice: dict[str, Any]) -> dict[str, Any]:
    """A Telegram ``message`` update carrying a voice note and no text."""
    return {"update_id": update_id, "message": message_json(chat_id, text=None, voice=voice)}


class Voice:
    """Posts voice notes to the running stack and reads the replies back."""

    def __init__(self, stack: UpStack, bot: FakeBotAPI, graph: wa.FakeGraphApi) -> None:
        self.stack, self.bot, self.graph = stack, bot, graph
        self.http = httpx.Client(timeout=10)
        self._update = 7000

    def telegram(self, chat_id: int, voice: dict[str, Any]) -> str:
        """Post a voice note from `chat_id`; wait for and return the one reply."""
        self._update += 1
        update = voice_update(self._update, chat_id, voice)
        response = self.http.post(
            self.stack.urls["telegram"] + "/webhook/telegram", content=update_bytes(update),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )  # fmt: skip
        assert response.status_code == 200
        [reply] = wait_for(lambda: self.bot.sent_texts(chat_id), within=45, what="telegram reply")
        return str(reply)

    def whatsapp(self, sender: str, media_id: str) -> str:
        """Post a WhatsApp voice note from `sender`; wait for and return the one reply."""
        content = {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": True,
                   "sha256": "ignored-by-the-agent"}  # fmt: skip
        item = wa.inbound("audio", content, sender=sender, timestamp=time.time())
        body = wa.meta_bytes(wa.payload(item))
        response = self.http.post(
            self.stack.urls["whatsapp"] + "/webhook/whatsapp", content=body,
            headers=wa.signed_headers(body),
        )  # fmt: skip
        assert response.status_code == 200

        def replies() -> list[str]:
            return [r.body["text"]["body"] for r in self.graph.texts() if r.body["to"] == sender]

        [reply] = wait_for(replies, within=45, what="whatsapp reply")
        return str(reply)


def test_voice_notes_are_answered_from_their_transcript(
    up_stack: Callable[..., UpStack],
    fakes: tuple[FakeBotAPI, wa.FakeGraphApi, FakeTranscriptionServer, FakeTranscriptionServer],
    speech: SpeechFiles,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bot, graph, primary, backup = fakes
    ogg = speech.ogg.read_bytes()
    stack = up_stack(_env(tmp_path, bot, graph, primary, backup))
    voice = Voice(stack, bot, graph)
    request.addfinalizer(voice.http.close)

    # Telegram: getFile, the file URL, the upload; the FAQ answers the transcript.
    bot.add_file("tg-voice-1", ogg, file_path="voice/file_1.oga")
    primary.push(primary.heard("What are your opening hours?", language="english"))
    reply = voice.telegram(810001, {"file_id": "tg-voice-1", "file_unique_id": "u1",
                                    "duration": 2, "mime_type": "audio/ogg",
                                    "file_size": len(ogg)})  # fmt: skip
    assert HOURS in reply
    assert len(bot.downloads()) == 1
    assert primary.audio_received[-1] == ogg  # the real bytes, uploaded as downloaded

    # WhatsApp, with the short-lived URL already expired once: fetched again, then answered.
    graph.add_media("wa-media-1", ogg, mime_type="audio/ogg")
    graph.expire_next_download()
    primary.push(primary.heard("How much does shipping cost?", language="english"))
    assert SHIPPING in voice.whatsapp("15550001001", "wa-media-1")
    assert len(graph.media_lookups()) == 2
    assert len(graph.media_downloads()) == 2

    # A 429 from the first provider: the next one in the chain hears it.
    bot.add_file("tg-voice-2", ogg, file_path="voice/file_2.oga")
    primary.push(primary.rate_limited(retry_after=1))
    backup.push(backup.heard("What are your opening hours?", language="english"))
    reply = voice.telegram(810002, {"file_id": "tg-voice-2", "file_unique_id": "u2",
                                    "duration": 2, "mime_type": "audio/ogg"})  # fmt: skip
    assert HOURS in reply
    assert len(backup.audio_received) == 1

    # 30 MB declared: refused before any download, with a clear reply.
    downloads = len(bot.downloads())
    reply = voice.telegram(810003, {"file_id": "tg-big", "file_unique_id": "u3",
                                    "duration": 40, "mime_type": "audio/ogg",
                                    "file_size": 30 * MB})  # fmt: skip
    assert "too large" in reply
    assert "type" in reply
    assert len(bot.downloads()) == downloads
    assert not [c for c in bot.calls("getFile") if "tg-big" in str(c.params)]

    # An HTML page posing as audio: downloaded, sniffed, refused, deleted; "please type".
    graph.add_media("wa-fake", b"<!DOCTYPE html><html>login</html>" * 10, mime_type="audio/ogg")
    uploads = len(primary.uploads) + len(backup.uploads)
    reply = voice.whatsapp("15550001002", "wa-fake")
    assert "could not open it" in reply
    assert "type" in reply
    assert len(primary.uploads) + len(backup.uploads) == uploads

    # Every provider down: the customer is asked to type; no person is promised.
    bot.add_file("tg-voice-3", ogg, file_path="voice/file_3.oga")
    primary.push(primary.server_error())
    backup.push(backup.server_error())
    reply = voice.telegram(810004, {"file_id": "tg-voice-3", "file_unique_id": "u4",
                                    "duration": 2, "mime_type": "audio/ogg"})  # fmt: skip
    assert "type your question" in reply
    assert "colleague" not in reply
    assert "person" not in reply

    # Nothing left in the media folder; the trace shows the transcription and its cost.
    media = tmp_path / "var" / "media"
    assert media.is_dir()
    assert {p.name for p in media.iterdir()} == {"telegram", "whatsapp"}
    assert [p for p in media.rglob("*") if p.is_file()] == []
    db = Database(stack.db_url)

    def transcribed() -> list[Any]:
        with db.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text("SELECT detail FROM service_events WHERE step = 'transcribed'")
                ).all()
            )

    try:
        # The orchestrator's trace is written every two seconds: poll for it.
        rows = wait_for(lambda: len(found := transcribed()) >= 3 and found, within=20,
                        what=f"three transcribed events: {transcribed()}")  # fmt: skip
        with db.engine.connect() as conn:
            calls = conn.execute(
                sa.text("SELECT provider, cost_usd FROM router_calls "
                        "WHERE \"class\" = 'transcription' AND outcome = 'ok'")
            ).all()  # fmt: skip
    finally:
        db.close()
    assert len(rows) == 3
    assert {c.provider for c in calls} == {"primary", "backup"}
    assert sum(c.cost_usd for c in calls) > 0
    # `onebox status` shows the transcription spend beside the chat providers'.
    code, out, err = stack.cli(capsys, "status", "--json")
    assert code == 0, out + err
    providers = orjson.loads(out)["providers"]
    assert providers["primary"]["calls_today"] >= 2
    assert providers["primary"]["spend_today_usd"] > 0
    assert providers["backup"]["spend_today_usd"] == 0


def test_a_sigkilled_agent_during_transcription_loses_nothing_and_replies_once(
    up_stack: Callable[..., UpStack],
    fakes: tuple[FakeBotAPI, wa.FakeGraphApi, FakeTranscriptionServer, FakeTranscriptionServer],
    speech: SpeechFiles,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    bot, graph, primary, backup = fakes
    env = _env(tmp_path, bot, graph, primary, backup)
    stack = up_stack({**env, "ONEBOX_VOICE_LEASE_SECONDS": "4"})
    bot.add_file("tg-kill", speech.ogg.read_bytes(), file_path="voice/file_9.oga")
    primary.push(primary.slow(30, "What are your opening hours?"))
    primary.transcript = "What are your opening hours?"  # what the retry hears
    note = {"file_id": "tg-kill", "file_unique_id": "k1", "duration": 2, "mime_type": "audio/ogg"}
    update = voice_update(9100, 820001, note)
    http = httpx.Client(timeout=10)
    request.addfinalizer(http.close)
    response = http.post(
        stack.urls["telegram"] + "/webhook/telegram", content=update_bytes(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )  # fmt: skip
    assert response.status_code == 200
    # The agent is uploading the note when it is killed.
    wait_for(lambda: primary.requests, within=30, what="the upload in progress")
    before = stack.state()["services"]["telegram"]["restarts"]
    os.kill(stack.pid("telegram"), signal.SIGKILL)
    wait_for(lambda: stack.state()["services"]["telegram"]["restarts"] > before, within=30,
             what="telegram restarted")  # fmt: skip
    [reply] = wait_for(lambda: bot.sent_texts(820001), within=60, what="the one reply")
    assert HOURS in reply
    assert len(bot.downloads()) == 2  # downloaded again after the restart
    # Every message of this note is settled (nothing left to claim), and one reply was sent.
    db = Database(stack.db_url)
    request.addfinalizer(db.close)
    cid = _correlation(db, "telegram:9100")

    def settled() -> list[tuple[str, str]]:
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT topic, state FROM bus_messages WHERE correlation_id = :c"),
                {"c": cid},
            ).all()
        return [(r.topic, r.state) for r in rows] if all(r.state == "done" for r in rows) else []

    rows = wait_for(lambda: len(found := settled()) == 3 and found, within=30, what="settled")
    assert sorted(rows) == [("inbound", "done"), ("media.telegram", "done"),
                            ("outbound.telegram", "done")]  # fmt: skip
    assert bot.sent_texts(820001) == [reply]
    # The note the killed agent was holding was removed when it started again.
    assert list((tmp_path / "var" / "media" / "telegram").iterdir()) == []


def _correlation(db: Database, dedupe_key: str) -> str:
    with db.engine.connect() as conn:
        return str(
            conn.execute(
                sa.text("SELECT DISTINCT correlation_id FROM bus_messages WHERE dedupe_key = :k"),
                {"k": dedupe_key},
            ).scalar_one()
        )
