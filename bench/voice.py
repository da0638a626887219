"""Benchmark of a voice note on the message path: what transcription adds to a text message.

Run: ``uv run python bench/voice.py`` (``--messages 200``). Needs espeak-ng, sox and ffmpeg
(Debian: ``apt-get install espeak-ng sox ffmpeg``) to make the spoken sentence.

One sentence is spoken (espeak-ng -> sox -> ffmpeg Ogg/Opus, as Telegram and WhatsApp send
voice notes). Fakes speaking the real protocols run in a child process on loopback: the Bot
API with its file server, the Cloud API with media URLs, an OpenAI-compatible transcription
endpoint and Groq chat completions, all answering at once (no simulated provider time). In the
same run, interleaved, this process handles:

- text: the sentence as a text message, routed (classify -> chain -> the chat fake);
- telegram voice: getFile + file download into the data dir, transcription (multipart upload,
  verbose_json parse, price, quota, breaker), the transcript routed the same way, file deleted;
- whatsapp voice: media info + bearer download, the same transcription and routing.

It prints the median and p90 of each path in milliseconds, each step of the voice paths, the
overhead of a voice note over the text message (median difference and ratio), and the floor
of the transcription step: one plain httpx multipart POST of the same bytes to the same fake
(loopback plus the fake's own parsing), so the transcriber's own cost is its step minus that.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx
import structlog

SENTENCE = "Hello, what time do you open tomorrow?"
TG_FILE_ID = "AwACAgIAAxkBAAIBbench"
WA_MEDIA_ID = "1003383421387256"


def serve_fakes(ogg: Path) -> None:
    """Child process: start the fakes, print their URLs as one JSON line, serve until EOF."""
    from onebox_agent_telegram.testing import FakeBotAPI
    from onebox_agent_whatsapp.testing import FakeGraphApi
    from onebox_router.testing import FakeOpenAIServer, FakeTranscriptionServer

    data = ogg.read_bytes()
    with (
        FakeBotAPI() as bot,
        FakeGraphApi() as graph,
        FakeTranscriptionServer(transcript=SENTENCE) as stt,
        FakeOpenAIServer(flavour="groq") as chat,
    ):
        bot.add_file(TG_FILE_ID, data, file_path="voice/file_1.oga")
        graph.add_media(WA_MEDIA_ID, data, mime_type="audio/ogg; codecs=opus")
        urls = {"bot": bot.url, "bot_token": bot.token, "graph": graph.url, "stt": stt.url,
                "stt_key": stt.api_key, "chat": chat.url, "chat_key": chat.api_key}  # fmt: skip
        print(json.dumps(urls), flush=True)
        sys.stdin.read()


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return f"median {statistics.median(values) * 1000:7.2f} ms   p90 {p90 * 1000:7.2f} ms"


Steps = dict[str, list[float]]


async def run(
    urls: dict[str, str], messages: int, data_dir: Path
) -> tuple[list[float], list[float], Steps, Steps]:
    from onebox_agent_telegram.api import TelegramBotAPI
    from onebox_agent_whatsapp.client import GraphApiClient
    from onebox_router import Conversation, RouterSettings, Turn, build_router
    from onebox_router.transcribe import Audio, build_transcriber
    from onebox_service import SavedMedia
    from pydantic import SecretStr

    system = "You are the assistant of Casa Verde, a plant shop. Answer briefly."
    # The free plan's per-minute limits would hold the fakes after a few dozen calls; the
    # quotas are still consulted and counted on every call.
    routing = data_dir.parent / "routing.toml"
    await anyio.Path(routing).write_text(
        "[providers.groq]\nrequests_per_minute = 1e9\ntokens_per_minute = 1e12\n"
        "[transcription.providers.groq-whisper]\nrequests_per_minute = 1e9\n"
        "audio_seconds_per_hour = 1e12\n"
    )
    async with httpx.AsyncClient() as http:
        router = build_router(
            RouterSettings(groq_api_key=urls["chat_key"], groq_base_url=urls["chat"],
                           routing_file=routing),
            http=http, db=None,
        )  # fmt: skip
        transcriber = build_transcriber(
            RouterSettings(groq_api_key=urls["stt_key"], groq_base_url=urls["stt"],
                           routing_file=routing),
            http=http, db=None,
        )  # fmt: skip
        bot = TelegramBotAPI(token=urls["bot_token"], http=http, api_url=urls["bot"])
        graph = GraphApiClient(http=http, api_url=urls["graph"], phone_number_id=_pnid(),
                               access_token=SecretStr(_token()))  # fmt: skip

        async def route(text: str) -> None:
            conversation = Conversation(system=system, turns=[Turn(role="user", text=text)],
                                        channel="bench", conversation_id="1")  # fmt: skip
            reply = await router.route(conversation, deadline=time.time() + 30)
            assert reply.provider == "groq", reply.provider

        async def voice(saved: SavedMedia, steps: Steps, began: float) -> None:
            downloaded = time.perf_counter()
            data = await anyio.Path(saved.path).read_bytes()
            audio = Audio(data=data, filename=saved.filename, content_type=saved.content_type)
            transcript = await transcriber.transcribe(audio, deadline=time.time() + 30)
            await anyio.Path(saved.path).unlink()
            heard = time.perf_counter()
            await route(transcript.text)
            done = time.perf_counter()
            steps["download"].append(downloaded - began)
            steps["transcribe"].append(heard - downloaded)
            steps["route"].append(done - heard)
            steps["total"].append(done - began)

        ogg = await anyio.Path(urls["ogg"]).read_bytes()

        async def bare_post() -> float:
            """The floor: one multipart POST of the same bytes with plain httpx."""
            began = time.perf_counter()
            response = await http.post(
                urls["stt"] + "/audio/transcriptions",
                headers={"authorization": f"Bearer {urls['stt_key']}"},
                data={"model": "whisper-large-v3-turbo", "response_format": "verbose_json"},
                files={"file": ("voice.ogg", ogg, "audio/ogg")},
            )
            assert response.status_code == 200, response.status_code
            return time.perf_counter() - began

        text: list[float] = []
        floor: list[float] = []
        tg: Steps = {k: [] for k in ("download", "transcribe", "route", "total")}
        wa: Steps = {k: [] for k in ("download", "transcribe", "route", "total")}
        for i in range(messages + 20):  # the first 20 of each warm up and are dropped
            began = time.perf_counter()
            await route(SENTENCE)
            elapsed = time.perf_counter() - began
            if i >= 20:
                text.append(elapsed)
            began = time.perf_counter()
            saved = await bot.download_file(TG_FILE_ID, dest_dir=data_dir,
                                            declared_type="audio/ogg")  # fmt: skip
            await voice(saved, tg if i >= 20 else {k: [] for k in tg}, began)
            began = time.perf_counter()
            saved = await graph.download_media(WA_MEDIA_ID, dest_dir=data_dir,
                                               declared_type="audio/ogg; codecs=opus")  # fmt: skip
            await voice(saved, wa if i >= 20 else {k: [] for k in wa}, began)
            bare = await bare_post()
            if i >= 20:
                floor.append(bare)

    return text, floor, tg, wa


def report(
    size: int, messages: int, text: list[float], floor: list[float], tg: Steps, wa: Steps
) -> None:
    """Print each path beside the text message of the same content."""
    print(f"voice note: {size} bytes Ogg/Opus, {messages} messages per path, interleaved")
    print(f"text message (routed)          {ms(text)}")
    print(f"bare multipart POST (floor)    {ms(floor)}")
    for name, steps in (("telegram voice note", tg), ("whatsapp voice note", wa)):
        print(f"{name} (total)     {ms(steps['total'])}")
        for step in ("download", "transcribe", "route"):
            print(f"    {step:<26} {ms(steps[step])}")
        extra = statistics.median(steps["total"]) - statistics.median(text)
        ratio = statistics.median(steps["total"]) / statistics.median(text)
        print(f"    overhead over text: {extra * 1000:+.2f} ms (x{ratio:.2f} the text message)")


def _pnid() -> str:
    from onebox_agent_whatsapp.testing import PHONE_NUMBER_ID

    return PHONE_NUMBER_ID


def _token() -> str:
    from onebox_agent_whatsapp.testing import ACCESS_TOKEN

    return ACCESS_TOKEN


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--serve-fakes", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fakes is not None:
        serve_fakes(args.serve_fakes)
        return
    logging.disable(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    from onebox_router.testing import AudioToolsMissing, make_speech

    with tempfile.TemporaryDirectory() as tmp:
        try:
            files = make_speech(Path(tmp) / "speech", SENTENCE)
        except AudioToolsMissing as exc:
            raise SystemExit(f"bench/voice.py: {exc}") from None
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve-fakes", str(files.ogg)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert child.stdout is not None
            urls = json.loads(child.stdout.readline())
            urls["ogg"] = str(files.ogg)
            data_dir = Path(tmp) / "media"
            text, floor, tg, wa = anyio.run(run, urls, args.messages, data_dir)
            report(files.ogg.stat().st_size, args.messages, text, floor, tg, wa)
            print(f"audio files left in the data dir: {len(list(data_dir.iterdir()))}")
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)


if __name__ == "__main__":
    main()
