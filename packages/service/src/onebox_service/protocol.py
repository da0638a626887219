"""uvicorn's HTTP protocol with a header timeout: a connection must send its headers in time.

uvicorn closes an idle keep-alive connection after ``timeout_keep_alive`` and caps
connections with ``limit_concurrency``, but it waits forever for a request's headers: a
client that connects and sends nothing, or sends a header byte every few seconds, holds a
connection (and, up to the cap, every one) for as long as it likes. `header_timeout_protocol`
returns uvicorn's protocol class (httptools when installed, else h11) with a timer armed when
the connection opens and again when a response completes, and cancelled once the request's
headers are complete; when it fires, the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

log = structlog.get_logger("onebox.service.protocol")


class _HeaderTimeout:
    """Mixed into a uvicorn HTTP protocol class: the header timer and its two arming points."""

    header_timeout: float = 10.0
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    _header_timer: asyncio.TimerHandle | None = None

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            log.info("http.header_timeout", seconds=self.header_timeout)
            self.transport.close()


def _httptools(base: type[Any]) -> type[Any]:
    class HttpToolsHeaderTimeout(_HeaderTimeout, base):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm_header_timer()

        def on_headers_complete(self) -> None:
            self._cancel_header_timer()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_timer()
            super().connection_lost(exc)

    return HttpToolsHeaderTimeout


def _h11(base: type[Any]) -> type[Any]:
    class H11HeaderTimeout(_HeaderTimeout, base):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm_header_timer()

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._cancel_header_timer()  # the request line and headers are in

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_timer()
            super().connection_lost(exc)

    return H11HeaderTimeout


def header_timeout_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class, closing connections whose headers take over `seconds`."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools not installed: uvicorn's pure-Python parser
        from uvicorn.protocols.http.h11_impl import H11Protocol

        cls = _h11(H11Protocol)
    else:
        cls = _httptools(HttpToolsProtocol)
    cls.header_timeout = seconds
    return cls
