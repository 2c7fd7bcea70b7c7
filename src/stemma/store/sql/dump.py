"""The dump: every row of a scope, or of all scopes, from one consistent snapshot.

One read transaction (SQLite's WAL snapshot; PostgreSQL's REPEATABLE READ) is held open for the
whole dump, so a server can keep writing meanwhile and the dump still shows one instant: every
association's ends, every membership's trial and every metric's component are in it. Each table
is read in keyset pages of its primary key, so memory stays bounded by a page however large the
store. On SQLite a long dump holds back WAL checkpoints (the log grows until it ends); on
PostgreSQL it holds back vacuum of the rows it may still read.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

from stemma.store.contract import (
    DEFAULT_LINEAGE_GROUP,
    Association,
    Dumped,
    Membership,
    MetricRun,
    Ref,
    Scope,
    ScopeStart,
    StoredKey,
    Tag,
    TaggedEntity,
)
from stemma.store.sql.base import ENTITY_COLUMNS, Connection, SqlBase, entity_from_row, marks

PAGE = 2_000
POINTS_PAGE = 10_000  # points per MetricRun
_SERIES_PAGE = 500


class SqlDump(SqlBase):
    def dump(self, scope: Scope | None, *, keys: bool = False) -> Generator[Dumped, None, None]:
        with self._snapshot() as conn:
            if scope is None:
                scopes = [
                    Scope(*row)
                    for row in conn.execute(
                        "SELECT account, region FROM usage UNION"
                        " SELECT account, region FROM lineage_groups ORDER BY 1, 2"
                    ).fetchall()
                ]
            else:
                scopes = [scope]
            for each in scopes:
                yield from _scope(conn, each)
            if keys:
                accounts = sorted({s.account for s in scopes})
                for account in accounts:
                    rows = conn.execute(
                        "SELECT access_key_id, account, secret, is_root, created_ms"
                        " FROM access_keys WHERE account = ? ORDER BY access_key_id",
                        (account,),
                    ).fetchall()
                    for key_id, owner, secret, is_root, created_ms in rows:
                        yield StoredKey(key_id, owner, bytes(secret), bool(is_root), created_ms)


def _scope(conn: Connection, scope: Scope) -> Iterator[Dumped]:
    row = conn.execute(
        "SELECT created_ms FROM lineage_groups WHERE account = ? AND region = ? AND name = ?",
        (*scope, DEFAULT_LINEAGE_GROUP),
    ).fetchone()
    yield ScopeStart(scope, int(row[0]) if row else None)
    yield from _entities(conn, scope)
    for src_kind, src_id, dst_kind, dst_id, kind, created_ms in _pages(
        conn,
        "SELECT src_kind, src_id, dst_kind, dst_id, association_type, created_ms"
        " FROM associations WHERE account = ? AND region = ?",
        ("src_kind", "src_id", "dst_kind", "dst_id"),
        scope,
        4,
    ):
        yield Association(Ref(src_kind, src_id), Ref(dst_kind, dst_id), kind, created_ms)
    for trial_id, tc_id, counted, created_ms in _pages(
        conn,
        "SELECT trial_id, tc_id, counted, created_ms FROM trial_members"
        " WHERE account = ? AND region = ?",
        ("trial_id", "tc_id"),
        scope,
        2,
    ):
        yield Membership(trial_id, tc_id, bool(counted), created_ms)
    yield from _metrics(conn, scope)


def _pages(
    conn: Connection, select: str, key: tuple[str, ...], scope: Scope, width: int
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``select`` (filtered on the scope), in pages ordered by ``key``, the first
    ``width`` columns of each row."""
    columns = ", ".join(key)
    placeholders = marks(len(key))
    after: tuple[Any, ...] | None = None
    while True:
        if after is None:
            rows = conn.execute(f"{select} ORDER BY {columns} LIMIT ?", (*scope, PAGE)).fetchall()
        else:
            rows = conn.execute(
                f"{select} AND ({columns}) > ({placeholders}) ORDER BY {columns} LIMIT ?",
                (*scope, *after, PAGE),
            ).fetchall()
        for row in rows:
            yield tuple(row)
        if len(rows) < PAGE:
            return
        after = tuple(rows[-1][:width])


def _entities(conn: Connection, scope: Scope) -> Iterator[TaggedEntity]:
    # Primary-key order: kinds alphabetically, so experiments come before their trials.
    select = f"SELECT {ENTITY_COLUMNS} FROM entities WHERE account = ? AND region = ?"
    page: list[tuple[Any, ...]] = []
    for row in _pages(conn, select, ("kind", "id"), scope, 2):
        page.append(row)
        if len(page) == PAGE:
            yield from _tagged(conn, scope, page)
            page = []
    if page:
        yield from _tagged(conn, scope, page)


def _tagged(conn: Connection, scope: Scope, rows: list[tuple[Any, ...]]) -> Iterator[TaggedEntity]:
    """The entities of a page with their tags, read with one range query on the tags' key."""
    tags: dict[tuple[str, str], list[Tag]] = {}
    for kind, entity_id, key, value in conn.execute(
        "SELECT kind, id, key, value FROM tags WHERE account = ? AND region = ?"
        " AND (kind, id) >= (?, ?) AND (kind, id) <= (?, ?) ORDER BY kind, id, position",
        (*scope, *rows[0][:2], *rows[-1][:2]),
    ).fetchall():
        tags.setdefault((kind, entity_id), []).append(Tag(key, value))
    for row in rows:
        yield TaggedEntity(entity_from_row(row), tags.get((row[0], row[1]), []))


def _metrics(conn: Connection, scope: Scope) -> Iterator[MetricRun]:
    after: tuple[str, str] = ("", "")
    while True:
        series = conn.execute(
            "SELECT tc_id, name, series_id FROM metric_series WHERE account = ? AND region = ?"
            " AND (tc_id, name) > (?, ?) ORDER BY tc_id, name LIMIT ?",
            (*scope, *after, _SERIES_PAGE),
        ).fetchall()
        for tc_id, name, series_id in series:
            seq = 0
            while True:
                points = conn.execute(
                    "SELECT seq, ts_ms, step, value FROM metric_points"
                    " WHERE series_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                    (series_id, seq, POINTS_PAGE),
                ).fetchall()
                if not points:
                    break
                yield MetricRun(
                    tc_id, name, points[0][0], [(ts, step, value) for _, ts, step, value in points]
                )
                seq = points[-1][0]
                if len(points) < POINTS_PAGE:
                    break
        if len(series) < _SERIES_PAGE:
            return
        after = (series[-1][0], series[-1][1])
