"""The embedded store: one SQLite file in WAL mode.

Each thread gets its own connection. Writes open with ``BEGIN IMMEDIATE``, so concurrent writers,
threads or server processes, queue on SQLite's lock instead of failing half-way, and a
check-then-insert can never race. ``synchronous=FULL`` makes every acknowledged commit durable:
a commit returns only after the WAL is on disk, so neither ``kill -9`` nor a power cut loses it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from stemma.store import migrations
from stemma.store.contract import (
    AlreadyExists,
    Entity,
    EntityQuery,
    Kind,
    Mutation,
    NewEntity,
    NotFound,
    QuotaExceeded,
    Scope,
    Tag,
    TagPage,
    TooManyTags,
    Unavailable,
)

BUSY_TIMEOUT_MS = 10_000
_ENTITY_COLUMNS = "kind, id, name, entity_type, source_uri, body, created_ms, modified_ms"
_SORT_COLUMNS = {"created": "created_ms", "name": "name"}


class SqliteStore:
    """The store contract on one SQLite database file."""

    def __init__(self, path: Path, *, migrate: bool = True) -> None:
        self.path = path
        self.description = f"sqlite:///{path}"
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        if migrate:
            self.migrate()
        self.token_secret = self._secret()

    # -- connections and transactions -------------------------------------------------------

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

    # -- schema ------------------------------------------------------------------------------

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
                for statement in _statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.version, migration.name, _now_ms()),
                )
                applied.append(f"{migration.version:04d}_{migration.name}")
        return applied

    def _secret(self) -> bytes:
        with self._write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'token_secret'").fetchone()
            if row is not None:
                return bytes(row[0])
            secret = secrets.token_bytes(32)
            conn.execute("INSERT INTO meta VALUES ('token_secret', ?)", (secret,))
            return secret

    # -- entities ----------------------------------------------------------------------------

    def create_entity(self, scope: Scope, new: NewEntity) -> None:
        e = new.entity
        with self._write() as conn:
            if _exists(conn, scope, e.kind, e.id):
                raise AlreadyExists(e.id)
            row = conn.execute(
                "SELECT used FROM usage WHERE account = ? AND region = ? AND kind = ?",
                (*scope, e.kind),
            ).fetchone()
            used = row[0] if row else 0
            if new.quota is not None and used >= new.quota:
                raise QuotaExceeded(new.quota, used)
            conn.execute(
                f"INSERT INTO entities (account, region, {_ENTITY_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*scope, *_entity_values(e)),
            )
            conn.execute(
                "INSERT INTO usage VALUES (?, ?, ?, 1)"
                " ON CONFLICT (account, region, kind) DO UPDATE SET used = used + 1",
                (*scope, e.kind),
            )
            for position, tag in enumerate(new.tags, start=1):
                conn.execute(
                    "INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (*scope, e.kind, e.id, tag.key, tag.value, position),
                )

    def get_entity(self, scope: Scope, kind: Kind, entity_id: str) -> Entity | None:
        rows = self._read(
            f"SELECT {_ENTITY_COLUMNS} FROM entities"
            " WHERE account = ? AND region = ? AND kind = ? AND id = ?",
            (*scope, kind, entity_id),
        )
        return _entity(rows[0]) if rows else None

    def update_entity(self, scope: Scope, kind: Kind, entity_id: str, mutate: Mutation) -> Entity:
        with self._write() as conn:
            row = conn.execute(
                f"SELECT {_ENTITY_COLUMNS} FROM entities"
                " WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                (*scope, kind, entity_id),
            ).fetchone()
            if row is None:
                raise NotFound(entity_id)
            updated = mutate(_entity(row))
            conn.execute(
                "UPDATE entities SET name = ?, body = ?, modified_ms = ?"
                " WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                (
                    updated.name,
                    orjson.dumps(updated.body).decode(),
                    updated.modified_ms,
                    *scope,
                    kind,
                    entity_id,
                ),
            )
            return updated

    def delete_entity(self, scope: Scope, kind: Kind, entity_id: str) -> None:
        with self._write() as conn:
            deleted = conn.execute(
                "DELETE FROM entities WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                (*scope, kind, entity_id),
            ).rowcount
            if not deleted:
                raise NotFound(entity_id)
            conn.execute(
                "DELETE FROM tags WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                (*scope, kind, entity_id),
            )
            conn.execute(
                "UPDATE usage SET used = used - 1 WHERE account = ? AND region = ? AND kind = ?",
                (*scope, kind),
            )

    def list_entities(self, scope: Scope, query: EntityQuery) -> list[Entity]:
        where = ["account = ?", "region = ?", "kind = ?"]
        params: list[Any] = [*scope, query.kind]
        for column, op, value in (
            ("source_uri", "=", query.source_uri),
            ("entity_type", "=", query.entity_type),
            ("created_ms", ">=", query.created_from_ms),
            ("created_ms", "<=", query.created_to_ms),
        ):
            if value is not None:
                where.append(f"{column} {op} ?")
                params.append(value)
        column = _SORT_COLUMNS[query.sort]
        direction = "DESC" if query.descending else "ASC"
        if query.after is not None:
            where.append(f"({column}, id) {'<' if query.descending else '>'} (?, ?)")
            params.extend(query.after)
        params.append(query.limit)
        rows = self._read(
            f"SELECT {_ENTITY_COLUMNS} FROM entities WHERE {' AND '.join(where)}"
            f" ORDER BY {column} {direction}, id {direction} LIMIT ?",
            params,
        )
        return [_entity(row) for row in rows]

    # -- tags --------------------------------------------------------------------------------

    def add_tags(
        self, scope: Scope, kind: Kind, entity_id: str, tags: list[Tag], limit: int
    ) -> None:
        with self._write() as conn:
            if not _exists(conn, scope, kind, entity_id):
                raise NotFound(entity_id)
            key = (*scope, kind, entity_id)
            for tag in tags:
                conn.execute(
                    "INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0)"
                    " + 1 FROM tags WHERE account = ? AND region = ? AND kind = ? AND id = ?))"
                    " ON CONFLICT (account, region, kind, id, key)"
                    " DO UPDATE SET value = excluded.value",
                    (*key, tag.key, tag.value, *key),
                )
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM tags"
                " WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                key,
            ).fetchone()
            if count > limit:
                raise TooManyTags(count)

    def delete_tags(self, scope: Scope, kind: Kind, entity_id: str, keys: list[str]) -> None:
        with self._write() as conn:
            if not _exists(conn, scope, kind, entity_id):
                raise NotFound(entity_id)
            conn.executemany(
                "DELETE FROM tags WHERE account = ? AND region = ? AND kind = ? AND id = ?"
                " AND key = ?",
                [(*scope, kind, entity_id, key) for key in keys],
            )

    def list_tags(
        self, scope: Scope, kind: Kind, entity_id: str, after: int | None, limit: int
    ) -> TagPage:
        conn = self._conn()
        try:
            conn.execute("BEGIN")  # one snapshot for the existence check and the page
            try:
                if not _exists(conn, scope, kind, entity_id):
                    raise NotFound(entity_id)
                rows = conn.execute(
                    "SELECT key, value, position FROM tags WHERE account = ? AND region = ?"
                    " AND kind = ? AND id = ? AND position > ? ORDER BY position LIMIT ?",
                    (*scope, kind, entity_id, after or 0, limit + 1),
                ).fetchall()
            finally:
                conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise Unavailable(str(exc)) from exc
        page = [Tag(key, value) for key, value, _ in rows[:limit]]
        if len(rows) > limit:
            return TagPage(page, last_position=rows[limit - 1][2], more=True)
        return TagPage(page)


def _exists(conn: sqlite3.Connection, scope: Scope, kind: Kind, entity_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM entities WHERE account = ? AND region = ? AND kind = ? AND id = ?",
        (*scope, kind, entity_id),
    ).fetchone()
    return row is not None


def _entity_values(e: Entity) -> tuple[Any, ...]:
    return (
        e.kind,
        e.id,
        e.name,
        e.entity_type,
        e.source_uri,
        orjson.dumps(e.body).decode(),
        e.created_ms,
        e.modified_ms,
    )


def _entity(row: tuple[Any, ...]) -> Entity:
    kind, entity_id, name, entity_type, source_uri, body, created_ms, modified_ms = row
    return Entity(
        kind, entity_id, name, entity_type, source_uri, orjson.loads(body), created_ms, modified_ms
    )


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements (our migrations contain no ';' in literals)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def open_sqlite(path: str | os.PathLike[str], *, migrate: bool = True) -> SqliteStore:
    return SqliteStore(Path(path), migrate=migrate)
