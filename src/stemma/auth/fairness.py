"""Fairness between tenants: at most N expensive calls per access key at a time (#20 item 7).

A QueryLineage over a large graph, a List page or a Search costs milliseconds of CPU where a
Describe costs microseconds. The server runs them in worker threads that share one interpreter
lock with the event loop, so a tenant that keeps many of them in flight slowed every other
tenant's requests: 8 concurrent QueryLineage calls of 6,000 edges each took another account's
p99 from 3.5 ms to 252 ms. Here each access key gets ``limit`` slots for the operations named in
``EXPENSIVE``; a further expensive call of that key *waits*, on the event loop and in arrival
order, for one of that key's slots. A waiting call costs nothing, so the key's other calls and
everybody else's proceed. Waiting rather than refusing keeps the guarantee (the slots bound
what a key consumes, whatever it sends) without turning a burst of SDK calls into errors; only
past ``queue`` waiting calls per key is the caller refused, with ``ThrottlingException``
``Rate exceeded`` (HTTP 400), which SDKs retry with back-off, so the waiting line is bounded too.

The key is the one the request claims, read before its signature is verified: the gate must be
passed before the call takes a worker thread. A request that claims another key's id only waits
in that key's line until its signature fails, a few microseconds after it gets a slot.
Slots live in each server process, like the rate limit's buckets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Iterable

from stemma.protocol.errors import ThrottlingException

# Operations whose cost follows the data rather than the request: every List page, and these.
# Names the server does not (yet) serve are harmless here.
EXPENSIVE = frozenset({"QueryLineage", "Search", "BatchGetMetrics"})
QUEUE = 64  # calls of one key that may wait for a slot before it is refused


def expensive_operations(served: Iterable[str]) -> frozenset[str]:
    """The served operations the gate bounds: ``EXPENSIVE`` and every ``List*``."""
    return frozenset(op for op in served if op in EXPENSIVE or op.startswith("List"))


class _Line:
    """One key's running calls and the calls waiting for a slot, first come first served."""

    __slots__ = ("running", "waiting")

    def __init__(self) -> None:
        self.running = 0
        self.waiting: deque[asyncio.Future[None]] = deque()


class FairnessGate:
    """``limit`` concurrent expensive calls per key; used on the event loop only."""

    def __init__(self, limit: int, queue: int = QUEUE) -> None:
        self.limit = limit
        self.queue = queue
        self._lines: dict[str, _Line] = {}

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = _Line()
        if line.running < self.limit and not line.waiting:
            line.running += 1
        else:
            if len(line.waiting) >= self.queue:
                raise ThrottlingException("Rate exceeded")
            granted = asyncio.get_running_loop().create_future()
            line.waiting.append(granted)
            try:
                await granted  # _release hands over its slot: running is unchanged
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled():
                    self._release(key, line)  # the slot came, but nobody will use it
                else:
                    with contextlib.suppress(ValueError):  # _release may have dropped it
                        line.waiting.remove(granted)
                raise
        try:
            yield
        finally:
            self._release(key, line)

    def _release(self, key: str, line: _Line) -> None:
        while line.waiting:
            waiter = line.waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        line.running -= 1
        if line.running == 0:
            del self._lines[key]  # idle keys hold no memory
