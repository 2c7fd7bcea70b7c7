"""Every kind of entity: one ``entities`` table, told apart by kind.

Lock order, the same in every write here and in ``graph``, so concurrent transactions on
PostgreSQL never deadlock: usage counters (the entity kind's, then associations'), then entity
rows.
"""

from __future__ import annotations

from typing import Any

import orjson

from stemma.store.contract import (
    DEFAULT_LINEAGE_GROUP,
    GROUPED_KINDS,
    PARENT_KINDS,
    AlreadyExists,
    Entity,
    EntityQuery,
    HasDependents,
    Kind,
    Mutation,
    NewEntity,
    NotFound,
    ParentQuotaExceeded,
    QuotaExceeded,
    Ref,
    Scope,
)
from stemma.store.sql.base import (
    ENTITY_COLUMNS,
    ENTITY_INSERT,
    SOURCE_KEY,
    Connection,
    SqlBase,
    add_filters,
    add_keyset,
    chunks,
    entity_from_row,
    entity_values,
    refs_table,
)

_SORT_COLUMNS = {"created": "created_ms", "name": "name"}
# What keeps an entity from being deleted (D62): a trial in the experiment, a trial component in
# the trial, the trial component in a trial. Params: account, region, id.
_DEPENDENTS: dict[Kind, str] = {
    "experiment": "SELECT 1 FROM entities WHERE account = ? AND region = ?"
    " AND kind = 'experiment-trial' AND parent = ? LIMIT 1",
    "experiment-trial": "SELECT 1 FROM trial_members WHERE account = ? AND region = ?"
    " AND trial_id = ? LIMIT 1",
    "experiment-trial-component": "SELECT 1 FROM trial_members WHERE account = ? AND region = ?"
    " AND tc_id = ? LIMIT 1",
}


