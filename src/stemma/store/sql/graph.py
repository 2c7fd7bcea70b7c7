"""Associations, and the per-level neighbour query behind QueryLineage.

Lock order as in ``entities``: the associations usage counter, then entity rows.
"""

from __future__ import annotations

from typing import Any

from stemma.store.contract import (
    AlreadyExists,
    Association,
    AssociationQuery,
    Direction,
    NotFound,
    QuotaExceeded,
    Ref,
    Scope,
)
from stemma.store.sql.base import SqlBase, add_filters, add_keyset, chunks, refs_table

_PAIR = "a.src_kind, a.src_id, a.dst_kind, a.dst_id"
_SORT_COLUMNS = {
    "created": f"a.created_ms, {_PAIR}",
    "source": _PAIR,
    "destination": "a.dst_kind, a.dst_id, a.src_kind, a.src_id",
    "source_type": f"s.entity_type, {_PAIR}",
    "destination_type": f"d.entity_type, {_PAIR}",
}
_SELECT = (
    f"SELECT {_PAIR}, a.association_type, a.created_ms, s.entity_type, d.entity_type, s.name,"
    " d.name FROM associations a"
    " JOIN entities s ON s.account = a.account AND s.region = a.region"
    " AND s.kind = a.src_kind AND s.id = a.src_id"
    " JOIN entities d ON d.account = a.account AND d.region = a.region"
    " AND d.kind = a.dst_kind AND d.id = a.dst_id"
)


class SqlGraph(SqlBase):
    def add_association(self, scope: Scope, association: Association, quota: int | None) -> None:
        src, dst = association.source, association.destination
        with self._write() as conn:
            used = self._lock_usage(conn, scope, "association")
            for end in (src, dst):  # a shared row lock keeps each end alive until we commit
                if not self._exists(conn, scope, end.kind, end.id, self.lock_for_share):
                    raise NotFound(end)
            duplicate = conn.execute(
                "SELECT 1 FROM associations WHERE account = ? AND region = ? AND src_kind = ?"
                " AND src_id = ? AND dst_kind = ? AND dst_id = ?",
                (*scope, *src, *dst),
            ).fetchone()
            if duplicate:
                raise AlreadyExists((src, dst))
            if quota is not None and used >= quota:
                raise QuotaExceeded(quota, used)
            try:
                conn.execute(
                    "INSERT INTO associations (account, region, src_kind, src_id, dst_kind,"
                    " dst_id, association_type, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*scope, *src, *dst, association.association_type, association.created_ms),
                )
            except self.unique_violation:
                raise AlreadyExists((src, dst)) from None
            self._count_usage(conn, scope, "association", 1)

    def delete_association(self, scope: Scope, source: Ref, destination: Ref) -> None:
        with self._write() as conn:
            self._lock_usage(conn, scope, "association")
            deleted = conn.execute(
                "DELETE FROM associations WHERE account = ? AND region = ? AND src_kind = ?"
                " AND src_id = ? AND dst_kind = ? AND dst_id = ?",
                (*scope, *source, *destination),
            ).rowcount
            if not deleted:
                raise NotFound((source, destination))
            self._count_usage(conn, scope, "association", -1)

    def list_associations(self, scope: Scope, query: AssociationQuery) -> list[Association]:
        where = ["a.account = ?", "a.region = ?"]
        params: list[Any] = [*scope]
        if query.source is not None:
            where.append("a.src_kind = ? AND a.src_id = ?")
            params.extend(query.source)
        if query.destination is not None:
            where.append("a.dst_kind = ? AND a.dst_id = ?")
            params.extend(query.destination)
        add_filters(
            where,
            params,
            (
                ("s.entity_type", "=", query.source_type),
                ("d.entity_type", "=", query.destination_type),
                ("a.association_type", "=", query.association_type),
                ("a.created_ms", ">=", query.created_from_ms),
                ("a.created_ms", "<=", query.created_to_ms),
            ),
        )
        columns = _SORT_COLUMNS[query.sort].split(", ")
        order = add_keyset(where, params, columns, query.after, query.descending)
        params.append(query.limit)
        rows = self._read(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?", params)
        return [_association(row) for row in rows]

    def incident(
        self, scope: Scope, frontier: list[Ref], direction: Direction
    ) -> list[Association]:
        sides = {"Descendants": ("src",), "Ascendants": ("dst",), "Both": ("src", "dst")}
        found: dict[tuple[str, ...], Association] = {}
        for chunk in chunks(frontier):
            flat = [part for ref in chunk for part in ref]
            for side in sides[direction]:
                sql = incident_sql(side, len(chunk), self.destination_index_hint)
                for row in self._read(sql, [*flat, *scope]):
                    found[tuple(row[:4])] = _association(row)
        return list(found.values())


def incident_sql(side: str, count: int, destination_hint: str = "") -> str:
    """Edges whose ``side`` ("src" or "dst") end is one of ``count`` refs; params: refs, scope."""
    hint = destination_hint if side == "dst" else ""
    return (
        f"{refs_table(count)} SELECT {_PAIR}, a.association_type, a.created_ms"
        f" FROM refs CROSS JOIN associations a{hint} WHERE a.account = ? AND a.region = ?"
        f" AND a.{side}_kind = refs.kind AND a.{side}_id = refs.id"
    )


def _association(row: tuple[Any, ...]) -> Association:
    src_kind, src_id, dst_kind, dst_id, association_type, created_ms, *rest = row
    association = Association(
        Ref(src_kind, src_id), Ref(dst_kind, dst_id), association_type, created_ms
    )
    if rest:
        (
            association.source_type,
            association.destination_type,
            association.source_name,
            association.destination_name,
        ) = rest
    return association
