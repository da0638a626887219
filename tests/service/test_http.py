"""The outbound client (httpx over aiohttp) against real loopback servers: what goes out,
what comes back, keep-alive, and each failure as the httpx error that names it."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from onebox_service.http import outbound_client

pytestmark = pytest.mark.anyio

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(serve: Serve) -> AsyncIterator[tuple[str, list[int]]]:
    """A loopback server running `serve` per connection; yields its URL and a connection count."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            await serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}", connections
    finally:
        srv.close()


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    first, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length") or 0))
    return first, headers, body


def answer(status: str, body: bytes, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json", *extra]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def test_a_post_carries_its_headers_and_body_and_the_answer_comes_back_decoded() -> None:
    seen: list[tuple[str, dict[str, str], bytes]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            request = await read_request(reader)
            seen.append(request)
            body = gzip.compress(json.dumps({"ok": True, "echo": len(request[2])}).encode())
            writer.write(
                answer("429 Too Many Requests", body, "Content-Encoding: gzip", "Retry-After: 3")
            )

    async with server(serve) as (url, _), outbound_client(timeout=5) as http:
        response = await http.post(
            url + "/bot123/sendMessage?x=1",
            content=b'{"text": "hi"}',
            headers={"Authorization": "Bearer tok", "Content-Type": "application/json"},
        )

    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json() == {"ok": True, "echo": 14}
    first, headers, body = seen[0]
    assert first == "POST /bot123/sendMessage?x=1 HTTP/1.1"
    assert headers["authorization"] == "Bearer tok"
    assert body == b'{"text": "hi"}'


async def test_connections_are_kept_alive_and_capped_by_the_limits() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            await asyncio.sleep(0.005)
            writer.write(answer("200 OK", b"{}"))

    limits = httpx.Limits(max_connections=3, max_keepalive_connections=3)
    async with server(serve) as (url, connections), outbound_client(limits=limits) as http:
        statuses = await asyncio.gather(*(http.get(url) for _ in range(60)))

    assert [r.status_code for r in statuses] == [200] * 60
    assert 1 <= len(connections) <= 3


async def test_a_server_that_does_not_answer_in_time_is_a_read_timeout() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async with server(serve) as (url, _), outbound_client() as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.post(url, content=b"{}", timeout=httpx.Timeout(5.0, read=0.2))


async def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: the connection is refused
        async with outbound_client() as http:
            with pytest.raises(httpx.ConnectError) as caught:
                await http.get(f"http://127.0.0.1:{port}/")
    assert not isinstance(caught.value, httpx.TimeoutException)


async def test_a_server_that_hangs_up_without_answering_is_a_protocol_error_not_a_timeout() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)  # then close: the request may or may not have taken effect

    async with server(serve) as (url, _), outbound_client() as http:
        with pytest.raises(httpx.TransportError) as caught:
            await http.post(url, content=b"{}")
    assert isinstance(caught.value, httpx.RemoteProtocolError | httpx.ReadError)
    assert not isinstance(caught.value, httpx.TimeoutException)


async def test_a_body_cut_short_is_a_read_error() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial"')
        await writer.drain()

    async with server(serve) as (url, _), outbound_client() as http:
        with pytest.raises(httpx.TransportError) as caught:
            await http.get(url)
    assert isinstance(caught.value, httpx.ReadError | httpx.RemoteProtocolError)


async def test_a_url_that_is_not_http_is_refused_before_anything_is_sent() -> None:
    async with outbound_client() as http:
        with pytest.raises(httpx.UnsupportedProtocol):
            await http.get("ftp://127.0.0.1/file")
