"""Contexts, actions and artifacts: one ``entities`` table, told apart by kind.

Lock order, the same in every write here and in ``graph``, so concurrent transactions on
PostgreSQL never deadlock: usage counters (the entity kind's, then associations'), then entity
rows.
"""

from __future__ import annotations

from typing import Any

import orjson

from stemma.store.contract import (
    DEFAULT_LINEAGE_GROUP,
    AlreadyExists,
    Entity,
    EntityQuery,
    Kind,
    Mutation,
    NewEntity,
    NotFound,
    QuotaExceeded,
    Ref,
    Scope,
)
from stemma.store.sql.base import (
    ENTITY_COLUMNS,
    SqlBase,
    add_filters,
    add_keyset,
    entity_from_row,
    entity_values,
    refs_table,
)

_SORT_COLUMNS = {"created": "created_ms", "name": "name"}
_CHUNK = 400  # refs per IN (...) list, well below SQLite's variable limit


class SqlEntities(SqlBase):
    def create_entity(self, scope: Scope, new: NewEntity) -> None:
        e = new.entity
        with self._write(one_statement=not new.tags and scope in self._grouped) as conn:
            used = self._take_usage(conn, scope, e.kind)
            if new.quota is not None and used > new.quota:
                if self._exists(conn, scope, e.kind, e.id):  # a duplicate is reported first
                    raise AlreadyExists(e.id)
                raise QuotaExceeded(new.quota, used - 1)
            try:
                conn.execute(
                    f"INSERT INTO entities (account, region, {ENTITY_COLUMNS})"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*scope, *entity_values(e)),
                )
            except self.unique_violation:
                raise AlreadyExists(e.id) from None  # the rollback returns the usage taken
            if scope not in self._grouped:
                conn.execute(
                    "INSERT INTO lineage_groups (account, region, name, created_ms)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*scope, DEFAULT_LINEAGE_GROUP, e.created_ms),
                )
            if new.tags:
                conn.executemany(
                    "INSERT INTO tags (account, region, kind, id, key, value, position)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (*scope, e.kind, e.id, tag.key, tag.value, position)
                        for position, tag in enumerate(new.tags, start=1)
                    ],
                )
        self._grouped.add(scope)  # committed: the scope's lineage group exists

    def get_entity(self, scope: Scope, kind: Kind, entity_id: str) -> Entity | None:
        rows = self._read(
            f"SELECT {ENTITY_COLUMNS} FROM entities"
            " WHERE account = ? AND region = ? AND kind = ? AND id = ?",
            (*scope, kind, entity_id),
        )
        return entity_from_row(rows[0]) if rows else None

    def lineage_group_created_ms(self, scope: Scope) -> int | None:
        rows = self._read(
            "SELECT created_ms FROM lineage_groups WHERE account = ? AND region = ? AND name = ?",
            (*scope, DEFAULT_LINEAGE_GROUP),
        )
        return int(rows[0][0]) if rows else None

    def get_entities(self, scope: Scope, refs: list[Ref]) -> dict[Ref, Entity]:
        found: dict[Ref, Entity] = {}
        for start in range(0, len(refs), _CHUNK):
            chunk = refs[start : start + _CHUNK]
            flat = [part for ref in chunk for part in ref]
            for row in self._read(entities_sql(len(chunk)), [*flat, *scope]):
                entity = entity_from_row(row)
                found[Ref(entity.kind, entity.id)] = entity
        return found

    def find_entities(self, scope: Scope, kind: Kind, source_uri: str) -> list[Entity]:
        rows = self._read(
            f"SELECT {ENTITY_COLUMNS} FROM entities"
            " WHERE account = ? AND region = ? AND kind = ? AND source_uri = ?"
            " ORDER BY created_ms, id",
            (*scope, kind, source_uri),
        )
        return [entity_from_row(row) for row in rows]

    def update_entity(self, scope: Scope, kind: Kind, entity_id: str, mutate: Mutation) -> Entity:
        with self._write() as conn:
            row = conn.execute(
                f"SELECT {ENTITY_COLUMNS} FROM entities"
                " WHERE account = ? AND region = ? AND kind = ? AND id = ?" + self.lock_for_update,
                (*scope, kind, entity_id),
            ).fetchone()
            if row is None:
                raise NotFound(entity_id)
            updated = mutate(entity_from_row(row))
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
        key = (*scope, kind, entity_id)
        with self._write() as conn:
            self._lock_usage(conn, scope, kind)
            self._lock_usage(conn, scope, "association")
            deleted = conn.execute(
                "DELETE FROM entities WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                key,
            ).rowcount
            if not deleted:
                raise NotFound(entity_id)
            conn.execute(
                "DELETE FROM tags WHERE account = ? AND region = ? AND kind = ? AND id = ?", key
            )
            edges = sum(
                conn.execute(
                    "DELETE FROM associations WHERE account = ? AND region = ?"
                    f" AND {side}_kind = ? AND {side}_id = ?",
                    key,
                ).rowcount
                for side in ("src", "dst")  # one statement per end, each using its index
            )
            self._count_usage(conn, scope, kind, -1)
            if edges:
                self._count_usage(conn, scope, "association", -edges)

    def list_entities(self, scope: Scope, query: EntityQuery) -> list[Entity]:
        where = ["account = ?", "region = ?", "kind = ?"]
        params: list[Any] = [*scope, query.kind]
        add_filters(
            where,
            params,
            (
                ("source_uri", "=", query.source_uri),
                ("entity_type", "=", query.entity_type),
                ("created_ms", ">=", query.created_from_ms),
                ("created_ms", "<=", query.created_to_ms),
            ),
        )
        columns = (_SORT_COLUMNS[query.sort], "id")  # ties broken by id, i.e. by ARN (D29)
        order = add_keyset(where, params, columns, query.after, query.descending)
        params.append(query.limit)
        rows = self._read(
            f"SELECT {ENTITY_COLUMNS} FROM entities WHERE {' AND '.join(where)}"
            f" ORDER BY {order} LIMIT ?",
            params,
        )
        return [entity_from_row(row) for row in rows]


def entities_sql(count: int) -> str:
    """The entities among ``count`` refs, one index seek each; params: refs, then scope."""
    columns = ", ".join(f"e.{c}" for c in ENTITY_COLUMNS.split(", "))
    return (
        f"{refs_table(count)} SELECT {columns} FROM refs CROSS JOIN entities e"
        " WHERE e.account = ? AND e.region = ? AND e.kind = refs.kind AND e.id = refs.id"
    )
