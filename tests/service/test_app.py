"""The shared app pieces over HTTP: webhook ingest, /health, /metrics, the admin guard."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import structlog.testing
from litestar import Litestar, Request, get
from litestar.testing import AsyncTestClient
from onebox_bus.contracts import INBOUND, InboundMessage
from onebox_bus.message import Message
from onebox_service import (
    ServiceRuntime,
    WebhookIngest,
    create_service_app,
    new_correlation_id,
    secret_matches,
    webhook_post,
)

from .conftest import make_runtime


def demo_app(runtime: ServiceRuntime, *, with_worker: bool = True) -> Litestar:
    ingest = WebhookIngest(
        bus=runtime.bus,
        events=runtime.events,
        collector=runtime.collector,
        channel="demo",
        max_body_bytes=runtime.settings.max_body_bytes,
    )

    @webhook_post("/webhook/demo")
    async def webhook(request: Request[Any, Any, Any]) -> dict[str, bool]:
        if not secret_matches(request.headers.get("x-secret"), "s3"):
            ingest.refuse("secret missing or wrong")
        body = await ingest.read_body(request)
        try:
            update = orjson.loads(body)
            update_id = int(update["update_id"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            await ingest.reject("not a demo update")
        if "text" not in update:
            await ingest.record("member_update", "not a message")
            return {"ok": True}
        message = InboundMessage(
            channel="demo",
            conversation_id=str(update["chat"]),
            sender_id="u1",
            text=update["text"],
            platform_message_id=str(update_id),
            received_at=0.0,
            correlation_id=new_correlation_id(),
        )
        await ingest.publish(message, dedupe_key=f"demo:{update_id}")
        return {"ok": True}

    @get("/stats")
    async def stats() -> dict[str, int]:
        return {"n": 1}

    if with_worker:

        async def handle(message: Message) -> None:
            return None

        runtime.add_consumer("demo.work", handle, name="demo-worker", max_poll=0.05)
    return create_service_app(runtime, route_handlers=[webhook], admin_handlers=[stats])


@pytest.fixture
async def client(runtime: ServiceRuntime) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=demo_app(runtime)) as c:
        yield c


HEADERS = {"x-secret": "s3", "content-type": "application/json"}


@pytest.mark.anyio
async def test_webhook_commits_then_answers_200_and_dedupes(
    client: AsyncTestClient[Litestar], runtime: ServiceRuntime
) -> None:
    body = orjson.dumps({"update_id": 5, "chat": 9, "text": "hi"})
    first = await client.post("/webhook/demo", content=body, headers=HEADERS)
    again = await client.post("/webhook/demo", content=body, headers=HEADERS)
    assert (first.status_code, again.status_code) == (200, 200)
    assert runtime.bus.stats()[INBOUND].ready == 1
    (message,) = runtime.bus.claim(INBOUND)
    assert message.key == "demo:9"
    assert message.dedupe_key == "demo:5"
    assert InboundMessage.from_payload(message.payload).text == "hi"


@pytest.mark.anyio
async def test_wrong_secret_is_401_and_stores_nothing(
    client: AsyncTestClient[Litestar], runtime: ServiceRuntime
) -> None:
    body = orjson.dumps({"update_id": 5, "chat": 9, "text": "hi"})
    response = await client.post("/webhook/demo", content=body, headers={"x-secret": "nope"})
    assert response.status_code == 401
    assert INBOUND not in runtime.bus.stats()
    assert runtime.events.recent() == []


@pytest.mark.anyio
async def test_oversized_body_is_413_and_recorded(
    client: AsyncTestClient[Litestar], runtime: ServiceRuntime
) -> None:
    big = b'{"update_id": 1, "text": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post("/webhook/demo", content=big, headers=HEADERS)
    assert response.status_code == 413
    assert INBOUND not in runtime.bus.stats()
    (event,) = runtime.events.recent(channel="demo")
    assert (event.kind, event.status_code) == ("too_large", 413)


@pytest.mark.anyio
async def test_malformed_is_400_recorded_and_ignored_update_is_200_recorded(
    client: AsyncTestClient[Litestar], runtime: ServiceRuntime
) -> None:
    bad = await client.post("/webhook/demo", content=b"{not json", headers=HEADERS)
    assert bad.status_code == 400
    assert bad.json() == {"error": "not a demo update"}
    member = orjson.dumps({"update_id": 6, "chat": 9})
    ignored = await client.post("/webhook/demo", content=member, headers=HEADERS)
    assert ignored.status_code == 200
    kinds = [(e.kind, e.status_code) for e in runtime.events.recent(channel="demo")]
    assert kinds == [("member_update", 200), ("malformed", 400)]
    assert not any("{not json" in e.reason for e in runtime.events.recent())


@pytest.mark.anyio
@pytest.mark.sqlite_only("holds SQLite's file lock")
async def test_locked_database_is_503_and_nothing_lost(db_url: str) -> None:
    runtime = make_runtime(db_url, busy_timeout_seconds=0.2)
    path = db_url.removeprefix("sqlite:///")
    async with AsyncTestClient(app=demo_app(runtime, with_worker=False)) as client:
        holder = sqlite3.connect(path, isolation_level=None, timeout=0.1)
        holder.execute("BEGIN IMMEDIATE")
        try:
            body = orjson.dumps({"update_id": 7, "chat": 1, "text": "hello"})
            locked = await client.post("/webhook/demo", content=body, headers=HEADERS)
            assert locked.status_code == 503
            assert locked.headers["retry-after"] == "5"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert INBOUND not in runtime.bus.stats()
        retried = await client.post("/webhook/demo", content=body, headers=HEADERS)
        assert retried.status_code == 200
        assert runtime.bus.stats()[INBOUND].ready == 1
        metrics = (await client.get("/metrics")).text
        assert 'outcome="unavailable"' in metrics


@pytest.mark.anyio
async def test_health_reports_workers_and_turns_503_when_a_worker_stops(
    client: AsyncTestClient[Litestar], runtime: ServiceRuntime
) -> None:
    ok = await client.get("/health")
    assert ok.status_code == 200
    body = ok.json()
    assert body["database"] == {"ok": True}
    assert [w["name"] for w in body["workers"]] == ["demo-worker"]
    assert body["workers"][0]["alive"] is True
    assert body["topics"] == {
        "demo.work": {"ready": 0, "claimed": 0, "dead": 0, "oldest_ready_age_s": 0.0}
    }
    runtime.workers[0].stop()
    for _ in range(200):
        response = await client.get("/health")
        if response.status_code == 503:
            break
    assert response.status_code == 503
    assert response.json()["workers"][0]["running"] is False
    assert not runtime.workers_alive()


@pytest.mark.anyio
async def test_health_503_when_database_unreachable(
    client: AsyncTestClient[Litestar], runtime: ServiceRuntime
) -> None:
    runtime.db.close()
    response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


@pytest.mark.anyio
async def test_metrics_endpoint_renders_prometheus_text(
    client: AsyncTestClient[Litestar],
) -> None:
    body = orjson.dumps({"update_id": 8, "chat": 2, "text": "x"})
    await client.post("/webhook/demo", content=body, headers=HEADERS)
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'onebox_webhook_requests_total{channel="demo",outcome="accepted"} 1' in response.text


@pytest.mark.anyio
async def test_admin_guard(client: AsyncTestClient[Litestar]) -> None:
    assert (await client.get("/admin/stats")).status_code == 401
    wrong = await client.get("/admin/stats", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert "admin-secret" not in wrong.text
    right = await client.get("/admin/stats", headers={"authorization": "Bearer admin-secret"})
    assert (right.status_code, right.json()) == (200, {"n": 1})


@pytest.mark.anyio
async def test_admin_routes_absent_without_token(db_url: str) -> None:
    runtime = make_runtime(db_url)
    async with AsyncTestClient(app=demo_app(runtime, with_worker=False)) as client:
        response = await client.get("/admin/stats", headers={"authorization": "Bearer x"})
        assert response.status_code == 404


@pytest.mark.anyio
async def test_unexpected_error_is_logged_with_traceback_and_a_bare_500(
    runtime: ServiceRuntime,
) -> None:
    """Finding 3: an error no handler maps was answered 500 with nothing logged."""

    @webhook_post("/webhook/boom")
    async def boom(request: Request[Any, Any, Any]) -> dict[str, bool]:
        body = await request.body()
        raise RuntimeError(f"cannot handle {body.decode()}")

    app = create_service_app(runtime, route_handlers=[boom])
    async with AsyncTestClient(app=app) as client:
        with structlog.testing.capture_logs() as logs:
            response = await client.post("/webhook/boom", content=b"customer secret text")
            missing = await client.get("/nowhere")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    assert b"customer secret" not in response.content
    assert missing.status_code == 404
    [line] = [entry for entry in logs if entry["event"] == "request.failed"]
    assert (line["path"], line["error"], line["log_level"]) == (
        "/webhook/boom",
        "RuntimeError",
        "error",
    )
    assert isinstance(line["exc_info"], RuntimeError)


@pytest.mark.anyio
async def test_before_stop_hooks_write_while_the_database_is_open(db_url: str) -> None:
    runtime = make_runtime(db_url)
    written: list[int] = []
    late: list[str] = []

    async def write_left_behind() -> None:
        # what a write-behind flush does at shutdown: one more commit on the shared database
        written.append(runtime.bus.publish("left-behind", {"n": 1}))

    async def on_shutdown() -> None:
        try:
            runtime.bus.publish("too-late", {"n": 2})
        except Exception as exc:  # noqa: BLE001 - recorded: the database is closed by now
            late.append(type(exc).__name__)

    async def failing() -> None:
        raise RuntimeError("a hook that fails does not stop the others")

    runtime.before_stop += [failing, write_left_behind]
    app = create_service_app(runtime, on_shutdown=[on_shutdown])
    async with AsyncTestClient(app) as client:
        assert (await client.get("/health")).status_code == 200
    assert len(written) == 1
    assert late, "Litestar's on_shutdown hooks run after the runtime closed the database"
    check = make_runtime(db_url)
    try:
        assert check.bus.stats()["left-behind"].ready == 1
    finally:
        check.close()
