"""uvicorn's httptools protocol, with a deadline on receiving each request.

uvicorn times out idle keep-alive connections, but not a connection that never finishes sending
its request (or sends nothing at all): a slow client could hold connections open for ever. This
subclass gives every request ``header_timeout`` seconds from its first byte to arrive whole,
headers and body. A request still incomplete then is answered ``408 RequestTimeoutException`` if
its headers had arrived, and its connection closed. A connection with no request in progress
(new, or kept alive) is closed after ``idle_timeout``, and at most ``max_connections`` are open
per event loop: the one idle longest makes room for a new one (``stemma.connections``).

It bounds each head as it arrives: the parser buffers an incomplete head whole, so a client
sending header lines without end grew the server by hundreds of MB (issue #20). A head past
``MAX_HEAD_BYTES`` bytes or ``MAX_HEADERS`` lines is answered ``431 RequestHeaderFieldsTooLarge``
at once and its connection closed. Whatever the protocol answers itself (a request the parser
refuses, the 431, the 408) is AWS-shaped JSON like the app's answers, never uvicorn's plain text.

It also sends each answer in one piece. uvicorn writes a response's status line and headers, then
its body, each with a ``send()`` of its own: two TCP segments, and two wake-ups of the client, per
answer. ``_HeadBuffer`` keeps the head back until the body follows (in the same step of the app,
for every answer stemma gives) and writes both at once; measured, 17% more creates and 30% more
answers from the bare ceiling per second (docs/performance.md).

No timer is armed per request, since that costs more than the rest of the bookkeeping: each
connection notes when its request began, and one sweeper per event loop checks the open
connections a few times per timeout period. The protocol relies on uvicorn's callbacks, hence
the pinned uvicorn range in pyproject.toml; tests/auth/test_hygiene.py holds it to account.
"""

from __future__ import annotations

import asyncio
import http
import uuid
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from stemma.connections import Connections
from stemma.protocol.errors import (
    MalformedHttpRequest,
    RequestHeaderFieldsTooLarge,
    RequestTimeout,
    ServiceError,
    ServiceUnavailable,
)
from stemma.protocol.serializer import CONTENT_TYPE, error_body

