"""The parcel stage: an agent fetches a file for another channel's reply, then wakes it.

An operator's photo for a WhatsApp customer is published by the orchestrator as a reply to
``outbound.whatsapp`` that waits (published with a delay, so per-key FIFO holds the customer's
later messages behind it), plus a `FetchRequest` to ``fetch.telegram``. `ParcelStage`, the
handler of that topic's consumer in the Telegram agent, downloads the photo through the
channel's `FetchPhoto` (the bot token lives there) and then, in ONE transaction, stores the
parcel (`parcels`), wakes the waiting reply (`Bus.wake`) and acks the request. A crash before
that commit leaves the request to be claimed again; the reply keeps waiting meanwhile.

Failures become the parcel's `error`, worded for the operator (too large, not a photo, gone,
unavailable): the reply is woken all the same, its channel dead-letters it with that reason,
and the operator is told (`failures`). A retryable failure is raised first (the consumer nacks
and the photo is fetched again later); on the last attempt it is stored like the others. If
nobody fetches at all (the agent is down), the reply's delay runs out and its channel finds
no parcel: the operator is told that too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from onebox_bus import Bus, LeaseLost, Message
from onebox_bus.contracts import FetchRequest, fetch_topic
from sqlalchemy.engine import Connection

from .journal import MessageJournal
from .media import MediaError, MediaGone, MediaTooLarge
from .parcels import ParcelStore
from .photos import FetchedPhoto, MediaNotImage, too_large_reason
from .runtime import ServiceRuntime

log = structlog.get_logger("onebox.service.parcel_stage")

#: Download the photo a request names (channel-specific); raises `MediaError`s.
FetchPhoto = Callable[[FetchRequest], Awaitable[FetchedPhoto]]

_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp"}


def channel_title(channel: str) -> str:
    """``WhatsApp`` for ``whatsapp``."""
    return _NAMES.get(channel, channel)


class ParcelStage:
    """The handler of ``fetch.<channel>``: download, store the parcel, wake the reply, ack.

    Args:
        bus: the bus (the parcel, the wake and the ack share one transaction).
        parcels: where parcels are kept.
        fetch: the channel's download (`FetchPhoto`).
        channel: the channel whose files are fetched (its name goes into the reasons).
        journal: the trace (``fetched`` and ``fetch.failed`` events).
    """

    def __init__(
        self,
        *,
        bus: Bus,
        parcels: ParcelStore,
        fetch: FetchPhoto,
        channel: str,
        journal: MessageJournal | None = None,
    ) -> None:
        self.bus = bus
        self.parcels = parcels
        self.fetch = fetch
        self.channel = channel
        self.journal = journal

    async def __call__(self, message: Message) -> None:
        """Handle one claimed fetch request; settles it (commit, or raise to nack)."""
        try:
            request = FetchRequest.from_payload(message.payload)
        except (ValueError, TypeError, AttributeError) as exc:
            reason = f"malformed fetch request: {type(exc).__name__}"
            await self.bus.run_async(lambda: self.bus.dead_letter(message, reason))
            return
        outcome = await self._fetch(message, request)
        try:
            await self.bus.db.unit(lambda conn: self._commit(conn, message, request, outcome))
        except LeaseLost:
            log.warning("parcel.lease_lost")

    async def _fetch(self, message: Message, request: FetchRequest) -> FetchedPhoto | str:
        """The photo, or why it could not be fetched (retryable failures raised while
        attempts are left)."""
        source, target = channel_title(self.channel), channel_title(request.channel)
        try:
            return await self.fetch(request)
        except MediaTooLarge as exc:
            return too_large_reason(exc, channel=target)
        except MediaNotImage:
            return f"the file is not a JPEG or PNG photo, which is what {target} shows"
        except MediaGone:
            return f"{source} no longer has the photo; send it again"
        except MediaError as exc:
            if getattr(exc, "retryable", False) and message.attempt < message.max_attempts:
                raise
            return f"the photo could not be fetched from {source}; send it again later"
        except Exception as exc:
            if getattr(exc, "retryable", False) and message.attempt < message.max_attempts:
                raise
            log.error("parcel.fetch_failed", error=type(exc).__name__)
            return f"the photo could not be fetched from {source}; send it again later"

    def _commit(
        self,
        conn: Connection,
        message: Message,
        request: FetchRequest,
        outcome: FetchedPhoto | str,
    ) -> None:
        # `conn` is the batch's transaction: the parcel, the wake and the ack join it.
        cid = request.correlation_id
        if isinstance(outcome, FetchedPhoto):
            self.parcels.put(conn, request.parcel, data=outcome.data,
                             content_type=outcome.content_type)  # fmt: skip
            if self.journal is not None:
                self.journal.record(cid, "fetched", bytes=len(outcome.data),
                                    type=outcome.content_type)  # fmt: skip
        else:
            self.parcels.fail(conn, request.parcel, reason=outcome)
            log.info("parcel.failed")
            if self.journal is not None:
                self.journal.record(cid, "fetch.failed")
        self.bus.wake(request.reply_topic, request.reply_id)
        self.bus.ack(message)


def add_parcel_stage(
    runtime: ServiceRuntime,
    *,
    channel: str,
    fetch: FetchPhoto,
    concurrency: int = 2,
    lease: float = 120.0,
) -> ParcelStage:
    """Run a `ParcelStage` on ``fetch.<channel>`` in `runtime`."""
    stage = ParcelStage(
        bus=runtime.bus,
        parcels=ParcelStore(runtime.db, clock=runtime.bus.clock),
        fetch=fetch,
        channel=channel,
        journal=runtime.journal,
    )
    runtime.add_consumer(
        fetch_topic(channel), stage, name=f"fetch-{channel}", concurrency=concurrency,
        lease=lease,
    )  # fmt: skip
    return stage
