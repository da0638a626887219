"""The media stage: a voice note is downloaded and transcribed in the agent, then answered.

An agent publishes a voice note (voice, audio file, video note) to ``media.<channel>`` with
the same dedupe key it would use on ``inbound``. `MediaStage`, the handler of that topic's
consumer, asks the channel to download the note into the media folder (the platform's token
lives in the agent), hands the file to a transcriber (the router's, wired by the agent; it
deletes the file whatever happens), and then, in ONE transaction, publishes the resulting
`InboundMessage` to ``inbound`` (same dedupe key) and acks the media message. A crash before
that commit leaves the media message to be claimed again: nothing is lost and, thanks to
the dedupe key, one message reaches the orchestrator.

Any other message on the topic (text, a photo...) was published there because a voice note of
its conversation was waiting (`WebhookIngest.publish`'s ``behind``): the bus's per-key order
has held it behind the note, and it is passed on to ``inbound`` as it is, in the same kind of
transaction, so the orchestrator answers the conversation's messages in the order they came.

Failures:
- retryable (the platform or the network is down, `retryable` errors) -> raised, so the
  consumer nacks and the note is fetched again later (WhatsApp's short-lived URL with it);
  on the last attempt the note goes on with ``voice_error = "unavailable"``;
- permanent (too large, too long, not audio, gone) -> published at once with
  ``meta["voice_error"]`` so the orchestrator tells the customer what to do.

The stage knows nothing of the router: the transcriber is a callable (`Transcribe`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from onebox_bus import Bus, LeaseLost, Message
from onebox_bus.contracts import INBOUND, InboundMessage, media_topic
from sqlalchemy.engine import Connection, make_url

from .journal import MessageJournal
from .media import MediaError, MediaGone, MediaNotAudio, MediaTooLarge, SavedMedia
from .runtime import ServiceRuntime
from .settings import ServiceSettings

log = structlog.get_logger("onebox.service.media_stage")

#: Fetch the note of a message into a new file under the folder (channel-specific).
Fetch = Callable[[InboundMessage, Path], Awaitable[SavedMedia]]
#: Transcribe a saved note into the message (transcript or ``voice_error``); deletes the file.
Transcribe = Callable[[InboundMessage, SavedMedia], Awaitable[InboundMessage]]

VOICE_ERROR = "voice_error"
SPEECH_KINDS = frozenset({"voice", "audio", "video_note"})
"""The content kinds the stage downloads and transcribes; it passes any other on as it is."""


def media_error_reason(exc: MediaError) -> str:
    """The ``voice_error`` a permanent download failure stands for."""
    if isinstance(exc, MediaTooLarge):
        return "too_large"
    if isinstance(exc, MediaNotAudio):
        return "not_audio"
    if isinstance(exc, MediaGone):
        return "gone"
    return "unavailable"


def declared_too_long(message: InboundMessage, max_seconds: float) -> bool:
    """Whether the platform's declared duration (``meta["duration"]``) is over the cap."""
    raw = message.meta.get("duration")
    try:
        return raw is not None and float(raw) > max_seconds
    except ValueError:
        return False


