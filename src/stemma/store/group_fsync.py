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

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from stemma.store import instruments

log = logging.getLogger("stemma.store")


class GroupFsync:
    """Makes the WAL of one database file durable for every waiter, one fsync per batch.

    A syncer thread takes every request waiting when it wakes, fsyncs once, and resolves them
    all: a request made while a flush runs waits for the next one, which began after it.
    """

    def __init__(self, database: Path, after_sync: Callable[[], None] | None = None) -> None:
        self._wal = database.with_name(database.name + "-wal")
        self._after_sync = after_sync  # called in the syncer thread after each good fsync
        self._fd: int | None = None
        self._cond = threading.Condition()
        self._pending: list[Future[None]] = []
        self._thread: threading.Thread | None = None
        self._closed = False
        self.failure: OSError | None = None  # once set, nothing is acknowledged again

    def request(self) -> Future[None]:
        """A future resolved once every write committed before this call is on disk."""
        future: Future[None] = Future()
        with self._cond:
            if self.failure is not None or self._closed:
                future.set_exception(self._failed())
                return future
            self._pending.append(future)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="stemma-group-fsync", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        return future

    def sync(self) -> None:
        """Return once every write this thread committed so far is on disk."""
        self.request().result()

    def _failed(self) -> OSError:
        if self.failure is None:
            return OSError("the write-ahead log is closed")
        return OSError(f"the write-ahead log could not be flushed: {self.failure}")

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending:
                    return
                batch, self._pending = self._pending, []
            try:
                began = time.perf_counter()
                os.fsync(self._wal_fd())
                instruments.fsync_seconds(time.perf_counter() - began)
            except OSError as exc:
                with self._cond:
                    self.failure = exc
                    batch += self._pending
                    self._pending = []
                for future in batch:
                    future.set_exception(self._failed())
                continue
            for future in batch:
                future.set_result(None)
            if self._after_sync is not None:
                try:
                    self._after_sync()
                except Exception:  # never let it stop the flushes every write waits for
                    log.exception("after-sync step failed")

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
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(10)
        with self._cond:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
