"""uvicorn's httptools protocol, with a deadline on receiving each request.

uvicorn times out idle keep-alive connections, but not a connection that never finishes sending
its request (or sends nothing at all): a slow client could hold connections open for ever. This
subclass gives every request ``header_timeout`` seconds from its first byte (or from the
connection's opening) to arrive whole, headers and body. A request still incomplete then is
answered ``408 RequestTimeoutException`` if its headers had arrived, and its connection closed.

No timer is armed per request, since that costs more than the rest of the bookkeeping: each
connection notes when its request began, and one sweeper per event loop checks the open
connections a few times per timeout period. The protocol relies on uvicorn's callbacks, hence
the pinned uvicorn range in pyproject.toml; tests/auth/test_hygiene.py holds it to account.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from stemma.protocol.errors import RequestTimeout
from stemma.protocol.serializer import CONTENT_TYPE, error_body


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    header_timeout: float = 30.0
    """Seconds a request may take to arrive whole; set from --request-timeout."""

    # The open connections of each event loop; a loop's sweeper runs while it has some.
    _open: ClassVar[dict[asyncio.AbstractEventLoop, set[DeadlineHttpToolsProtocol]]] = {}
    _began: float | None = None  # loop time the incomplete request began; None: nothing pending
    _has_headers = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._began = self.loop.time()
        connections = self._open.get(self.loop)
        if connections is None:
            connections = self._open[self.loop] = set()
            self.loop.call_later(self._sweep_interval(), _sweep, self.loop)
        connections.add(self)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._began = self.loop.time()
        self._has_headers = False

    def on_headers_complete(self) -> None:
        self._has_headers = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._began = None  # whole: from here uvicorn's keep-alive timeout governs
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        connections = self._open.get(self.loop)
        if connections is not None:
            connections.discard(self)
        super().connection_lost(exc)

    @classmethod
    def _sweep_interval(cls) -> float:
        return min(1.0, cls.header_timeout / 4)

    def _expire(self) -> None:
        if self.pipeline:
            # A request waits behind one still being answered, and uvicorn stopped reading
            # meanwhile: the wait is the server's, not the client's. Its clock starts again.
            self._began = self.loop.time()
            return
        self._began = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if self._has_headers and cycle is not None and not cycle.response_started:
            # The app is still waiting for this request's body; nothing was answered yet.
            error = RequestTimeout("The request body was not received in time.")
            body = error_body(error)
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\n"
                b"content-type: " + CONTENT_TYPE.encode() + b"\r\n"
                b"content-length: " + str(len(body)).encode() + b"\r\n"
                b"x-amzn-requestid: " + str(uuid.uuid4()).encode() + b"\r\n"
                b"x-amzn-errortype: " + error.code.encode() + b"\r\n"
                b"connection: close\r\n\r\n" + body
            )
        self.transport.close()


def _sweep(loop: asyncio.AbstractEventLoop) -> None:
    """Expire every request of this loop that has taken longer than the timeout; runs while the
    loop has connections open."""
    protocols = DeadlineHttpToolsProtocol._open.get(loop, set())
    deadline = loop.time() - DeadlineHttpToolsProtocol.header_timeout
    for protocol in [p for p in protocols if p._began is not None and p._began <= deadline]:
        protocol._expire()
    if protocols:
        loop.call_later(DeadlineHttpToolsProtocol._sweep_interval(), _sweep, loop)
    else:
        DeadlineHttpToolsProtocol._open.pop(loop, None)


# How stemma runs uvicorn, whatever the settings; the benchmark's bare ASGI ceiling runs with the
# same options, so that it measures the same server stack.
SERVER_OPTIONS: dict[str, Any] = {
    "http": DeadlineHttpToolsProtocol,
    "loop": "auto",  # uvloop where it is installed (it is a dependency outside Windows)
    "proxy_headers": False,  # stemma never reads the client's address
    "access_log": False,
    "server_header": False,
    "date_header": False,
}
