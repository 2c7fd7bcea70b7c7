"""What the store measures, reported through hooks that do nothing until the server installs
its metrics (``stemma.metrics``). The store imports no metrics library: it calls these
module attributes, which ``stemma.metrics.install`` replaces."""

from __future__ import annotations

from collections.abc import Callable


def _ignore(value: float) -> None:
    return None


transaction_seconds: Callable[[float], None] = _ignore
"""A write transaction, from BEGIN to COMMIT (a batch of writes counts as one)."""
fsync_seconds: Callable[[float], None] = _ignore
"""One fsync of SQLite's write-ahead log."""
write_batch_size: Callable[[float], None] = _ignore
"""Requests whose writes one batch committed together (SQLite, one server process)."""
