"""The open connections of one event loop: how many there may be, and which go first.

A connection that sends nothing still holds a file descriptor. Issue #20 opened 1,100 silent
connections against a 1,024 open-file limit: every normal request was refused for about 28 s,
until the request timeout closed them, and nothing was logged. So each event loop counts its
connections, and keeps the idle ones (no request in progress: new, or kept alive between
requests) in the order they became idle. At the limit, a new connection takes the place of the
one idle longest, which is closed; with none idle, the new one is refused (503, by the
protocol). Idle connections are also closed after ``--idle-timeout``. Shedding is logged once
when a burst begins and once, with its counts, when it has been quiet for ``QUIET`` seconds:
never once per connection.

The limit is kept below the process's open-file limit (``effective_limit``), so that the server
itself never runs out of descriptors: accepting then fails, and a listening server can only
drop what it cannot accept, well-behaved clients included.

This module knows nothing of HTTP; ``http_protocol.py`` calls it at each step of a connection.
"""

from __future__ import annotations

import logging
import resource
from typing import Generic, Protocol, TypeVar

log = logging.getLogger("stemma")

FD_RESERVE = 100
"""Descriptors kept for the store, its pool, logs and the listening socket."""
QUIET = 10.0
"""Seconds without shedding that end a burst."""


class Closable(Protocol):
    def drop(self) -> None:
        """Close the connection without an answer."""


C = TypeVar("C", bound=Closable)


def effective_limit(configured: int) -> int:
    """``configured``, lowered to leave ``FD_RESERVE`` descriptors under the open-file limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(1, min(configured, soft - FD_RESERVE))


class Connections(Generic[C]):
    """The connections of one event loop."""

    def __init__(self) -> None:
        self.open: set[C] = set()
        self.idle: dict[C, float] = {}  # connection -> loop time it became idle, oldest first
        self._shed = 0
        self._refused = 0
        self._burst_began: float | None = None
        self._last_event = 0.0

    def admit(self, connection: C, now: float, limit: int) -> bool:
        """Count ``connection`` in, idle; at ``limit``, close the connection idle longest first.
        False when none is idle: the caller refuses ``connection``."""
        if len(self.open) >= limit:
            if not self.idle:
                self._refused += 1
                self._note_burst(now, limit)
                return False
            oldest = next(iter(self.idle))
            self.remove(oldest)
            oldest.drop()
            self._shed += 1
            self._note_burst(now, limit)
        self.open.add(connection)
        self.idle[connection] = now
        return True

    def busy(self, connection: C) -> None:
        """``connection`` has begun a request."""
        self.idle.pop(connection, None)

    def rest(self, connection: C, now: float) -> None:
        """``connection`` has no request in progress any more."""
        self.idle.pop(connection, None)
        self.idle[connection] = now

    def remove(self, connection: C) -> None:
        self.open.discard(connection)
        self.idle.pop(connection, None)

    def expire_idle(self, now: float, timeout: float) -> None:
        """Close the connections idle for ``timeout`` seconds or more."""
        deadline = now - timeout
        expired = []
        for connection, since in self.idle.items():  # oldest first
            if since > deadline:
                break
            expired.append(connection)
        for connection in expired:
            self.remove(connection)
            connection.drop()

    @property
    def bursting(self) -> bool:
        """A burst of shedding has not been reported as ended yet."""
        return self._burst_began is not None

    def report(self, now: float) -> None:
        """Log the end of a burst of shedding, once it has been quiet for ``QUIET`` seconds."""
        if self._burst_began is None or now - self._last_event < QUIET:
            return
        log.warning(
            "connection limit: %d idle connections closed and %d refused in %.0f s",
            self._shed,
            self._refused,
            self._last_event - self._burst_began,
        )
        self._burst_began = None
        self._shed = self._refused = 0

    def _note_burst(self, now: float, limit: int) -> None:
        self._last_event = now
        if self._burst_began is None:
            self._burst_began = now
            log.warning(
                "at the connection limit (%d open): closing the connections idle longest "
                "to admit new ones (--max-connections, --idle-timeout)",
                limit,
            )