class MediaStage:
    """The handler of ``media.<channel>``: download, transcribe, publish to inbound, ack.

    Args:
        bus: the bus (the publish and the ack share one transaction).
        fetch: the channel's download (`Fetch`).
        transcribe: the transcriber (`Transcribe`).
        folder: where notes are written while they are transcribed (under the data folder).
        max_seconds: longer notes (as declared by the platform) are refused before download.
        journal: the trace (``downloaded`` and ``media.failed`` events).
    """

    def __init__(
        self,
        *,
        bus: Bus,
        fetch: Fetch,
        transcribe: Transcribe,
        folder: Path,
        max_seconds: float,
        journal: MessageJournal | None = None,
    ) -> None:
        self.bus = bus
        self.fetch = fetch
        self.transcribe = transcribe
        self.folder = folder
        self.max_seconds = max_seconds
        self.journal = journal

    async def __call__(self, message: Message) -> None:
        """Handle one claimed voice note; settles it (publish + ack, or raise to nack)."""
        try:
            inbound = InboundMessage.from_payload(message.payload)
        except (ValueError, TypeError, AttributeError) as exc:
            reason = f"malformed media payload: {type(exc).__name__}"
            await self.bus.run_async(lambda: self.bus.dead_letter(message, reason))
            return
        result = await self._process(message, inbound)
        try:
            await self.bus.db.unit(lambda conn: self._commit(conn, message, result))
        except LeaseLost:
            log.warning("media.lease_lost")

    async def _process(self, message: Message, inbound: InboundMessage) -> InboundMessage:
        cid = inbound.correlation_id
        if inbound.content_kind not in SPEECH_KINDS:
            log.debug("media.passed_on", kind=inbound.content_kind)
            return inbound  # queued behind a voice note of its conversation: on it goes
        if declared_too_long(inbound, self.max_seconds):
            return self._failed(inbound, "too_long")
        try:
            saved = await self.fetch(inbound, self.folder)
        except MediaError as exc:
            retryable = bool(getattr(exc, "retryable", False))
            if retryable and message.attempt < message.max_attempts:
                raise
            return self._failed(inbound, media_error_reason(exc))
        except Exception as exc:
            if getattr(exc, "retryable", False) and message.attempt < message.max_attempts:
                raise
            log.error("media.fetch_failed", error=type(exc).__name__)
            return self._failed(inbound, "unavailable")
        if self.journal is not None:
            self.journal.record(cid, "downloaded", bytes=saved.size, container=saved.container)
        return await self.transcribe(inbound, saved)

    def _failed(self, inbound: InboundMessage, reason: str) -> InboundMessage:
        log.info("media.failed", reason=reason)
        if self.journal is not None:
            self.journal.record(inbound.correlation_id, "media.failed", reason=reason)
        return dataclasses.replace(inbound, meta={**inbound.meta, VOICE_ERROR: reason})

    def _commit(self, conn: Connection, message: Message, result: InboundMessage) -> None:
        # `conn` is the batch's transaction: the publish and the ack join it.
        self.bus.publish(
            INBOUND,
            result.to_payload(),
            key=result.key,
            dedupe_key=message.dedupe_key,
            correlation_id=result.correlation_id,
        )
        self.bus.ack(message)


def media_folder(settings: ServiceSettings) -> Path:
    """``ONEBOX_MEDIA_DIR``, or ``media`` beside the SQLite file (the data folder)."""
    if settings.media_dir is not None:
        return settings.media_dir
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).parent / "media"
    return Path("var/media")


def open_media_dir(folder: Path) -> Path:
    """Create the media folder (mode 0700), check it is writable and empty it, at start.

    Only this agent writes there (one folder per channel), so a file left in it was being
    transcribed when the process died: its message is handled again (downloaded again), and
    the customer's audio is not left behind.

    Raises:
        SystemExit: one line naming ``ONEBOX_MEDIA_DIR`` when it cannot be used.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for left in folder.glob("media-*"):
            left.unlink(missing_ok=True)
        probe = folder / ".write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise SystemExit(f"onebox: ONEBOX_MEDIA_DIR {str(folder)!r}: {exc.strerror}") from None
    return folder


def add_media_stage(
    runtime: ServiceRuntime,
    *,
    channel: str,
    fetch: Fetch,
    transcribe: Transcribe,
    concurrency: int = 2,
) -> MediaStage:
    """Run a `MediaStage` on ``media.<channel>`` in `runtime` (folder, caps: its settings)."""
    settings = runtime.settings
    stage = MediaStage(
        bus=runtime.bus,
        fetch=fetch,
        transcribe=transcribe,
        folder=open_media_dir(media_folder(settings) / channel),
        max_seconds=settings.voice_max_seconds,
        journal=runtime.journal,
    )
    runtime.add_consumer(
        media_topic(channel), stage, name=f"media-{channel}", concurrency=concurrency,
        lease=settings.voice_lease_seconds,
    )  # fmt: skip
    return stage
