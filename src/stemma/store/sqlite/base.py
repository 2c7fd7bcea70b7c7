"""Connections, transactions and migrations for the SQLite store.

Each thread gets its own connection. Writes open with ``BEGIN IMMEDIATE``, so concurrent writers,
threads or server processes, queue on SQLite's lock instead of failing half-way, and a
check-then-insert can never race. ``synchronous=FULL`` makes every acknowledged commit durable:
a commit returns only after the WAL is on disk, so neither ``kill -9`` nor a power cut loses it.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from stemma.store import migrations
from stemma.store.contract import Entity, Kind, Scope, Unavailable

BUSY_TIMEOUT_MS = 10_000
ENTITY_COLUMNS = "kind, id, name, entity_type, source_uri, body, created_ms, modified_ms"


class SqliteBase:
    """One database file: per-thread connections, write transactions, schema and secret."""

    def __init__(self, path: Path, *, migrate: bool = True) -> None:
        self.path = path
        self.description = f"sqlite:///{path}"
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.token_secret = b""
        if migrate:
            self.migrate()
        elif self._migrated():
            self.token_secret = self._secret()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
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

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several queries see one consistent state."""
        conn = self._conn()
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise Unavailable(str(exc)) from exc

    def _read(self, sql: str, params: tuple[Any, ...] | list[Any]) -> list[Any]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise Unavailable(str(exc)) from exc

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied. Safe to run from many processes."""
        applied: list[str] = []
        with self._write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)"
            )
        for migration in migrations.load("sqlite"):
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
                applied.append(f"{migration.version:04d}_{migration.name}")
        self.token_secret = self._secret()
        return applied

    def _migrated(self) -> bool:
        rows = self._read(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", ()
        )
        return bool(rows)

    def _secret(self) -> bytes:
        with self._write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'token_secret'").fetchone()
            if row is not None:
                return bytes(row[0])
            secret = secrets.token_bytes(32)
            conn.execute("INSERT INTO meta VALUES ('token_secret', ?)", (secret,))
            return secret


def exists(conn: sqlite3.Connection, scope: Scope, kind: Kind, entity_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM entities WHERE account = ? AND region = ? AND kind = ? AND id = ?",
        (*scope, kind, entity_id),
    ).fetchone()
    return row is not None


def entity_values(e: Entity) -> tuple[Any, ...]:
    body = orjson.dumps(e.body).decode()
    return (e.kind, e.id, e.name, e.entity_type, e.source_uri, body, e.created_ms, e.modified_ms)


def entity_from_row(row: tuple[Any, ...]) -> Entity:
    kind, entity_id, name, entity_type, source_uri, body, created_ms, modified_ms = row
    return Entity(
        kind, entity_id, name, entity_type, source_uri, orjson.loads(body), created_ms, modified_ms
    )


def refs_table(count: int) -> str:
    """A CTE of ``count`` (kind, id) pairs. Joining it with CROSS JOIN makes SQLite loop over
    the pairs and seek the index for each; ``(kind, id) IN (VALUES ...)`` would scan the scope."""
    return "WITH refs(kind, id) AS (VALUES " + ", ".join("(?, ?)" for _ in range(count)) + ")"
