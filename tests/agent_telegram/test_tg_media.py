"""Voice notes and video notes downloaded with the Bot API's getFile + file URL, real audio."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from onebox_agent_telegram.api import TelegramBotAPI
from onebox_agent_telegram.testing import FakeBotAPI
from onebox_router.testing import SpeechFiles
from onebox_service import MediaGone, MediaNotAudio, MediaTooLarge

pytestmark = pytest.mark.anyio


def listing(directory: Path) -> list[Path]:
    """What is in `directory` (a sync helper: the event loop is not the point here)."""
    return sorted(directory.iterdir())


PNG = b"\x89PNG\r\n\x1a\n" + bytes(2000)


@pytest.fixture
async def api(fake_api: FakeBotAPI) -> TelegramBotAPI:
    async with httpx.AsyncClient() as http:
        yield TelegramBotAPI(token=fake_api.token, http=http, api_url=fake_api.url)


async def test_voice_note_is_fetched_into_the_data_dir(
    api: TelegramBotAPI, fake_api: FakeBotAPI, speech: SpeechFiles, tmp_path: Path
) -> None:
    data = speech.ogg.read_bytes()
    fake_api.add_file("AwACAgIAAxkBAAIB", data, file_path="voice/file_7.oga")
    media = tmp_path / "var" / "media"
    saved = await api.download_file(
        "AwACAgIAAxkBAAIB", dest_dir=media, declared_type="audio/ogg", declared_size=len(data)
    )
    assert saved.path.read_bytes() == data
    assert saved.path.parent == media
    assert saved.path.name != "file_7.oga"  # our generated name, never the platform's
    assert (saved.content_type, saved.container, saved.size) == ("audio/ogg", "ogg", len(data))
    assert saved.filename == "voice.ogg"
    assert [r.method for r in fake_api.requests] == ["getFile", "file"]
    assert fake_api.downloads()[0].params == {"file_path": "voice/file_7.oga"}


async def test_video_note_keeps_its_mp4_container(
    api: TelegramBotAPI, fake_api: FakeBotAPI, speech: SpeechFiles, tmp_path: Path
) -> None:
    fake_api.add_file("DQACAgIAAxkBAAIC", speech.m4a.read_bytes(),
                      file_path="video_notes/file_3.mp4", content_type="video/mp4")  # fmt: skip
    saved = await api.download_file("DQACAgIAAxkBAAIC", dest_dir=tmp_path,
                                    declared_type="video/mp4")  # fmt: skip
    assert (saved.container, saved.content_type, saved.filename) == (
        "mp4",
        "audio/mp4",
        "voice.m4a",
    )


async def test_a_30_mb_note_is_refused_before_any_request(
    api: TelegramBotAPI, fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    with pytest.raises(MediaTooLarge) as info:
        await api.download_file("big", dest_dir=tmp_path, declared_type="audio/ogg",
                                declared_size=30 * 1024 * 1024)  # fmt: skip
    assert info.value.size == 30 * 1024 * 1024
    assert fake_api.requests == []
    assert listing(tmp_path) == []


async def test_getfile_size_over_our_cap_stops_before_download(
    api: TelegramBotAPI, fake_api: FakeBotAPI, speech: SpeechFiles, tmp_path: Path
) -> None:
    data = speech.ogg.read_bytes()
    fake_api.add_file("f1", data)
    with pytest.raises(MediaTooLarge):
        await api.download_file("f1", dest_dir=tmp_path, limit=len(data) - 1)
    assert [r.method for r in fake_api.requests] == ["getFile"]


async def test_over_20_mb_is_telegrams_file_is_too_big(
    api: TelegramBotAPI, fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    fake_api.add_file("huge", b"OggS" + bytes(21 * 1024 * 1024))
    with pytest.raises(MediaTooLarge):
        await api.download_file("huge", dest_dir=tmp_path, limit=25 * 1024 * 1024)
    assert fake_api.calls("getFile")[0].status == 400
    assert fake_api.downloads() == []


async def test_non_audio_posing_as_a_voice_note_is_refused_and_deleted(
    api: TelegramBotAPI, fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    fake_api.add_file("img", PNG, file_path="voice/file_9.oga")
    with pytest.raises(MediaNotAudio):
        await api.download_file("img", dest_dir=tmp_path, declared_type="audio/ogg")
    assert listing(tmp_path) == []
    with pytest.raises(MediaNotAudio):
        await api.download_file("img", dest_dir=tmp_path, declared_type="image/jpeg")
    assert len(fake_api.calls("getFile")) == 1  # the declared image type stopped the second


async def test_lost_file_and_token_never_in_errors(
    api: TelegramBotAPI, fake_api: FakeBotAPI, speech: SpeechFiles, tmp_path: Path
) -> None:
    fake_api.add_file("lost", speech.ogg.read_bytes())
    fake_api.lose_file("lost")
    with pytest.raises(MediaGone) as info:
        await api.download_file("lost", dest_dir=tmp_path)
    assert info.value.status_code == 404
    assert fake_api.token not in str(info.value)
    assert listing(tmp_path) == []


async def test_downloaded_note_reaches_the_transcriber_byte_for_byte(
    api: TelegramBotAPI, fake_api: FakeBotAPI, speech: SpeechFiles, tmp_path: Path
) -> None:
    from onebox_router import RouterSettings
    from onebox_router.testing import FakeTranscriptionServer
    from onebox_router.transcribe import (
        Audio,
        Transcriber,
        TranscriptionFile,
        resolve_transcription,
    )
    from onebox_router.transcribe.build import make_transcriber

    data = speech.ogg.read_bytes()
    fake_api.add_file("voice-1", data)
    saved = await api.download_file("voice-1", dest_dir=tmp_path, declared_type="audio/ogg")
    with FakeTranscriptionServer(transcript=speech.sentence) as stt:
        policy = resolve_transcription(
            TranscriptionFile(), RouterSettings(groq_api_key=stt.api_key, groq_base_url=stt.url)
        )
        async with httpx.AsyncClient() as http:
            providers = {n: make_transcriber(c, http=http, clock=lambda: 0.0)
                         for n, c in policy.providers.items()}  # fmt: skip
            transcript = await Transcriber(policy=policy, providers=providers).transcribe(
                Audio(data=saved.path.read_bytes(), filename=saved.filename,
                      content_type=saved.content_type, declared_seconds=3),
                deadline=1e12,
            )  # fmt: skip
        saved.path.unlink()
        assert stt.uploads[0].data == data
        assert stt.uploads[0].filename == "voice.ogg"
    assert transcript.text == speech.sentence
    assert transcript.language == "en"
    assert listing(tmp_path) == []
