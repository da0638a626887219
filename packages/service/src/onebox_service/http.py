"""The outbound HTTP client of every service: httpx's interface over aiohttp's connections.

Code that calls Telegram, the Graph API or a model provider uses `httpx.AsyncClient` and its
types (requests, responses, timeouts, errors). Underneath, `AiohttpTransport` moves the bytes
with aiohttp's connection pool, because httpx's own pool (httpcore on anyio) spends several
times more CPU per request with a few requests in flight, which on a busy stack was most of a
sender's time (``bench/http_client.py`` measures both; the figures are in the README's
Benchmarks section).

Errors keep httpx's meaning, so callers can tell a timeout from a refusal or a reset:
``ConnectTimeout`` / ``ReadTimeout`` / ``ConnectError`` / ``RemoteProtocolError`` /
``ReadError`` / ``WriteError``, all `httpx.TransportError`. Answers are read whole (the APIs
the stack calls answer small JSON documents); httpx then decodes them as usual.
"""

from __future__ import annotations

import ssl

import aiohttp
import httpx

DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10)


def outbound_client(
    *,
    timeout: httpx.Timeout | float = 30.0,
    limits: httpx.Limits = DEFAULT_LIMITS,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` on `AiohttpTransport`; close it with ``aclose()``."""
    return httpx.AsyncClient(
        timeout=timeout, transport=AiohttpTransport(limits=limits, verify=verify)
    )


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends requests through one `aiohttp.ClientSession`.

    The session is made on first use, inside the running event loop, and closed by
    `aclose` (which `httpx.AsyncClient.aclose` calls).

    Args:
        limits: ``max_connections`` caps the pool (None: no cap); ``keepalive_expiry`` is how
            long an idle connection is kept.
        verify: TLS verification, as for httpx (True, False or an `ssl.SSLContext`).
    """

    def __init__(
        self, *, limits: httpx.Limits = DEFAULT_LIMITS, verify: ssl.SSLContext | bool = True
    ) -> None:
        self._limits = limits
        self._ssl: ssl.SSLContext | bool = (
            httpx.create_ssl_context(verify=verify) if verify is not False else False
        )
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections or 0,
                keepalive_timeout=self._limits.keepalive_expiry or 5.0,
                ssl=self._ssl,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx decodes, from the headers it is given
                cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        limits = aiohttp.ClientTimeout(
            total=None,
            connect=timeout.get("pool"),
            sock_connect=timeout.get("connect"),
            sock_read=timeout.get("read"),
        )
        body = await request.aread()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        try:
            async with self._get_session().request(
                request.method,
                str(request.url),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                compress=None,
                timeout=limits,
            ) as answer:
                content = await answer.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _translate(exc, request) from exc
        return httpx.Response(
            status_code=answer.status,
            headers=answer.raw_headers,
            stream=httpx.ByteStream(content),
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (answer.reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _translate(exc: Exception, request: httpx.Request) -> httpx.TransportError:
    """The httpx error that says what `exc` (raised by aiohttp) means."""
    message = f"{type(exc).__name__}: {exc}"
    kind: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        kind = httpx.ConnectTimeout
    elif isinstance(exc, aiohttp.SocketTimeoutError | TimeoutError):
        kind = httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):
        kind = httpx.ConnectError
    elif isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        kind = httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientPayloadError):
        kind = httpx.ReadError
    elif isinstance(exc, aiohttp.ClientConnectionResetError):
        kind = httpx.WriteError
    elif isinstance(exc, aiohttp.ClientOSError):
        kind = httpx.ReadError
    elif isinstance(exc, aiohttp.InvalidUrlClientError | aiohttp.NonHttpUrlClientError):
        kind = httpx.UnsupportedProtocol
    else:
        kind = httpx.TransportError
    return kind(message, request=request)
