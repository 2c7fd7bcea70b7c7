"""The embedded store: one SQLite file in WAL mode, implementing ``contract.Store``.

Each thread gets its own connection. Writes open with ``BEGIN IMMEDIATE``, so concurrent writers,
threads or server processes, queue on SQLite's lock instead of failing half-way, and a
check-then-insert can never race. Every write is acknowledged only once it is on disk: commits
run with ``synchronous=NORMAL`` and then wait for a group fsync of the WAL (``group_fsync``), so
neither ``kill -9`` nor a power cut loses an acknowledged write, and concurrent writers share
one disk flush instead of queueing behind one each. The event loop's writes go further and share
one transaction per batch (``write_batch``). WAL checkpoints run in a thread of their own
(``checkpointer``), never inside a request's COMMIT.
The queries themselves live in ``store.sql``, shared with PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from stemma.store import instruments, migrations
from stemma.store.checkpointer import Checkpointer
from stemma.store.contract import Scope, StoreError, Unavailable
from stemma.store.group_fsync import GroupFsync
from stemma.store.sql.base import Connection, Params
from stemma.store.sql.bulk import SqlBulk
from stemma.store.sql.changes import SqlChanges
from stemma.store.sql.dump import SqlDump
from stemma.store.sql.entities import SqlEntities
from stemma.store.sql.graph import SqlGraph
from stemma.store.sql.keys import SqlKeys
from stemma.store.sql.load import SqlLoad
from stemma.store.sql.members import SqlMembers
from stemma.store.sql.metrics import SqlMetrics
from stemma.store.sql.search import SqlSearch
from stemma.store.sql.tags import SqlTags
from stemma.store.write_batch import WriteBatch

BUSY_TIMEOUT_MS = 10_000


class SqliteStore(
    SqlEntities,
    SqlMembers,
    SqlLoad,
    SqlMetrics,
    SqlSearch,
    SqlTags,
    SqlGraph,
    SqlKeys,
    SqlBulk,
    SqlDump,
    SqlChanges,
):
    """The store contract on one SQLite database file."""

    # Without statistics SQLite may prefer a range of the primary key over the destination
    # index when walking edges backwards; naming the index keeps each ref one seek.
    destination_index_hint = " INDEXED BY associations_by_destination"
    migration_set = "sqlite"
    local_reads = True
    unique_violation = (sqlite3.IntegrityError,)

    def __init__(self, path: Path, *, migrate: bool = True) -> None:
        self.path = path
        super().__init__()
        self.description = f"sqlite:///{path}"
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._writer = threading.Lock()
        self._checkpointer = Checkpointer(self._connect, self._writer)
        self._fsync = GroupFsync(path, after_sync=self._checkpointer.wake)
        self._batch = WriteBatch(self._connect, self._writer, self._fsync, self._grouped.clear)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.token_secret = b""
        if migrate:
            self.migrate()
        elif self._migrated():
            self.token_secret = self._load_secret()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            with self._all_lock:
                self._all.append(conn)
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # durable by GroupFsync, see above
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's thread does it
        return conn

    def _write(self, one_statement: bool = False) -> AbstractContextManager[Connection]:
        if getattr(self._local, "batched", False):
            self._local.joined = True  # it waits for the batch, whatever its own outcome
            return self._batch.savepoint(needed=not one_statement)
        if self._batch.owner == threading.get_ident():
            raise RuntimeError("a write outside the batch this thread holds would deadlock")
        return self._transaction()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        conn = self._conn()
        # Writers of this process take turns on a lock of ours: SQLite's own busy handler sleeps
        # in milliseconds, which would throttle every contended write. Other processes still
        # queue on SQLite's lock through BEGIN IMMEDIATE and the busy timeout.
        with self._writer:
            began = time.perf_counter()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise Unavailable(str(exc)) from exc
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise Unavailable(str(exc)) from exc
            instruments.transaction_seconds(time.perf_counter() - began)
        try:
            self._fsync.sync()  # outside the turn: the next writer commits meanwhile
        except OSError as exc:
            raise Unavailable(f"cannot flush the write-ahead log: {exc}") from exc

    # In a batch, usage counters live in memory until the commit (``write_batch``).

    def _take_usage(self, conn: Connection, scope: Scope, kind: str) -> int:
        if self._batch.holds(conn):
            return self._batch.add_usage((*scope, kind), 1)
        return super()._take_usage(conn, scope, kind)

    def _lock_usage(self, conn: Connection, scope: Scope, kind: str) -> int:
        if self._batch.holds(conn):
            return self._batch.usage((*scope, kind))
        return super()._lock_usage(conn, scope, kind)

    def _count_usage(self, conn: Connection, scope: Scope, kind: str, delta: int) -> None:
        if self._batch.holds(conn):
            self._batch.add_usage((*scope, kind), delta)
        else:
            super()._count_usage(conn, scope, kind, delta)

    def batched_writes(self) -> AbstractContextManager[None]:
        """Writes of this thread inside the block join the open batch (``write_batch``): they
        return uncommitted, and the caller must wait on ``durability()`` before acknowledging
        them, and call ``commit_batch()``."""
        return _Batched(self._local)

    def durability(self) -> Future[None] | None:
        """The outcome of the batch this thread's last batched writes joined; None if they
        made none."""
        if not getattr(self._local, "joined", False):
            return None
        self._local.joined = False
        return self._batch.outcome()

    def commit_batch(self) -> None:
        self._batch.commit()

    def _batch_reader(self) -> sqlite3.Connection | None:
        """The open batch's connection when a write request of the thread holding it reads, so
        that it sees the batch's earlier writes, as it would one request at a time."""
        if getattr(self._local, "batched", False) and self._batch.owner == threading.get_ident():
            return self._batch.connection
        return None

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        batch = self._batch_reader()
        if batch is not None:
            yield batch  # inside the batch's transaction: already one snapshot
            return
        conn = self._conn()
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise Unavailable(str(exc)) from exc

    def _read(self, sql: str, params: Params) -> list[Any]:
        try:
            return (self._batch_reader() or self._conn()).execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise Unavailable(str(exc)) from exc

    def ping(self) -> None:
        if self._fsync.failure is not None:
            raise Unavailable(f"the write-ahead log could not be flushed: {self._fsync.failure}")
        self._read("SELECT 1", ())

    def close(self) -> None:
        self._batch.commit()
        self._batch.close()
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
        self._fsync.close()
        self._checkpointer.close()

    def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied. Safe to run from many processes:
        each migration runs under ``BEGIN IMMEDIATE`` with the row that records it."""
        applied: list[str] = []
        with self._write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)"
            )
        for migration in migrations.load(self.migration_set):
            with self._write() as conn:
                done = conn.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
                ).fetchone()
                if done:
                    continue
                for statement in migrations.statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.version, migration.name, time.time_ns() // 1_000_000),
                )
                applied.append(migration.label)
        self.token_secret = self._load_secret()
        return applied

    def _migrated(self) -> bool:
        rows = self._read(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", ()
        )
        return bool(rows)


class _Batched:
    """``batched_writes()``: a class, not a generator, as it runs on every write request."""

    __slots__ = ("_local",)

    def __init__(self, local: threading.local) -> None:
        self._local = local

    def __enter__(self) -> None:
        self._local.batched = True
        self._local.joined = False

    def __exit__(self, *exc: object) -> None:
        self._local.batched = False


def open_sqlite(path: str | os.PathLike[str], *, migrate: bool = True) -> SqliteStore:
    return SqliteStore(Path(path), migrate=migrate)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy the database at ``source`` to ``target`` with SQLite's online backup API, in one
    step: it reads one WAL snapshot, so the copy is consistent while servers keep writing (WAL
    readers never block writers), and streams page by page. Written beside ``target`` and
    renamed into place once synced, so ``target`` is never a partial copy. Returns the pages
    copied."""
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst, pages=-1)
                pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
                check = dst.execute("PRAGMA quick_check").fetchone()[0]
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(str(exc)) from exc
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise StoreError(f"the copy failed its integrity check: {check}")
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return pages
