"""What the SQL stores share: the connection protocol the queries use, dialect hooks, helpers.

The queries in this package are written once, with ``?`` placeholders, and run on SQLite and on
PostgreSQL. A backend supplies transactions (``_write``, ``_snapshot``, ``_read``) and a few
dialect strings: row-lock clauses (empty on SQLite, whose writers are serialized by
``BEGIN IMMEDIATE``), an index hint, and the exception meaning "unique constraint violated".
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

import orjson

from stemma.store import migrations
from stemma.store.contract import Entity, Kind, Scope

ENTITY_COLUMNS = "kind, id, name, entity_type, source_uri, body, created_ms, modified_ms, parent"
ENTITY_INSERT = (
    f"INSERT INTO entities (account, region, {ENTITY_COLUMNS})"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

Params = Sequence[Any]
T = TypeVar("T")

# Where source_uri equals a value: the first 256 characters, which PostgreSQL's entities_by_source
# index holds (migration 0007: a whole URI of 2,048 characters can exceed its index-row limit),
# then the whole value. Both stores run it; SQLite's index on the whole column serves it.
SOURCE_PREFIX = 256
SOURCE_KEY = (
    f"substr(source_uri, 1, {SOURCE_PREFIX}) = substr(?, 1, {SOURCE_PREFIX}) AND source_uri = ?"
)


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """The slice of a DB-API connection the queries use; PostgreSQL's adapter maps ``?``."""

    def execute(self, sql: str, params: Params = (), /) -> Cursor: ...

    def executemany(self, sql: str, params: Sequence[Params], /) -> Any: ...


