"""Voice notes fetched from the Cloud API: media id -> short-lived URL -> bearer download, with
the URL refetched once when it has expired, caps, sniffing and checksums, on real audio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from onebox_agent_whatsapp import testing as wa
from onebox_agent_whatsapp.client import GraphApiClient
from onebox_agent_whatsapp.errors import GraphApiError
from onebox_agent_whatsapp.updates import parse_webhook
from onebox_router.testing import SpeechFiles
from onebox_service import MediaGone, MediaNotAudio, MediaTooLarge
from pydantic import SecretStr

pytestmark = pytest.mark.anyio
VOICE_ID = "1003383421387256"  # the id in `wa.audio()`'s webhook


def listing(directory: Path) -> list[Path]:
    """What is in `directory` (a sync helper)."""
    return sorted(directory.iterdir()) if directory.exists() else []


@pytest.fixture
async def client(graph: wa.FakeGraphApi) -> AsyncIterator[GraphApiClient]:
    async with httpx.AsyncClient() as http:
        yield GraphApiClient(http=http, api_url=graph.url, phone_number_id=wa.PHONE_NUMBER_ID,
                             access_token=SecretStr(wa.ACCESS_TOKEN), timeout=5.0)  # fmt: skip


async def test_voice_note_from_webhook_to_file(
    client: GraphApiClient, graph: wa.FakeGraphApi, speech: SpeechFiles, tmp_path: Path
) -> None:
    data = speech.ogg.read_bytes()
    graph.add_media(VOICE_ID, data, mime_type="audio/ogg; codecs=opus")
    [message] = parse_webhook(wa.meta_bytes(wa.payload(wa.audio())), received_at=1.0).messages
    assert message.content_kind == "voice"
    saved = await client.download_media(message.meta["media_id"], dest_dir=tmp_path / "media",
                                        declared_type=message.meta["mime_type"])  # fmt: skip
    assert saved.path.read_bytes() == data
    assert saved.path.parent == tmp_path / "media"
    assert (saved.container, saved.content_type) == ("ogg", "audio/ogg")
    [lookup] = graph.media_lookups()
    assert lookup.path.startswith(f"/v23.0/{VOICE_ID}?phone_number_id=")
    [download] = graph.media_downloads()
    assert download.headers["authorization"] == f"Bearer {wa.ACCESS_TOKEN}"
    assert download.status == 200


async def test_expired_url_is_fetched_again_once(
    client: GraphApiClient, graph: wa.FakeGraphApi, speech: SpeechFiles, tmp_path: Path
) -> None:
    data = speech.mp3.read_bytes()
    graph.add_media("555", data, mime_type="audio/mpeg")
    graph.expire_next_download()
    saved = await client.download_media("555", dest_dir=tmp_path)
    assert saved.path.read_bytes() == data
    first, second = graph.media_lookups()
    assert first.answer["url"] != second.answer["url"]  # a fresh URL
    assert [d.status for d in graph.media_downloads()] == [404, 200]
    assert listing(tmp_path) == [saved.path]


async def test_url_expired_twice_gives_up_cleanly(
    client: GraphApiClient, graph: wa.FakeGraphApi, speech: SpeechFiles, tmp_path: Path
) -> None:
    graph.add_media("556", speech.ogg.read_bytes(), mime_type="audio/ogg")
    graph.expire_next_download(times=2)
    with pytest.raises(MediaGone) as info:
        await client.download_media("556", dest_dir=tmp_path)
    assert info.value.status_code == 404
    assert len(graph.media_lookups()) == 2
    assert listing(tmp_path) == []


async def test_unknown_media_id_is_gone(client: GraphApiClient, graph: wa.FakeGraphApi,
                                        tmp_path: Path) -> None:  # fmt: skip
    with pytest.raises(MediaGone):
        await client.download_media("999999", dest_dir=tmp_path)
    assert graph.media_downloads() == []


async def test_a_30_mb_audio_file_is_refused_before_download(
    client: GraphApiClient, graph: wa.FakeGraphApi, tmp_path: Path
) -> None:
    graph.add_media("big", b"OggS" + bytes(30 * 1024 * 1024), mime_type="audio/ogg")
    with pytest.raises(MediaTooLarge) as info:
        await client.download_media("big", dest_dir=tmp_path)
    assert info.value.size == 30 * 1024 * 1024 + 4  # from the media info's file_size
    assert graph.media_downloads() == []


async def test_non_audio_posing_as_audio_is_refused(
    client: GraphApiClient, graph: wa.FakeGraphApi, tmp_path: Path
) -> None:
    graph.add_media("fake", b"%PDF-1.7\n" + bytes(500), mime_type="audio/ogg")
    with pytest.raises(MediaNotAudio):
        await client.download_media("fake", dest_dir=tmp_path)
    assert listing(tmp_path) == []
    graph.add_media("img", b"\xff\xd8\xff\xe0" + bytes(500), mime_type="image/jpeg")
    with pytest.raises(MediaNotAudio):
        await client.download_media("img", dest_dir=tmp_path)
    assert [r.status for r in graph.media_downloads()] == [200]  # the jpeg was never fetched


async def test_bad_token_is_a_config_error(graph: wa.FakeGraphApi, tmp_path: Path) -> None:
    async with httpx.AsyncClient() as http:
        client = GraphApiClient(http=http, api_url=graph.url, phone_number_id=wa.PHONE_NUMBER_ID,
                                access_token=SecretStr("wrong"))  # fmt: skip
        with pytest.raises(GraphApiError) as info:
            await client.download_media(VOICE_ID, dest_dir=tmp_path)
    assert info.value.kind == "config"
    assert "wrong" not in str(info.value)


async def test_downloaded_note_reaches_the_transcriber_byte_for_byte(
    client: GraphApiClient, graph: wa.FakeGraphApi, speech: SpeechFiles, tmp_path: Path
) -> None:
    from onebox_router import RouterSettings
    from onebox_router.testing import FakeTranscriptionServer
    from onebox_router.transcribe import Audio, build_transcriber

    data = speech.ogg.read_bytes()
    graph.add_media(VOICE_ID, data, mime_type="audio/ogg; codecs=opus")
    graph.expire_next_download()  # handled a few minutes late: the URL is fetched again
    saved = await client.download_media(VOICE_ID, dest_dir=tmp_path)
    with FakeTranscriptionServer(transcript="Quanto custa o vaso grande?",
                                 language="portuguese") as stt:  # fmt: skip
        settings = RouterSettings(groq_api_key=stt.api_key, groq_base_url=stt.url)
        async with httpx.AsyncClient() as http:
            transcriber = build_transcriber(settings, http=http, db=None)
            transcript = await transcriber.transcribe(
                Audio(data=saved.path.read_bytes(), filename=saved.filename,
                      content_type=saved.content_type),
                deadline=1e12,
            )  # fmt: skip
        assert stt.uploads[0].data == data
    saved.path.unlink()
    assert (transcript.text, transcript.language) == ("Quanto custa o vaso grande?", "pt")
    assert transcript.provider == "groq-whisper"
    assert transcript.cost_usd == pytest.approx(10 * 0.04 / 3600)  # Groq's 10 s minimum
