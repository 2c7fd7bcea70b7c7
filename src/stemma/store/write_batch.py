"""Batched commits for SQLite: the writes of many requests in one transaction.

A COMMIT in WAL mode writes every page the transaction touched to the log; the usage counter, the
tail of each index and the lineage group row are the same pages for consecutive creates, so one
COMMIT for a batch of writes costs little more than one for a single write (measured: about
180 us per create one at a time, about 55 us in batches of 16; see docs/performance.md).

The event loop runs each write request to completion inside a SAVEPOINT of the open batch, then
schedules ``commit`` to run once the requests it is already processing have had their turn. A
request's own failure rolls back its savepoint only. Nothing is acknowledged before the batch is
committed and its group fsync has finished: every request of a batch waits on the batch's future,
which fails if the COMMIT or the fsync does, so no client is told of a write that is not on disk.

The batch uses a connection of its own, so reads on other connections never see a write that has
not been committed. One thread at a time may use a batch (the event loop's); it holds the store's
writer lock from the first write of a batch to its commit.

Two more statements per request are saved:
- The usage counters (for quotas) are read once per batch and kept in memory; the batch writes
  the changed ones just before its COMMIT. A request that fails gives its increments back.
- A request that changes rows with a single statement (a create without tags) runs without a
  savepoint: SQLite undoes a failed statement by itself, leaving the transaction intact.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from stemma.store import instruments
from stemma.store.contract import Unavailable
from stemma.store.group_fsync import GroupFsync
from stemma.store.sql.base import USAGE_SELECT, USAGE_SET

UsageKey = tuple[str, str, str]  # account, region, kind

log = logging.getLogger("stemma.store")


class WriteBatch:
    """The open transaction that the event loop's writes join, and its commit."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        writer: threading.Lock,
        fsync: GroupFsync,
        on_failure: Callable[[], None],
    ) -> None:
        self._connect = connect
        self._conn: sqlite3.Connection | None = None
        self._writer = writer
        self._fsync = fsync
        self._on_failure = on_failure  # forget what the store cached from the lost writes
        self._done: Future[None] | None = None  # the open batch's outcome; None: no batch open
        self._broken: Exception | None = None
        self.owner: int | None = None  # the thread holding the open batch
        self._usage: dict[UsageKey, int] = {}  # counters as this batch has them
        self._stored: dict[UsageKey, int] = {}  # ... and as the database had them
        self._given: list[tuple[UsageKey, int]] = []  # the running request's increments
        self._requests = 0  # requests in the open batch, and when it began (for the metrics)
        self._began = 0.0

    @property
    def connection(self) -> sqlite3.Connection | None:
        return self._conn

    def holds(self, conn: object) -> bool:
        """Whether ``conn`` is this batch's connection."""
        return conn is self._conn and self._conn is not None

    def savepoint(self, needed: bool = True) -> _Savepoint:
        """One request's writes in the open batch (opened if need be); they are undone alone if
        the block raises. ``needed=False``: the block changes rows with one statement at most,
        which SQLite undoes by itself, so no SAVEPOINT is issued."""
        return _Savepoint(self, needed)

    def _enter(self, needed: bool) -> sqlite3.Connection:
        conn = self._open()
        self._given = []
        self._requests += 1
        if needed:
            self._statement(conn, "SAVEPOINT request")
        return conn

    def _exit(self, needed: bool, failed: bool) -> None:
        conn = self._conn
        assert conn is not None
        if failed:
            for key, delta in self._given:
                self._usage[key] -= delta
            if needed:
                self._undo(conn)
            elif not conn.in_transaction:  # SQLite gave up the whole transaction
                self._break(sqlite3.OperationalError("the transaction was rolled back"))
            return
        if needed:
            self._statement(conn, "RELEASE request")

    def _statement(self, conn: sqlite3.Connection, sql: str) -> None:
        """A savepoint statement; if it fails, the batch is broken and the request unavailable."""
        try:
            conn.execute(sql)
        except sqlite3.Error as exc:
            self._break(exc)
            raise Unavailable(str(exc)) from exc

    def usage(self, key: UsageKey) -> int:
        """A usage counter as this batch has it (read from the database once per batch)."""
        used = self._usage.get(key)
        if used is None:
            assert self._conn is not None
            row = self._conn.execute(USAGE_SELECT, key).fetchone()
            used = self._usage[key] = self._stored[key] = int(row[0]) if row else 0
        return used

    def add_usage(self, key: UsageKey, delta: int) -> int:
        used = self._usage[key] = self.usage(key) + delta
        self._given.append((key, delta))
        return used

    def outcome(self) -> Future[None] | None:
        """The future every request of the open batch waits on: resolved once the batch is
        committed and on disk."""
        return self._done

    def commit(self) -> None:
        """Commit the open batch and have the group fsync resolve its future; failures go to
        the future, never to the caller."""
        done = self._done
        if done is None:
            return
        conn = self._conn
        assert conn is not None
        self._done, self.owner = None, None
        broken, self._broken = self._broken, None
        usage, stored = self._usage, self._stored
        self._usage, self._stored = {}, {}
        try:
            if broken is not None:
                raise broken
            changed = [(*key, used) for key, used in usage.items() if used != stored[key]]
            if changed:
                conn.executemany(USAGE_SET, changed)
            conn.execute("COMMIT")
            instruments.transaction_seconds(time.perf_counter() - self._began)
            instruments.write_batch_size(self._requests)
        except Exception as exc:
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            self._on_failure()  # before another writer can rely on what was cached
            self._writer.release()
            log.error("a batch of writes was not committed: %s", exc)
            done.set_exception(exc if isinstance(exc, Unavailable) else Unavailable(str(exc)))
            return
        self._writer.release()
        self._fsync.request().add_done_callback(lambda synced: _copy(synced, done))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
        if self._done is not None:
            if self.owner != threading.get_ident():
                raise RuntimeError("a write batch is used by one thread at a time")
            if self._broken is not None:
                raise Unavailable(str(self._broken))
            return self._conn
        self._writer.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._writer.release()
            raise Unavailable(str(exc)) from exc
        self._done, self.owner = Future(), threading.get_ident()
        self._requests, self._began = 0, time.perf_counter()
        return self._conn

    def _undo(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("ROLLBACK TO request")
            conn.execute("RELEASE request")
        except sqlite3.Error as exc:
            # SQLite rolled the whole transaction back (an I/O error, a full disk): the earlier
            # requests of the batch are lost with it, and will be told so at commit.
            self._break(exc)

    def _break(self, exc: Exception) -> None:
        if self._broken is None:
            self._broken = Unavailable(f"the batch of writes was rolled back: {exc}")


class _Savepoint:
    """``WriteBatch.savepoint()``: a class, not a generator, as it runs on every write."""

    __slots__ = ("_batch", "_needed")

    def __init__(self, batch: WriteBatch, needed: bool) -> None:
        self._batch = batch
        self._needed = needed

    def __enter__(self) -> sqlite3.Connection:
        return self._batch._enter(self._needed)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self._batch._exit(self._needed, kind is not None)


def _copy(source: Future[None], target: Future[None]) -> None:
    error = source.exception()
    if error is None:
        target.set_result(None)
    else:
        target.set_exception(error)