MAX_HEADER_BYTES = 16 * 1024
"""Header names and values of a whole request; the app checks it exactly (431)."""
MAX_HEAD_BYTES = MAX_HEADER_BYTES + 8 * 1024
"""Bytes a request line and header block may take, counted as they arrive."""
MAX_HEADERS = 100
"""Header lines a request may have (Tomcat's default; SDKs send about ten)."""


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    header_timeout: float = 30.0
    """Seconds a request may take to arrive whole; set from --request-timeout."""
    idle_timeout: float = 5.0
    """Seconds a connection may stay open with no request in progress; --idle-timeout."""
    max_connections: int = 4096
    """Open connections per event loop; set from --max-connections (``effective_limit``)."""
    gauge: ClassVar[Any] = None
    """Counts open connections when metrics are on (``stemma.metrics.CONNECTIONS``)."""

    # The open connections of each event loop; a loop's sweeper runs while it has some.
    _open: ClassVar[dict[asyncio.AbstractEventLoop, Connections[DeadlineHttpToolsProtocol]]] = {}
    _buffer: _HeadBuffer
    _began: float | None = None  # loop time the incomplete request began; None: nothing pending
    _has_headers = False  # the current request's head is complete
    _head_bytes = 0  # bytes received while the current head is incomplete
    _header_count = 0  # header lines of the current head so far

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.gauge is not None:
            self.gauge.inc()
        # Every later write, the protocol's and the response cycles', goes through the buffer,
        # so nothing can overtake a head it holds.
        self._buffer = self.transport = _HeadBuffer(transport, self.loop)  # type: ignore[assignment]
        connections = self._open.get(self.loop)
        if connections is None:
            connections = self._open[self.loop] = Connections()
            self.loop.call_later(self._sweep_interval(), _sweep, self.loop)
        # Idle until its first byte: --idle-timeout governs, then --request-timeout.
        if not connections.admit(self, self.loop.time(), self.max_connections):
            self._refuse(ServiceUnavailable("The server is at its connection limit."))

    def drop(self) -> None:
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._began is None:  # the first byte of a request: no longer idle
            self._began = self.loop.time()
            self._open[self.loop].busy(self)
        if not self._has_headers:
            self._head_bytes += len(data)
        super().data_received(data)
        if not self._has_headers and self._head_bytes > MAX_HEAD_BYTES:
            # The parser buffers an incomplete head whole: stop it before it grows further.
            self._refuse(
                RequestHeaderFieldsTooLarge(
                    f"The request line and headers exceed {MAX_HEAD_BYTES} bytes."
                )
            )

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._began = self.loop.time()
        self._has_headers = False
        self._header_count = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            # Stops the parser at once; uvicorn then calls send_400_response, which answers.
            raise _TooManyHeaders()
        super().on_header(name, value)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request its parser refuses, AWS-shaped instead of plain text."""
        if self._header_count > MAX_HEADERS:
            error: ServiceError = RequestHeaderFieldsTooLarge(
                f"A request may have at most {MAX_HEADERS} headers."
            )
        else:
            error = MalformedHttpRequest("The request is not valid HTTP/1.1.")
        self._refuse(error)

    def on_headers_complete(self) -> None:
        self._has_headers = True
        self._head_bytes = 0
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and not (self.pipeline and self.pipeline[0][0] is cycle):
            self._hold_head_of(cycle)  # started now, not queued behind an answer in progress

    def on_response_complete(self) -> None:
        queued = self.pipeline[-1][0] if self.pipeline else None
        super().on_response_complete()
        if queued is not None and not (self.pipeline and self.pipeline[-1][0] is queued):
            self._hold_head_of(queued)  # the next pipelined request has just been started
        elif self._began is None and not self.transport.is_closing():
            self._open[self.loop].rest(self, self.loop.time())  # idle, kept alive

    def eof_received(self) -> None:
        # The client half-closed; the transport closes itself if this returns nothing, and a
        # head still held (a HEAD answer, waiting for the end of the loop step) must go first.
        self._buffer.flush()
        super().eof_received()

    def _hold_head_of(self, cycle: RequestResponseCycle) -> None:
        """Have the buffer keep the head of ``cycle``'s answer for its body; not for a HEAD
        answer, which has none. Where an interim "100 Continue" goes first, the write after it
        is held."""
        if cycle.scope["method"] != "HEAD":
            self._buffer.hold_next = True
            self._buffer.pass_first = cycle.waiting_for_100_continue

    def on_message_complete(self) -> None:
        self._began = None  # whole: from here uvicorn's keep-alive timeout governs
        self._has_headers = False  # what arrives next is the next request's head
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        connections = self._open.get(self.loop)
        if connections is not None:
            connections.remove(self)
        if self.gauge is not None:
            self.gauge.dec()
        super().connection_lost(exc)

    @classmethod
    def _sweep_interval(cls) -> float:
        return min(1.0, cls.header_timeout / 4, cls.idle_timeout / 4)

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
            self._refuse(RequestTimeout("The request body was not received in time."))
        self.transport.close()

    def _refuse(self, error: ServiceError) -> None:
        """Answer ``error`` as the app would (AWS JSON, request id, error type) and close."""
        self._began = None
        if self.transport.is_closing():
            return
        self.transport.write(error_answer(error))
        self.transport.close()


class _TooManyHeaders(Exception):
    """Raised from a parser callback to stop parsing a head with too many lines."""


def error_answer(error: ServiceError) -> bytes:
    """A whole HTTP answer carrying ``error``, for the connection's last words."""
    body = error_body(error)
    return (
        f"HTTP/1.1 {error.status} {http.HTTPStatus(error.status).phrase}\r\n".encode()
        + b"content-type: "
        + CONTENT_TYPE.encode()
        + b"\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"x-amzn-requestid: " + str(uuid.uuid4()).encode() + b"\r\n"
        b"x-amzn-errortype: " + error.code.encode() + b"\r\n"
        b"connection: close\r\n\r\n" + body
    )


_JOIN_LIMIT = 64 * 1024  # bodies up to this size are joined to their head in one write


class _HeadBuffer:
    """The transport as a connection's response cycles see it. Once told ``hold_next``, it keeps
    the next write (a response's head) until the following one (its body) and sends both in one
    ``write``; a head with no body right after it (a 204, an app that streams) leaves at the end
    of the loop iteration.
    Written bytes keep their order whatever happens: a held head goes out before anything else."""

    __slots__ = ("_held", "_loop", "_transport", "hold_next", "pass_first")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self.hold_next = False
        self.pass_first = False  # let one write (a "100 Continue") through before holding

    def write(self, data: bytes) -> None:
        if self.pass_first:
            self.pass_first = False
        elif self.hold_next:
            self.hold_next = False
            self.flush()  # never two heads held
            self._held = data
            self._loop.call_soon(self.flush)
            return
        held = self._held
        if held is not None:
            self._held = None
            if len(data) <= _JOIN_LIMIT:
                data = held + data
            else:  # a large body is not worth copying to save one system call
                self._transport.write(held)
        self._transport.write(data)

    def writelines(self, chunks: Any) -> None:
        self.flush()
        self._transport.writelines(chunks)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def flush(self) -> None:
        """Send a held head now."""
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def __getattr__(self, name: str) -> Any:
        # What does not write (get_extra_info, pause_reading, abort, ...) goes straight through.
        return getattr(self._transport, name)


def _sweep(loop: asyncio.AbstractEventLoop) -> None:
    """Expire every request of this loop that has taken longer than the timeout, and every
    connection idle for longer than its own; runs while the loop has connections open."""
    cls = DeadlineHttpToolsProtocol
    connections = cls._open.get(loop)
    if connections is None:
        return
    now = loop.time()
    deadline = now - cls.header_timeout
    for protocol in [p for p in connections.open if p._began is not None and p._began <= deadline]:
        protocol._expire()
    connections.expire_idle(now, cls.idle_timeout)
    connections.report(now)
    if connections.open or connections.bursting:
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
