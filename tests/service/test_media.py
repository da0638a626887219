"""Safe audio downloads: caps before and while streaming, sniffing real audio, files only in
the data directory, nothing left behind on failure."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from onebox_router.testing import SpeechFiles
from onebox_service import (
    MediaGone,
    MediaNotAudio,
    MediaTooLarge,
    MediaUnavailable,
    check_declared,
    download_audio,
    sniff_audio,
)

pytestmark = pytest.mark.anyio


def listing(directory: Path) -> list[Path]:
    """What is in `directory` (a sync helper: the event loop is not the point here)."""
    return sorted(directory.iterdir())


def test_sniffing_real_audio_and_impostors(speech: SpeechFiles) -> None:
    assert sniff_audio(speech.ogg.read_bytes()[:12]) == "ogg"
    assert sniff_audio(speech.mp3.read_bytes()[:12]) == "mp3"
    assert sniff_audio(speech.m4a.read_bytes()[:12]) == "mp4"
    assert sniff_audio(b"#!AMR\n" + bytes(6)) == "amr"
    assert sniff_audio(bytes([0xFF, 0xFB, 0x90, 0x64])) == "mp3"  # MPEG-1 layer III frame
    assert sniff_audio(bytes([0xFF, 0xF1, 0x50, 0x80])) == "aac"  # ADTS
    for impostor in (b"\x89PNG\r\n\x1a\n", b"%PDF-1.7", b"<!DOCTYPE html>", b"\xff\xd8\xff\xe0",
                     speech.wav.read_bytes()[:12], b""):  # fmt: skip
        assert sniff_audio(impostor) is None


def test_declared_checks() -> None:
    check_declared(content_type="audio/ogg; codecs=opus", size=1000, limit=2000)
    with pytest.raises(MediaTooLarge):
        check_declared(content_type="audio/ogg", size=2001, limit=2000)
    with pytest.raises(MediaNotAudio):
        check_declared(content_type="image/webp", size=None, limit=2000)


def chunked(data: bytes, *, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def client(handler: httpx.MockTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=handler)


async def stream(data: bytes) -> AsyncIterator[bytes]:
    for part in chunked(data):
        yield part


async def test_cap_holds_while_streaming_without_content_length(
    tmp_path: Path, speech: SpeechFiles
) -> None:
    data = speech.ogg.read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=stream(data))  # chunked: no Content-Length

    async with client(httpx.MockTransport(handler)) as http:
        with pytest.raises(MediaTooLarge):
            await download_audio(http, "http://files.test/x", dest_dir=tmp_path, limit=3000)
        assert listing(tmp_path) == []
        saved = await download_audio(http, "http://files.test/x", dest_dir=tmp_path,
                                     limit=len(data))  # fmt: skip
    assert saved.path.read_bytes() == data
    assert listing(tmp_path) == [saved.path]


async def test_response_checks(tmp_path: Path, speech: SpeechFiles) -> None:
    data = speech.mp3.read_bytes()
    answers = iter([
        httpx.Response(200, headers={"content-length": "999999"}, content=stream(data)),
        httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>login</html>"),
        httpx.Response(404),
        httpx.Response(503),
        httpx.Response(200, headers={"content-type": "audio/mpeg"}, content=data),
    ])  # fmt: skip

    async with client(httpx.MockTransport(lambda request: next(answers))) as http:
        url = "http://files.test/secret-token/x"
        with pytest.raises(MediaTooLarge):
            await download_audio(http, url, dest_dir=tmp_path, limit=len(data))
        with pytest.raises(MediaNotAudio):
            await download_audio(http, url, dest_dir=tmp_path, limit=len(data))
        with pytest.raises(MediaGone):
            await download_audio(http, url, dest_dir=tmp_path, limit=len(data))
        with pytest.raises(MediaUnavailable) as info:
            await download_audio(http, url, dest_dir=tmp_path, limit=len(data))
        assert info.value.retryable
        saved = await download_audio(http, url, dest_dir=tmp_path, limit=len(data))
    assert saved.container == "mp3"
    assert saved.path.suffix == ".mp3"
    assert listing(tmp_path) == [saved.path]


async def test_network_failure_is_retryable_and_quiet(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with client(httpx.MockTransport(handler)) as http:
        with pytest.raises(MediaUnavailable) as info:
            await download_audio(http, "http://files.test/bot123:SECRET/x", dest_dir=tmp_path,
                                 limit=100)  # fmt: skip
    assert "SECRET" not in str(info.value)
