"""The team store: PostgreSQL through psycopg 3 and a connection pool.

The queries are the ones in ``store.sql``, shared with SQLite; this module supplies transactions,
the dialect (row locks with ``FOR UPDATE``/``FOR SHARE``, ``%s`` placeholders) and migrations
under an advisory lock, so several servers starting at once apply each migration exactly once.
Uniqueness and quotas are enforced by the database inside each transaction, so they hold across
any number of server processes. A lost connection, a restarted server or a deadlock surfaces as
``Unavailable`` (HTTP 503, which clients retry); the pool replaces broken connections by itself.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from typing import Any

import psycopg
import psycopg.errors
from psycopg_pool import ConnectionPool, PoolTimeout

from stemma.store import instruments, migrations
from stemma.store.contract import ConnectFailed, Unavailable
from stemma.store.sql.base import Cursor, Params
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

log = logging.getLogger("stemma.store")

MIGRATION_LOCK = 0x5354454D  # "STEM": the advisory lock key that serializes migrations
POOL_TIMEOUT_S = 10.0

# Errors after which a retry can succeed: the connection or server went away, or PostgreSQL
# chose this transaction as a deadlock or serialization victim.
_TRANSIENT = (psycopg.OperationalError, PoolTimeout)

_PLACEHOLDERS: dict[str, str] = {}


def _pg_sql(sql: str) -> str:
    """The shared queries use ``?``; psycopg wants ``%s`` (and ``%%`` for a literal ``%``)."""
    converted = _PLACEHOLDERS.get(sql)
    if converted is None:
        converted = sql.replace("%", "%%").replace("?", "%s")
        _PLACEHOLDERS[sql] = converted
    return converted


class _Connection:
    """A psycopg connection speaking the shared queries' placeholder style."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = (), /) -> Cursor:
        return self._conn.execute(_pg_sql(sql), params)

    def executemany(self, sql: str, params: Sequence[Params], /) -> Any:
        with self._conn.cursor() as cursor:
            cursor.executemany(_pg_sql(sql), params)


class PostgresStore(
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
    """The store contract on a PostgreSQL database shared by any number of servers."""

    lock_for_update = " FOR UPDATE"
    lock_for_share = " FOR SHARE"
    contains_sql = "strpos({x}, ?) > 0"
    migration_set = "postgres"
    local_reads = False
    unique_violation = (psycopg.errors.UniqueViolation,)

    def __init__(self, url: str, *, migrate: bool = True, pool_size: int = 8) -> None:
        super().__init__()
        self.url = url
        self.description = _redact(url)
        _reach(url, self.description)
        try:
            self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
                url,
                min_size=1,
                max_size=pool_size,
                timeout=POOL_TIMEOUT_S,
                open=True,
                # No check on checkout (it would cost a round trip per request): a connection
                # that died idle fails its next statement, the request is answered 503 (which
                # clients retry), and the pool discards the broken connection.
            )
            self._pool.wait(timeout=POOL_TIMEOUT_S)
        except (PoolTimeout, psycopg.Error) as exc:
            raise Unavailable(f"cannot connect to {self.description}: {exc}") from exc
        self.token_secret = b""
        if migrate:
            self.migrate()
        elif self._migrated():
            self.token_secret = self._load_secret()

    @contextlib.contextmanager
    def _write(self, one_statement: bool = False) -> Iterator[_Connection]:
        try:
            with self._pool.connection() as conn:
                began = time.perf_counter()
                with conn.transaction():
                    yield _Connection(conn)
                instruments.transaction_seconds(time.perf_counter() - began)
        except _TRANSIENT as exc:
            raise Unavailable(str(exc)) from exc

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[_Connection]:
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                yield _Connection(conn)
        except _TRANSIENT as exc:
            raise Unavailable(str(exc)) from exc

    def _read(self, sql: str, params: Params) -> list[Any]:
        try:
            with self._pool.connection() as conn:
                return conn.execute(_pg_sql(sql), params).fetchall()
        except _TRANSIENT as exc:
            raise Unavailable(str(exc)) from exc

    @contextlib.contextmanager
    def batched_writes(self) -> Iterator[None]:
        yield  # a PostgreSQL COMMIT returns once the write is durable: nothing to batch

    def durability(self) -> Future[None] | None:
        return None

    def commit_batch(self) -> None:
        return None

    def ping(self) -> None:
        self._read("SELECT 1", ())

    def close(self) -> None:
        self._pool.close()

    def migrate(self) -> list[str]:
        """Apply pending migrations under a session advisory lock, each in one transaction with
        the row that records it; servers starting together wait for each other."""
        applied: list[str] = []
        try:
            with self._pool.connection() as conn:
                conn.autocommit = True  # each transaction() below is then a real transaction
                conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
                try:
                    with conn.transaction():
                        conn.execute(
                            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER"
                            " PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)"
                        )
                    for migration in migrations.load(self.migration_set):
                        with conn.transaction():
                            done = conn.execute(
                                "SELECT 1 FROM schema_migrations WHERE version = %s",
                                (migration.version,),
                            ).fetchone()
                            if done:
                                continue
                            for statement in migrations.statements(migration.sql):
                                conn.execute(statement.encode())
                            conn.execute(
                                "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                                (migration.version, migration.name, time.time_ns() // 1_000_000),
                            )
                            applied.append(migration.label)
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
                    conn.autocommit = False
        except _TRANSIENT as exc:
            raise Unavailable(str(exc)) from exc
        self.token_secret = self._load_secret()
        return applied

    def _migrated(self) -> bool:
        rows = self._read("SELECT to_regclass('schema_migrations') IS NOT NULL", ())
        return bool(rows[0][0])


def _redact(url: str) -> str:
    """The URL without its password, for logs and the start-up line."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


# A server that answers FATAL refused us for good (no such database or role, bad password), except
# while it starts, stops or is full: waiting cannot help with the former.
_PASSING = ("starting up", "shutting down", "too many", "recovery")


def _reach(url: str, description: str, patience: float = POOL_TIMEOUT_S) -> None:
    """One connection, before the pool's: a refusal fails at once with its real cause; a
    server that does not answer is retried for ``patience`` seconds, saying so each time."""
    deadline = time.monotonic() + patience
    while True:
        try:
            psycopg.connect(url, connect_timeout=5).close()
            return
        except psycopg.OperationalError as exc:
            text = str(exc).strip()
            first = text.splitlines()[0] if text else type(exc).__name__
            reason = first.rsplit("failed: ", 1)[-1].replace("FATAL:  ", "")
            left = deadline - time.monotonic()
            if left <= 0 or ("FATAL:" in text and not any(p in text for p in _PASSING)):
                raise ConnectFailed(description, reason) from exc
            log.warning(
                "cannot connect to %s (%s); retrying, giving up in %d s",
                description,
                reason,
                math.ceil(left),
            )
            time.sleep(min(1.0, left))


def open_postgres(url: str, *, migrate: bool = True) -> PostgresStore:
    return PostgresStore(url, migrate=migrate)