class SqlBase:
    """Transactions and dialect hooks, supplied by each backend."""

    token_secret: bytes
    description: str

    # Row locks taken inside write transactions; SQLite needs none (one writer at a time).
    lock_for_update = ""
    lock_for_share = ""
    # Walking edges backwards must seek the destination index (SQLite needs a hint).
    destination_index_hint = ""
    # The folder of store/migrations this backend applies.
    migration_set = ""
    # The exception a unique-constraint violation raises.
    unique_violation: tuple[type[BaseException], ...] = ()

    def __init__(self) -> None:
        # Scopes whose default lineage group this process has seen committed.
        self._grouped: set[Scope] = set()

    def _write(self, one_statement: bool = False) -> AbstractContextManager[Connection]:
        """A write transaction. ``one_statement``: the block changes rows with one statement at
        most (usage counters aside), which the database undoes by itself if it fails; a backend
        that batches writes needs no savepoint for such a block."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        raise NotImplementedError
        yield  # pragma: no cover

    def _read(self, sql: str, params: Params) -> list[Any]:
        raise NotImplementedError

    def _migrated(self) -> bool:
        """Whether the schema_migrations table exists."""
        raise NotImplementedError

    def pending_migrations(self) -> list[str]:
        done: set[int] = set()
        if self._migrated():
            done = {row[0] for row in self._read("SELECT version FROM schema_migrations", ())}
        return [m.label for m in migrations.load(self.migration_set) if m.version not in done]

    def _load_secret(self) -> bytes:
        """The page-token key shared by every process on this database (made once)."""
        return self.meta_setdefault("token_secret", secrets.token_bytes(32))

    def meta_get(self, key: str) -> bytes | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return bytes(rows[0][0]) if rows else None

    def meta_setdefault(self, key: str, value: bytes) -> bytes:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, value),
            )
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return bytes(row[0])

    def _exists(
        self, conn: Connection, scope: Scope, kind: Kind, entity_id: str, lock: str = ""
    ) -> bool:
        row = conn.execute(
            "SELECT 1 FROM entities WHERE account = ? AND region = ? AND kind = ? AND id = ?"
            + lock,
            (*scope, kind, entity_id),
        ).fetchone()
        return row is not None

    def _lock_usage(self, conn: Connection, scope: Scope, kind: str) -> int:
        """Lock the scope's usage counter for ``kind`` and return it: creates of one kind in one
        scope then happen one at a time, so quotas are exact across server processes."""
        conn.execute(
            "INSERT INTO usage (account, region, kind, used) VALUES (?, ?, ?, 0)"
            " ON CONFLICT (account, region, kind) DO NOTHING",
            (*scope, kind),
        )
        row = conn.execute(USAGE_SELECT + self.lock_for_update, (*scope, kind)).fetchone()
        return int(row[0])

    # The usage counters are read and written only by the three methods below (and by a batch of
    # writes, which keeps them in memory until its commit: ``store/write_batch.py``).

    def _take_usage(self, conn: Connection, scope: Scope, kind: str) -> int:
        """Count one more ``kind`` in the scope and return the new count, locking the counter
        (on PostgreSQL) until the transaction ends; a rollback returns it."""
        row = conn.execute(
            "INSERT INTO usage (account, region, kind, used) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (account, region, kind) DO UPDATE SET used = usage.used + 1"
            " RETURNING used",
            (*scope, kind),
        ).fetchone()
        return int(row[0])

    def _count_usage(self, conn: Connection, scope: Scope, kind: str, delta: int) -> None:
        conn.execute(
            "UPDATE usage SET used = used + ? WHERE account = ? AND region = ? AND kind = ?",
            (delta, *scope, kind),
        )


USAGE_SELECT = "SELECT used FROM usage WHERE account = ? AND region = ? AND kind = ?"
USAGE_SET = (
    "INSERT INTO usage (account, region, kind, used) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (account, region, kind) DO UPDATE SET used = excluded.used"
)


def entity_values(e: Entity) -> tuple[Any, ...]:
    body = orjson.dumps(e.body).decode()
    return (
        e.kind,
        e.id,
        e.name,
        e.entity_type,
        e.source_uri,
        body,
        e.created_ms,
        e.modified_ms,
        e.parent,
    )


def entity_from_row(row: Sequence[Any]) -> Entity:
    kind, entity_id, name, entity_type, source_uri, body, created_ms, modified_ms, parent = row
    return Entity(
        kind,
        entity_id,
        name,
        entity_type,
        source_uri,
        orjson.loads(body),
        created_ms,
        modified_ms,
        parent,
    )


IN_LIST = 400  # items per IN (...) list or VALUES table, well below SQLite's variable limit


def chunks(items: Sequence[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size``, for IN (...) lists and VALUES tables."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(count: int) -> str:
    """``count`` placeholders for an IN (...) list."""
    return ", ".join("?" for _ in range(count))


def refs_table(count: int) -> str:
    """A CTE of ``count`` (kind, id) pairs. Joined with CROSS JOIN, it makes SQLite loop over the
    pairs and seek an index for each; ``(kind, id) IN (VALUES ...)`` would scan the scope."""
    return "WITH refs(kind, id) AS (VALUES " + ", ".join("(?, ?)" for _ in range(count)) + ")"


def add_filters(
    where: list[str], params: list[Any], conditions: Sequence[tuple[str, str, Any]]
) -> None:
    """Append ``column op ?`` for each (column, op, value) whose value is set (filters AND)."""
    for column, op, value in conditions:
        if value is not None:
            where.append(f"{column} {op} ?")
            params.append(value)


def add_keyset(
    where: list[str],
    params: list[Any],
    columns: Sequence[str],
    after: Sequence[Any] | None,
    descending: bool,
) -> str:
    """Seek past ``after`` (the sort key of the last row returned) in the order of ``columns``;
    returns the ORDER BY list. Keyset paging skips nothing when rows are deleted meanwhile."""
    direction = "DESC" if descending else "ASC"
    if after is not None:
        where.append(f"({', '.join(columns)}) {'<' if descending else '>'} ({marks(len(after))})")
        params.extend(after)
    return ", ".join(f"{column} {direction}" for column in columns)
