"""uvicorn's httptools protocol, with a deadline on request headers.

uvicorn times out idle keep-alive connections, but not a connection that never finishes sending
its request line and headers (or sends nothing at all): a slow client could hold connections
open for ever. This subclass gives every request ``header_timeout`` seconds from its first byte
(or from the connection's opening) to complete its headers, then closes the connection. The body
has its own deadline in ``app.py``. It relies on uvicorn's protocol callbacks, hence the pinned
uvicorn range in pyproject.toml; tests/auth/test_hygiene.py holds it to account.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    header_timeout: float = 30.0
    """Seconds a request may take to deliver its headers; set from --request-timeout."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        # Between requests uvicorn's keep-alive timeout governs; a new request re-arms ours.
        self._disarm()
        super().on_response_complete()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()
