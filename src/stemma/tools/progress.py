"""A one-line progress report for long runs: on a terminal only, so pipes and logs stay quiet."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Records done, their rate and, when the total work is known, an ETA; redrawn at most
    twice a second. ``done`` is counted in records, ``position`` (optional) in the unit of
    ``total`` (bytes of input, say)."""

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.records = 0
        self._start = self._last = time.monotonic()
        self._drawn = False

    def update(self, records: int, position: int | None = None) -> None:
        self.records = records
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.5:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-9)
        text = f"{self.label}: {records:,} records, {records / elapsed:,.0f}/s"
        if self.total and position:
            share = min(position / self.total, 1.0)
            eta = elapsed * (1 - share) / max(share, 1e-9)
            text += f", {share:.0%}, ETA {eta:,.0f}s"
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> float:
        """Clear the line; returns the seconds elapsed."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        return time.monotonic() - self._start
