"""A per-access-key request-rate limit (off by default, D50).

A token bucket per key: ``rate`` requests a second on average, bursts up to ``burst``. Over the
limit a request gets HTTP 400 ``ThrottlingException`` ``Rate exceeded``, which botocore retries
with back-off. Buckets live in each server process, so N workers admit up to N times the rate.
"""

from __future__ import annotations

import threading
import time

from stemma.protocol.errors import ThrottlingException


class RateLimiter:
    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(rate, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one token for ``key``, or raise ``ThrottlingException``."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise ThrottlingException("Rate exceeded")
            if len(self._buckets) > 100_000:  # forget idle keys rather than grow without bound
                self._buckets.clear()
            self._buckets[key] = (tokens - 1.0, now)
