"""Several writes in one transaction: ``Store.apply_changes``, for callers whose one request
touches several entities and edges (an OpenLineage event: a run, its job, its datasets, their
edges) and must not leave half of them behind.

Lock order as on the API path (``entities``, ``graph``): usage counters (entity kinds in sorted
order, then associations), then entity rows, in the order given.
"""

from __future__ import annotations

import orjson

from stemma.store.contract import (
    DEFAULT_LINEAGE_GROUP,
    GROUPED_KINDS,
    AlreadyExists,
    Association,
    ChangeResult,
    ChangeSet,
    Entity,
    NotFound,
    QuotaExceeded,
    Ref,
    Scope,
    Tag,
    TooManyTags,
    Upsert,
)
from stemma.store.sql.base import (
    ENTITY_COLUMNS,
    ENTITY_INSERT,
    Connection,
    SqlBase,
    entity_from_row,
    entity_values,
)
from stemma.store.sql.entities import write_attrs

_DELETE_ATTRS = "DELETE FROM entity_attrs WHERE account = ? AND region = ? AND kind = ? AND id = ?"


class SqlChanges(SqlBase):
    def apply_changes(
        self, scope: Scope, changes: ChangeSet, quotas: dict[str, int | None], tag_limit: int
    ) -> ChangeResult:
        result = ChangeResult()
        kinds = sorted({u.kind for u in changes.upserts})
        first_ms: int | None = None  # the creation time of the first grouped entity created
        with self._write() as conn:
            used: dict[str, int] = {kind: self._lock_usage(conn, scope, kind) for kind in kinds}
            if changes.associations:
                used["association"] = self._lock_usage(conn, scope, "association")
            for upsert in changes.upserts:
                created = self._upsert(conn, scope, upsert, result)
                if created is not None and upsert.kind in GROUPED_KINDS and first_ms is None:
                    first_ms = created.created_ms
            if first_ms is not None and scope not in self._grouped:
                conn.execute(
                    "INSERT INTO lineage_groups (account, region, name, created_ms)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*scope, DEFAULT_LINEAGE_GROUP, first_ms),
                )
            for edge in changes.associations:
                if self._associate(conn, scope, edge):
                    result.associated.append(edge)
            added: dict[str, int] = {}
            for ref in result.created:
                added[ref.kind] = added.get(ref.kind, 0) + 1
            if result.associated:
                added["association"] = len(result.associated)
            for kind, count in added.items():
                limit = quotas.get(kind)
                if limit is not None and used[kind] + count > limit:
                    raise QuotaExceeded(limit, used[kind])
                self._count_usage(conn, scope, kind, count)
            self._check_tags(conn, scope, changes.upserts, tag_limit)
        if first_ms is not None:
            self._grouped.add(scope)  # committed: the scope's lineage group exists
        return result

    def _upsert(
        self, conn: Connection, scope: Scope, upsert: Upsert, result: ChangeResult
    ) -> Entity | None:
        """Merge one entity; returns it when it was created."""
        key = (*scope, upsert.kind, upsert.id)
        row = conn.execute(
            f"SELECT {ENTITY_COLUMNS} FROM entities"
            " WHERE account = ? AND region = ? AND kind = ? AND id = ?" + self.lock_for_update,
            key,
        ).fetchone()
        stored = None if row is None else entity_from_row(row)
        merged = upsert.merge(stored)
        ref = Ref(upsert.kind, upsert.id)
        created = None
        if merged is not None:
            if (merged.kind, merged.id) != (upsert.kind, upsert.id):
                raise ValueError(f"a merge may not change an entity's identity ({ref})")
            if stored is None:
                try:
                    conn.execute(ENTITY_INSERT, (*scope, *entity_values(merged)))
                except self.unique_violation:
                    raise AlreadyExists(upsert.id) from None
                write_attrs(conn, scope, [merged])
                result.created.append(ref)
                created = merged
            elif merged != stored:
                conn.execute(
                    "UPDATE entities SET name = ?, entity_type = ?, source_uri = ?, body = ?,"
                    " modified_ms = ? WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                    (
                        merged.name,
                        merged.entity_type,
                        merged.source_uri,
                        orjson.dumps(merged.body).decode(),
                        merged.modified_ms,
                        *key,
                    ),
                )
                if merged.attrs is not None:
                    conn.execute(_DELETE_ATTRS, key)
                    write_attrs(conn, scope, [merged])
                result.updated.append(ref)
        if upsert.tags and (merged is not None or stored is not None):
            self._upsert_tags(conn, key, upsert.tags)
        return created

    def _upsert_tags(self, conn: Connection, key: tuple[str, ...], tags: list[Tag]) -> None:
        for tag in tags:
            # A new key goes last; an existing key keeps its position (D34).
            conn.execute(
                "INSERT INTO tags (account, region, kind, id, key, value, position)"
                " VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM tags"
                " WHERE account = ? AND region = ? AND kind = ? AND id = ?))"
                " ON CONFLICT (account, region, kind, id, key)"
                " DO UPDATE SET value = excluded.value",
                (*key, tag.key, tag.value, *key),
            )

    def _check_tags(
        self, conn: Connection, scope: Scope, upserts: list[Upsert], limit: int
    ) -> None:
        for upsert in upserts:
            if not upsert.tags:
                continue
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM tags"
                " WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                (*scope, upsert.kind, upsert.id),
            ).fetchone()
            if count > limit:
                raise TooManyTags(count)

    def _associate(self, conn: Connection, scope: Scope, edge: Association) -> bool:
        """Add an edge unless it is there; its ends must exist (locked until commit)."""
        src, dst = edge.source, edge.destination
        for end in (src, dst):
            if not self._exists(conn, scope, end.kind, end.id, self.lock_for_share):
                raise NotFound(end)
        present = conn.execute(
            "SELECT 1 FROM associations WHERE account = ? AND region = ? AND src_kind = ?"
            " AND src_id = ? AND dst_kind = ? AND dst_id = ?",
            (*scope, *src, *dst),
        ).fetchone()
        if present:
            return False
        conn.execute(
            "INSERT INTO associations (account, region, src_kind, src_id, dst_kind,"
            " dst_id, association_type, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*scope, *src, *dst, edge.association_type, edge.created_ms),
        )
        return True
