"""Benchmark of a voice note on the message path: what transcription adds to a text message.

Run: ``uv run python bench/voice.py`` (``--messages 200``). Needs espeak-ng, sox and ffmpeg
(Debian: ``apt-get install espeak-ng sox ffmpeg``) to make the spoken sentence.

One sentence is spoken (espeak-ng -> sox -> ffmpeg Ogg/Opus, as Telegram and WhatsApp send
voice notes). Fakes speaking the real protocols run in a child process on loopback: the Bot
API with its file server, the Cloud API with media URLs, an OpenAI-compatible transcription
endpoint and Groq chat completions, all answering at once (no simulated provider time).

This process runs what the services run on a real bus (a migrated SQLite file, WAL, the
services' ``synchronous`` level): each agent's media stage (`onebox_service.MediaStage` with
the agent's download and the router's transcriber) consuming ``media.<channel>``, and the
orchestrator's real handler (`InboundHandler`: memory, persona, router, one transaction that
publishes the reply, stores the turns and acks) consuming ``inbound``. Each message is parsed
from the platform's webhook body by the agent's own parser, then timed from its publish (what
the webhook does) to the commit of its reply. Interleaved, one at a time, per channel:

- text: the sentence as a text message: publish to ``inbound`` -> handler -> reply;
- voice: the sentence as a voice note: publish to ``media.<channel>`` -> the media stage
  (Telegram getFile + file download, or WhatsApp media info + bearer download, into the data
  dir; transcription: multipart upload, verbose_json parse, price, quota, breaker; file
  deleted; ONE transaction publishing the transcript to ``inbound`` and acking) -> the same
  handler -> reply.

So both sides carry the same work from ``inbound`` on, and the voice side adds the bus hop
through the media stage besides the download and the transcription. Both hops into a
consumer are in-process here (the media stage lives in the agent, as in production; the
orchestrator's hop from the agent is the same on both sides). Every message opens its own
conversation (no history on either side), and the router has no response cache (the same
sentence on every message would otherwise be served from it).

It prints the median and p90 of each path in milliseconds, each step of the voice paths, the
overhead of a voice note over the text message of its channel (median difference and ratio),
the bus hop alone (the voice path less its download and transcription, less the text path),
and the floor of the transcription step: one plain httpx multipart POST of the same bytes to
the same fake (loopback plus the fake's own parsing), so the transcriber's own cost is its
step minus that. The load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx
import structlog
from loopback import bench_synchronous
from onebox_bus.contracts import InboundMessage

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


class Timings:
    """When each message reached each step (perf_counter seconds, by correlation id)."""

    def __init__(self) -> None:
        self.marks: dict[str, dict[str, float]] = {}
        self.done: dict[str, anyio.Event] = {}

    def mark(self, cid: str, step: str) -> None:
        self.marks.setdefault(cid, {})[step] = time.perf_counter()

    def expect(self, cid: str) -> anyio.Event:
        self.done[cid] = event = anyio.Event()
        return event


CHANNELS = ("telegram", "whatsapp")
PATHS = tuple(f"{channel} {kind}" for channel in CHANNELS for kind in ("text", "voice"))
STEPS = ("to media stage", "download", "transcribe", "to reply")


def parse(path: str, n: int) -> tuple[InboundMessage, str]:
    """The message a webhook of `path` (its n-th) carries, parsed by the agent's own parser,
    and its dedupe key."""
    from onebox_agent_telegram.testing import message_json, update_bytes
    from onebox_agent_telegram.updates import parse_update
    from onebox_agent_whatsapp import testing as wa
    from onebox_agent_whatsapp.updates import dedupe_key, parse_webhook

    channel, kind = path.split()
    if channel == "telegram":
        chat = 100_000 + 4 * n + PATHS.index(path)
        voice = {"file_id": TG_FILE_ID, "file_unique_id": f"u{n}", "duration": 3,
                 "mime_type": "audio/ogg"}  # fmt: skip
        fields = {"text": SENTENCE} if kind == "text" else {"text": None, "voice": voice}
        update = {"update_id": 10 * n + PATHS.index(path), "message": message_json(chat, **fields)}
        parsed = parse_update(update_bytes(update), received_at=time.time())
        assert parsed.inbound is not None
        return parsed.inbound, parsed.dedupe_key
    sender = f"1555{4 * n + PATHS.index(path):07d}"
    if kind == "text":
        item = wa.text(SENTENCE, sender=sender, timestamp=time.time())
    else:
        content = {"id": WA_MEDIA_ID, "mime_type": "audio/ogg; codecs=opus", "voice": True,
                   "sha256": "unchecked"}  # fmt: skip
        item = wa.inbound("audio", content, sender=sender, timestamp=time.time())
    [message] = parse_webhook(wa.meta_bytes(wa.payload(item)), received_at=time.time()).messages
    return message, dedupe_key(message)


async def run(
    urls: dict[str, str], messages: int, folder: Path
) -> tuple[dict[str, list[float]], dict[str, dict[str, list[float]]], list[float]]:
    from onebox_agent_telegram.api import TelegramBotAPI
    from onebox_agent_whatsapp.client import GraphApiClient
    from onebox_bus import Bus, Consumer, Message
    from onebox_bus.contracts import INBOUND, media_topic
    from onebox_bus.testing import migrated_sqlite
    from onebox_orchestrator.handler import InboundHandler
    from onebox_orchestrator.memory import ConversationMemory
    from onebox_orchestrator.persona import Personas
    from onebox_router import Conversation, Reply, RouterSettings, build_router
    from onebox_router.transcribe import build_transcriber, saved_note_transcriber
    from onebox_service import MediaStage, SavedMedia
    from pydantic import SecretStr

    # The free plan's per-minute limits would hold the fakes after a few dozen calls; the
    # quotas are still consulted and counted on every call.
    routing = folder / "routing.toml"
    await anyio.Path(routing).write_text(
        "[providers.groq]\nrequests_per_minute = 1e9\ntokens_per_minute = 1e12\n"
        "[transcription.providers.groq-whisper]\nrequests_per_minute = 1e9\n"
        "audio_seconds_per_hour = 1e12\n"
    )
    bus = Bus.from_url(migrated_sqlite(folder / "onebox.db"), synchronous=bench_synchronous())
    timings = Timings()
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

        class GroqOnly:
            """The router, checked: every reply comes from the chat fake (none offline)."""

            async def route(self, conversation: Conversation, *, deadline: float) -> Reply:
                reply = await router.route(conversation, deadline=deadline)
                assert reply.provider == "groq", reply.provider
                return reply

        handler = InboundHandler(
            bus=bus, router=GroqOnly(), memory=ConversationMemory(bus.db), personas=Personas()
        )

        async def answer(message: Message) -> None:
            cid = message.correlation_id or ""
            timings.mark(cid, "handler")
            await handler(message)
            timings.mark(cid, "replied")
            timings.done[cid].set()

        transcribe = saved_note_transcriber(transcriber, max_seconds=300.0, budget_s=60.0)

        async def heard(message: InboundMessage, saved: SavedMedia) -> InboundMessage:
            timings.mark(message.correlation_id, "downloaded")
            result = await transcribe(message, saved)
            assert result.text == SENTENCE, result.meta
            timings.mark(message.correlation_id, "transcribed")
            return result

        async def tg_fetch(message: InboundMessage, dest: Path) -> SavedMedia:
            timings.mark(message.correlation_id, "media stage")
            return await bot.download_file(
                message.meta["file_id"], dest_dir=dest, declared_type=message.meta.get("mime_type")
            )

        async def wa_fetch(message: InboundMessage, dest: Path) -> SavedMedia:
            timings.mark(message.correlation_id, "media stage")
            return await graph.download_media(
                message.meta["media_id"], dest_dir=dest, declared_type=message.meta.get("mime_type")
            )

        consumers = [Consumer(bus, INBOUND, answer, name="orchestrator", concurrency=6)]
        for channel, fetch in (("telegram", tg_fetch), ("whatsapp", wa_fetch)):
            dest = folder / "media" / channel
            dest.mkdir(parents=True)
            stage = MediaStage(bus=bus, fetch=fetch, transcribe=heard, folder=dest,
                               max_seconds=300.0)  # fmt: skip
            consumers.append(Consumer(bus, media_topic(channel), stage, name=f"media-{channel}",
                                      concurrency=2, lease=120.0))  # fmt: skip

        async def one(path: str, n: int) -> dict[str, float]:
            message, dedupe = parse(path, n)
            topic = media_topic(message.channel) if path.endswith("voice") else INBOUND
            cid = message.correlation_id
            done = timings.expect(cid)
            timings.mark(cid, "published")
            await bus.publish_async(topic, message.to_payload(), key=message.key,
                                    dedupe_key=dedupe, correlation_id=cid)  # fmt: skip
            with anyio.fail_after(30):
                await done.wait()
            return timings.marks.pop(cid)

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

        totals: dict[str, list[float]] = {path: [] for path in PATHS}
        steps: dict[str, dict[str, list[float]]] = {
            path: {step: [] for step in STEPS} for path in PATHS if path.endswith("voice")
        }
        floor: list[float] = []
        async with anyio.create_task_group() as tasks:
            for consumer in consumers:
                tasks.start_soon(consumer.run)
            for i in range(messages + 20):  # the first 20 of each warm up and are dropped
                for path in PATHS:
                    m = await one(path, i)
                    if i < 20:
                        continue
                    totals[path].append(m["replied"] - m["published"])
                    if path in steps:
                        for step, (a, b) in zip(STEPS, (
                            ("published", "media stage"), ("media stage", "downloaded"),
                            ("downloaded", "transcribed"), ("transcribed", "replied"),
                        ), strict=True):  # fmt: skip
                            steps[path][step].append(m[b] - m[a])
                bare = await bare_post()
                if i >= 20:
                    floor.append(bare)
            for consumer in consumers:
                consumer.stop()
    bus.close()
    return totals, steps, floor


def report(
    size: int,
    messages: int,
    totals: dict[str, list[float]],
    steps: dict[str, dict[str, list[float]]],
    floor: list[float],
) -> None:
    """Print each voice path beside the text message of the same content on its channel."""
    print(f"voice note: {size} bytes Ogg/Opus, {messages} messages per path, interleaved")
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"bare multipart POST (floor)       {ms(floor)}")
    for channel in CHANNELS:
        text, voice = totals[f"{channel} text"], totals[f"{channel} voice"]
        print(f"{channel} text message (publish -> reply committed)  {ms(text)}")
        print(f"{channel} voice note  (publish -> reply committed)  {ms(voice)}")
        parts = steps[f"{channel} voice"]
        for step in STEPS:
            print(f"    {step:<28} {ms(parts[step])}")
        median = statistics.median
        extra = median(voice) - median(text)
        print(f"    overhead over text: {extra * 1000:+.2f} ms (x{median(voice) / median(text):.2f}"
              " the text message)")  # fmt: skip
        hop = [
            v - d - t for v, d, t in zip(voice, parts["download"], parts["transcribe"], strict=True)
        ]
        print(f"    the media hop alone (voice less download and transcription, less text): "
              f"{(median(hop) - median(text)) * 1000:+.2f} ms")  # fmt: skip


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
            folder = Path(tmp) / "run"
            folder.mkdir()
            totals, steps, floor = anyio.run(run, urls, args.messages, folder)
            report(files.ogg.stat().st_size, args.messages, totals, steps, floor)
            left = [p for p in (folder / "media").rglob("*") if p.is_file()]
            print(f"audio files left in the data dir: {len(left)}")
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)


if __name__ == "__main__":
    main()
