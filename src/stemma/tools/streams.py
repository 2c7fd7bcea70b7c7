"""Where a stream goes and comes from: a file (gzip when its name ends in ``.gz``) or stdio."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Callable
from typing import IO, cast


def open_output(path: str | None) -> IO[bytes]:
    """``path`` for writing, or stdout for None or ``-``; the caller closes it."""
    if path is None or path == "-":
        return sys.stdout.buffer
    if path.endswith(".gz"):
        # Level 3: several times faster than the default 9, for a slightly larger file.
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=3))
    return open(path, "wb")  # closed by the caller


class Input:
    """A stream being read: its lines, and how far into the file (for an ETA) when known."""

    def __init__(
        self,
        stream: IO[bytes],
        size: int | None,
        position: Callable[[], int],
        raw: IO[bytes] | None = None,
    ) -> None:
        self.stream = stream
        self.size = size
        self.position = position
        self._raw = raw

    def close(self) -> None:
        self.stream.close()
        if self._raw is not None:
            self._raw.close()  # a GzipFile leaves the file it was given open


def open_input(path: str) -> Input:
    """``path`` for reading (stdin for ``-``), gunzipped when it starts with gzip's magic."""
    if path == "-":
        return Input(sys.stdin.buffer, None, lambda: 0)
    raw = open(path, "rb")  # noqa: SIM115  # closed with the Input
    size = raw.seek(0, 2)
    raw.seek(0)
    if raw.peek(2)[:2] == b"\x1f\x8b":
        unzipped = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
        return Input(unzipped, size, raw.tell, raw)
    return Input(raw, size, raw.tell)
