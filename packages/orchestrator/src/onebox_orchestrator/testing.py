"""Test helpers shipped with the orchestrator: inbound messages as an agent makes them, and
the app served on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator

import anyio
import uvicorn
from litestar import Litestar
from onebox_bus import Bus
from onebox_bus.contracts import INBOUND, InboundMessage


def make_inbound(
    text: str,
    *,
    conversation_id: str = "42",
    channel: str = "telegram",
    content_kind: str = "text",
    received_at: float | None = None,
    platform_message_id: str | None = None,
) -> InboundMessage:
    """An `InboundMessage` as an agent would build it from a webhook."""
    return InboundMessage(
        channel=channel,
        conversation_id=conversation_id,
        sender_id=f"user-{conversation_id}",
        text=text,
        platform_message_id=platform_message_id or uuid.uuid4().hex[:12],
        received_at=time.time() if received_at is None else received_at,
        correlation_id=uuid.uuid4().hex,
        content_kind=content_kind,
    )


def publish_inbound(bus: Bus, message: InboundMessage) -> int:
    """Publish `message` to ``inbound`` the way agents do (conversation key, platform dedupe)."""
    return bus.publish(
        INBOUND,
        message.to_payload(),
        key=message.key,
        dedupe_key=f"{message.channel}:{message.platform_message_id}",
        correlation_id=message.correlation_id,
    )


@contextlib.asynccontextmanager
async def serve_app(app: Litestar) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in this event loop; yields its URL.

    The app's lifespan (its workers) runs in the caller's event loop, so clients created by
    the test (an `httpx.AsyncClient` given to the router) are used and closed in one loop.
    """
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="on", log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    with anyio.fail_after(30):
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
    port = next(sock.getsockname()[1] for srv in server.servers for sock in srv.sockets)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