class SqlEntities(SqlBase):
    def create_entity(self, scope: Scope, new: NewEntity) -> None:
        e = new.entity
        parent_kind = PARENT_KINDS.get(e.kind)
        grouped = scope in self._grouped or e.kind not in GROUPED_KINDS
        with self._write(one_statement=not new.tags and grouped) as conn:
            used = self._take_usage(conn, scope, e.kind)
            over = new.quota is not None and used > new.quota
            # A duplicate is reported before a missing parent and any quota (D26, D60).
            if (over or parent_kind) and self._exists(conn, scope, e.kind, e.id):
                raise AlreadyExists(e.id)
            if parent_kind is not None:
                self._check_parent(conn, scope, new, parent_kind)
            if over:
                raise QuotaExceeded(new.quota or 0, used - 1)
            try:
                conn.execute(ENTITY_INSERT, (*scope, *entity_values(e)))
            except self.unique_violation:
                raise AlreadyExists(e.id) from None  # the rollback returns the usage taken
            write_attrs(conn, scope, [e])
            if not grouped:
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
        if e.kind in GROUPED_KINDS:
            self._grouped.add(scope)  # committed: the scope's lineage group exists

    def _check_parent(self, conn: Connection, scope: Scope, new: NewEntity, kind: Kind) -> None:
        """The parent exists (its row locked until commit, so it cannot be deleted meanwhile,
        and its children are added one at a time) and has room for one more child."""
        e = new.entity
        parent = e.parent or ""
        if not self._exists(conn, scope, kind, parent, self.lock_for_update):
            raise NotFound(Ref(kind, parent))
        if new.parent_quota is not None:
            row = conn.execute(
                "SELECT COUNT(*) FROM entities"
                " WHERE account = ? AND region = ? AND kind = ? AND parent = ?",
                (*scope, e.kind, parent),
            ).fetchone()
            if int(row[0]) >= new.parent_quota:
                raise ParentQuotaExceeded(new.parent_quota, int(row[0]))

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
        for chunk in chunks(refs):
            flat = [part for ref in chunk for part in ref]
            for row in self._read(entities_sql(len(chunk)), [*flat, *scope]):
                entity = entity_from_row(row)
                found[Ref(entity.kind, entity.id)] = entity
        return found

    def find_entities(self, scope: Scope, kind: Kind, source_uri: str) -> list[Entity]:
        rows = self._read(
            f"SELECT {ENTITY_COLUMNS} FROM entities"
            f" WHERE account = ? AND region = ? AND kind = ? AND {SOURCE_KEY}"
            " ORDER BY created_ms, id",
            (*scope, kind, source_uri, source_uri),
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
            if updated.attrs is not None:
                conn.execute(_DELETE_ATTRS, (*scope, kind, entity_id))
                write_attrs(conn, scope, [updated])
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
            dependents = _DEPENDENTS.get(kind)
            if dependents is not None:
                # The row lock first: a child or member added meanwhile is then seen below.
                if not self._exists(conn, scope, kind, entity_id, self.lock_for_update):
                    raise NotFound(entity_id)
                if conn.execute(dependents, (*scope, entity_id)).fetchone() is not None:
                    raise HasDependents(entity_id)
            deleted = conn.execute(
                "DELETE FROM entities WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                key,
            ).rowcount
            if not deleted:
                raise NotFound(entity_id)
            conn.execute(
                "DELETE FROM tags WHERE account = ? AND region = ? AND kind = ? AND id = ?", key
            )
            conn.execute(_DELETE_ATTRS, key)
            for statement in _CASCADES.get(kind, ()):
                conn.execute(statement, (*scope, entity_id))
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
        if query.source_uri is not None:
            where.append(SOURCE_KEY)
            params.extend((query.source_uri, query.source_uri))
        add_filters(
            where,
            params,
            (
                ("entity_type", "=", query.entity_type),
                ("created_ms", ">=", query.created_from_ms),
                ("created_ms", "<=", query.created_to_ms),
                ("parent", "=", query.parent),
            ),
        )
        # Membership filters: (the id wanted, the column matched, the id it must equal).
        for wanted, by, key in (
            ("trial_id", "tc_id", query.containing),
            ("tc_id", "trial_id", query.in_trial),
            ("tc_id", "experiment_id", query.in_experiment),
        ):
            if key is not None:
                where.append(
                    f"id IN (SELECT {wanted} FROM trial_members"
                    f" WHERE account = ? AND region = ? AND {by} = ?)"
                )
                params.extend((*scope, key))
        columns = (_SORT_COLUMNS[query.sort], "id")  # ties broken by id, i.e. by ARN (D29)
        order = add_keyset(where, params, columns, query.after, query.descending)
        params.append(query.limit)
        rows = self._read(
            f"SELECT {ENTITY_COLUMNS} FROM entities WHERE {' AND '.join(where)}"
            f" ORDER BY {order} LIMIT ?",
            params,
        )
        return [entity_from_row(row) for row in rows]


_DELETE_ATTRS = "DELETE FROM entity_attrs WHERE account = ? AND region = ? AND kind = ? AND id = ?"
# What goes with an entity of a kind beyond its tags, attributes and associations (D79: a trial
# component's metrics). Params: account, region, id.
_CASCADES: dict[Kind, tuple[str, ...]] = {
    "experiment-trial-component": (
        "DELETE FROM metric_points WHERE series_id IN (SELECT series_id FROM metric_series"
        " WHERE account = ? AND region = ? AND tc_id = ?)",
        "DELETE FROM metric_series WHERE account = ? AND region = ? AND tc_id = ?",
    ),
}


TEXT_KEY = 100  # characters of a text attribute in its index (entity_attrs.txt_key)


def write_attrs(conn: Connection, scope: Scope, entities: list[Entity]) -> None:
    """Insert entities' searchable attributes: numbers in ``num``, text in ``txt``."""
    rows = [
        (
            *scope,
            e.kind,
            e.id,
            attr,
            *((None, v, v[:TEXT_KEY]) if isinstance(v, str) else (v, None, None)),
        )
        for e in entities
        for attr, v in (e.attrs or {}).items()
    ]
    if rows:
        conn.executemany(
            "INSERT INTO entity_attrs (account, region, kind, id, attr, num, txt, txt_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def entities_sql(count: int) -> str:
    """The entities among ``count`` refs, one index seek each; params: refs, then scope."""
    columns = ", ".join(f"e.{c}" for c in ENTITY_COLUMNS.split(", "))
    return (
        f"{refs_table(count)} SELECT {columns} FROM refs CROSS JOIN entities e"
        " WHERE e.account = ? AND e.region = ? AND e.kind = refs.kind AND e.id = refs.id"
    )
