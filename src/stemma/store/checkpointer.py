"""WAL checkpoints for SQLite, in a thread of their own.

By default SQLite checkpoints inside the COMMIT that takes the write-ahead log past 1,000 pages:
the committing thread copies those pages into the database file and fsyncs it. For stemma that
thread is the event loop's, and the copy cost about 11 us per created entity (measured in
docs/performance.md), time in which no request is served. So stemma's connections run with
``wal_autocheckpoint=0`` and this thread checkpoints instead, at most every ``INTERVAL`` seconds
after writes were made durable; SQLite releases the GIL while it copies, so the work goes to
another core.

The checkpoints are PASSIVE, as SQLite's own: they never block a reader or a writer, copy what
no reader still needs, and let the next write restart the log once everything is copied. Under a
steady stream of writes a checkpoint racing the writer may never find the log fully copied, and
the log would grow without end; so once it holds ``RESTART_FRAMES`` frames, the next checkpoint
runs holding the store's writer lock, which lets it finish (it has only the frames written since
the previous one to copy) and the next write restart the log. The durability rules are SQLite's:
with ``synchronous=NORMAL`` a checkpoint syncs the log before it copies and the database file
before the log is reused.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable

log = logging.getLogger("stemma.store")

INTERVAL = 0.05  # seconds between checkpoints while writes keep coming
RESTART_FRAMES = 4000  # about 16 MB of log: past this, make sure the log restarts
FORCE_INTERVAL = 1.0  # seconds between checkpoints under the writer lock, at most


class Checkpointer:
    """Runs a PASSIVE checkpoint after writes, at most every ``INTERVAL`` seconds."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], writer: threading.Lock) -> None:
        self._connect = connect
        self._writer = writer
        self._cond = threading.Condition()
        self._wanted = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # completed, for tests and logs

    def wake(self) -> None:
        """Writes were made durable: checkpoint soon."""
        with self._cond:
            if self._closed:
                return
            self._wanted = True
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="stemma-checkpoint", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(30)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        forced = 0.0  # when a checkpoint last ran under the writer lock
        try:
            while True:
                with self._cond:
                    while not self._wanted and not self._closed:
                        self._cond.wait()
                    if self._closed:
                        return
                    self._wanted = False
                try:
                    if conn is None:
                        conn = self._connect()
                    _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    # Not too often: a reader holding an old snapshot can keep the log from
                    # restarting however often this runs, and it stalls every writer.
                    if frames > RESTART_FRAMES and time.monotonic() - forced > FORCE_INTERVAL:
                        forced = time.monotonic()
                        with self._writer:  # no commit meanwhile: this one copies everything
                            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.checkpoints += 1
                except Exception as exc:  # the next one will try again
                    log.warning("WAL checkpoint failed: %s", exc)
                time.sleep(INTERVAL)
        finally:
            if conn is not None:
                conn.close()
