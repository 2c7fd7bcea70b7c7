"""Group commit for SQLite: one fsync makes every write committed before it durable.

SQLite in WAL mode with ``synchronous=FULL`` fsyncs the WAL inside every COMMIT, while holding
the write lock, so writers queue behind each other's disk flushes. stemma instead commits with
``synchronous=NORMAL`` (the frames reach the OS, not yet the disk) and then, before a write is
acknowledged, waits for an fsync of the WAL file that started after its commit. Writers that
commit while one fsync is running share the next one. The guarantee is unchanged: an
acknowledged write is on disk and survives a crash or power cut; only the flushes are batched.

A failed fsync is final. Linux may mark the unwritten pages clean after reporting the error, so a
second fsync could succeed without writing them; every later ``sync`` therefore fails too, and the
store reports itself unavailable until the process restarts (as PostgreSQL does).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


class GroupFsync:
    """Makes the WAL of one database file durable for every waiter, one fsync per batch."""

    def __init__(self, database: Path) -> None:
        self._wal = database.with_name(database.name + "-wal")
        self._fd: int | None = None
        self._cond = threading.Condition()
        self._requested = 0  # tickets handed out: one per committed write
        self._done = 0  # every ticket up to this one is durable
        self._busy = False  # an fsync is running
        self.failure: OSError | None = None  # once set, nothing is acknowledged again

    def sync(self) -> None:
        """Return once every write this thread committed so far is on disk."""
        with self._cond:
            self._requested += 1
            ticket = self._requested
            while self._done < ticket:
                if self.failure is not None:
                    raise OSError(f"the write-ahead log could not be flushed: {self.failure}")
                if self._busy:
                    self._cond.wait()
                    continue
                # Lead a flush: it covers every ticket handed out until now.
                self._busy = True
                target = self._requested
                self._cond.release()
                try:
                    os.fsync(self._wal_fd())
                except OSError as exc:
                    self._cond.acquire()
                    self.failure = exc
                else:
                    self._cond.acquire()
                    self._done = max(self._done, target)
                finally:
                    self._busy = False
                    self._cond.notify_all()

    def _wal_fd(self) -> int:
        if self._fd is None:
            self._fd = os.open(self._wal, os.O_RDONLY)
            # The WAL file's directory entry must be durable too, once.
            directory = os.open(self._wal.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return self._fd

    def close(self) -> None:
        with self._cond:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
