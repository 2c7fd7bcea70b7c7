"""Loading dumped rows: the bulk path of ``stemma import``, idempotent and all-or-nothing.

A batch is one write transaction. Each row is looked up by its identity first (an entity's
kind and id, an association's two ends, a membership's trial and component, a metric point's
series and arrival number): a row stored identically is left alone, so a load can be repeated
or resumed; a differing entity, association or membership is a conflict, skipped, overwritten or
refused per the caller's policy. New rows go in with ``executemany``, usage counters move with
them, and nothing is checked against quotas unless the caller passes limits. Lock order is the
API path's: usage counters (entity kinds, then associations), then rows.
"""

from __future__ import annotations

from typing import Any

from stemma.store.contract import (
    DEFAULT_LINEAGE_GROUP,
    GROUPED_KINDS,
    PARENT_KINDS,
    Association,
    Entity,
    LoadBatch,
    LoadConflict,
    LoadMissing,
    LoadResult,
    Membership,
    MetricPoint,
    MetricRun,
    OnConflict,
    QuotaExceeded,
    Ref,
    Scope,
    Tag,
    TaggedEntity,
)
from stemma.store.sql.base import (
    ENTITY_COLUMNS,
    ENTITY_INSERT,
    Connection,
    chunks,
    entity_from_row,
    entity_values,
    marks,
)
from stemma.store.sql.entities import entities_sql, write_attrs
from stemma.store.sql.metrics import SqlMetrics, _add

LOOKUP = 200  # identities per lookup: well below SQLite's variable limit at four columns each
_TAG_INSERT = (
    "INSERT INTO tags (account, region, kind, id, key, value, position)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


class SqlLoad(SqlMetrics):
    def load_batch(
        self,
        scope: Scope,
        batch: LoadBatch,
        on_conflict: OnConflict,
        quotas: dict[str, int] | None = None,
    ) -> LoadResult:
        result = LoadResult()
        kinds = sorted({t.entity.kind for t in batch.entities})
        with self._write() as conn:
            # Usage counters first, in the API path's order: entity kinds, then associations.
            used: dict[str, int] = {k: self._lock_usage(conn, scope, k) for k in kinds}
            if batch.associations:
                used["association"] = self._lock_usage(conn, scope, "association")
            if batch.lineage_group_created_ms is not None:
                conn.execute(
                    "INSERT INTO lineage_groups (account, region, name, created_ms)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*scope, DEFAULT_LINEAGE_GROUP, batch.lineage_group_created_ms),
                )
            inside = {Ref(t.entity.kind, t.entity.id) for t in batch.entities}
            self._entities(conn, scope, batch.entities, inside, on_conflict, result)
            self._associations(conn, scope, batch.associations, inside, on_conflict, result)
            self._memberships(conn, scope, batch.memberships, on_conflict, result)
            self._metrics(conn, scope, batch.metrics, result)
            for kind, before in used.items():
                added = result.loaded[kind]  # an entity kind, or "association"
                if added:
                    self._count_usage(conn, scope, kind, added)
                limit = (quotas or {}).get(kind)
                if limit is not None and before + added > limit:
                    raise QuotaExceeded(limit, before)
        return result

    def _entities(
        self,
        conn: Connection,
        scope: Scope,
        items: list[TaggedEntity],
        inside: set[Ref],
        on_conflict: OnConflict,
        result: LoadResult,
    ) -> None:
        if not items:
            return
        stored = _stored_entities(conn, scope, [Ref(t.entity.kind, t.entity.id) for t in items])
        fresh: list[TaggedEntity] = []
        for item in items:
            e = item.entity
            ref = Ref(e.kind, e.id)
            before = stored.get(ref)
            if before is None:
                fresh.append(item)
                continue
            if _same_entity(before, item):
                result.unchanged["entity"] += 1
                continue
            result.conflicts["entity"] += 1
            if on_conflict == "fail":
                raise LoadConflict(ref)
            if on_conflict == "overwrite":
                conn.execute(
                    "DELETE FROM entities WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                    (*scope, *ref),
                )
                for table in ("tags", "entity_attrs"):
                    conn.execute(
                        f"DELETE FROM {table} WHERE account = ? AND region = ? AND kind = ?"
                        " AND id = ?",
                        (*scope, *ref),
                    )
                _insert_entities(conn, scope, [item])
        for item in fresh:
            parent_kind = PARENT_KINDS.get(item.entity.kind)
            parent = item.entity.parent
            if parent_kind is not None and parent is not None:
                ref = Ref(parent_kind, parent)
                if ref not in inside and ref not in stored and not self._exists(conn, scope, *ref):
                    raise LoadMissing(
                        Ref(item.entity.kind, item.entity.id), f"no {ref.kind} {ref.id}"
                    )
        if fresh:
            _insert_entities(conn, scope, fresh)
            for item in fresh:
                result.loaded[item.entity.kind] += 1
            result.loaded["entity"] += len(fresh)
            grouped = [t.entity.created_ms for t in fresh if t.entity.kind in GROUPED_KINDS]
            if grouped:
                conn.execute(
                    "INSERT INTO lineage_groups (account, region, name, created_ms)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*scope, DEFAULT_LINEAGE_GROUP, min(grouped)),
                )

    def _associations(
        self,
        conn: Connection,
        scope: Scope,
        edges: list[Association],
        inside: set[Ref],
        on_conflict: OnConflict,
        result: LoadResult,
    ) -> None:
        if not edges:
            return
        stored: dict[tuple[str, ...], tuple[Any, ...]] = {}
        for chunk in chunks(edges, LOOKUP):
            values = ", ".join("(?, ?, ?, ?)" for _ in chunk)
            rows = conn.execute(
                f"WITH pairs(sk, si, dk, di) AS (VALUES {values})"
                " SELECT a.src_kind, a.src_id, a.dst_kind, a.dst_id, a.association_type,"
                " a.created_ms FROM pairs CROSS JOIN associations a WHERE a.account = ?"
                " AND a.region = ? AND a.src_kind = pairs.sk AND a.src_id = pairs.si"
                " AND a.dst_kind = pairs.dk AND a.dst_id = pairs.di",
                [*(p for a in chunk for p in (*a.source, *a.destination)), *scope],
            ).fetchall()
            for row in rows:
                stored[tuple(row[:4])] = (row[4], row[5])
        fresh: list[Association] = []
        for a in edges:
            before = stored.get((*a.source, *a.destination))
            if before is None:
                fresh.append(a)
            elif before == (a.association_type, a.created_ms):
                result.unchanged["association"] += 1
            else:
                result.conflicts["association"] += 1
                if on_conflict == "fail":
                    raise LoadConflict((a.source, a.destination))
                if on_conflict == "overwrite":
                    conn.execute(
                        "UPDATE associations SET association_type = ?, created_ms = ?"
                        " WHERE account = ? AND region = ? AND src_kind = ? AND src_id = ?"
                        " AND dst_kind = ? AND dst_id = ?",
                        (a.association_type, a.created_ms, *scope, *a.source, *a.destination),
                    )
        if not fresh:
            return
        ends = {ref for a in fresh for ref in (a.source, a.destination) if ref not in inside}
        found = _existing(conn, scope, list(ends))
        for a in fresh:
            for ref in (a.source, a.destination):
                if ref not in inside and ref not in found:
                    raise LoadMissing((a.source, a.destination), f"no {ref.kind} {ref.id}")
        conn.executemany(
            "INSERT INTO associations (account, region, src_kind, src_id, dst_kind,"
            " dst_id, association_type, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*scope, *a.source, *a.destination, a.association_type, a.created_ms) for a in fresh],
        )
        result.loaded["association"] += len(fresh)

    def _memberships(
        self,
        conn: Connection,
        scope: Scope,
        members: list[Membership],
        on_conflict: OnConflict,
        result: LoadResult,
    ) -> None:
        for m in members:
            key = (*scope, m.trial_id, m.tc_id)
            row = conn.execute(
                "SELECT counted, created_ms FROM trial_members"
                " WHERE account = ? AND region = ? AND trial_id = ? AND tc_id = ?",
                key,
            ).fetchone()
            if row is not None:
                if (bool(row[0]), row[1]) == (m.counted, m.created_ms):
                    result.unchanged["membership"] += 1
                    continue
                result.conflicts["membership"] += 1
                if on_conflict == "fail":
                    raise LoadConflict((m.trial_id, m.tc_id))
                if on_conflict == "overwrite":
                    conn.execute(
                        "UPDATE trial_members SET counted = ?, created_ms = ? WHERE account = ?"
                        " AND region = ? AND trial_id = ? AND tc_id = ?",
                        (m.counted, m.created_ms, *key),
                    )
                continue
            trial = conn.execute(
                "SELECT parent FROM entities WHERE account = ? AND region = ?"
                " AND kind = 'experiment-trial' AND id = ?",
                (*scope, m.trial_id),
            ).fetchone()
            if trial is None:
                raise LoadMissing((m.trial_id, m.tc_id), f"no experiment-trial {m.trial_id}")
            if not self._exists(conn, scope, "experiment-trial-component", m.tc_id):
                raise LoadMissing((m.trial_id, m.tc_id), f"no experiment-trial-component {m.tc_id}")
            conn.execute(
                "INSERT INTO trial_members (account, region, trial_id, tc_id, experiment_id,"
                " counted, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, trial[0], m.counted, m.created_ms),
            )
            result.loaded["membership"] += 1

    def _metrics(
        self, conn: Connection, scope: Scope, runs: list[MetricRun], result: LoadResult
    ) -> None:
        for run in runs:
            series = self._series(conn, scope, run.tc_id, run.name)
            count = series[1] if series is not None else 0
            last = run.first_seq + len(run.points) - 1
            if last <= count:
                result.unchanged["point"] += len(run.points)
                continue
            if run.first_seq > count + 1:
                raise LoadMissing(
                    (run.tc_id, run.name),
                    f"metric {run.name} of {run.tc_id} has {count} points; this run starts at"
                    f" point {run.first_seq}",
                )
            if series is None and not self._exists(
                conn, scope, "experiment-trial-component", run.tc_id
            ):
                raise LoadMissing(
                    (run.tc_id, run.name), f"no experiment-trial-component {run.tc_id}"
                )
            skip = count + 1 - run.first_seq
            result.unchanged["point"] += skip
            points = [MetricPoint(run.name, *p) for p in run.points[skip:]]
            _add(conn, scope, run.tc_id, run.name, series, points)
            result.loaded["point"] += len(points)


def _existing(conn: Connection, scope: Scope, refs: list[Ref]) -> set[Ref]:
    found: set[Ref] = set()
    for chunk in chunks(refs, LOOKUP):
        flat = [part for ref in chunk for part in ref]
        for row in conn.execute(entities_sql(len(chunk)), [*flat, *scope]).fetchall():
            found.add(Ref(row[0], row[1]))
    return found


def _stored_entities(conn: Connection, scope: Scope, refs: list[Ref]) -> dict[Ref, TaggedEntity]:
    stored: dict[Ref, TaggedEntity] = {}
    for chunk in chunks(refs, LOOKUP):
        flat = [part for ref in chunk for part in ref]
        for row in conn.execute(entities_sql(len(chunk)), [*flat, *scope]).fetchall():
            stored[Ref(row[0], row[1])] = TaggedEntity(entity_from_row(row), [])
    by_kind: dict[str, dict[str, TaggedEntity]] = {}
    for ref, item in stored.items():
        by_kind.setdefault(ref.kind, {})[ref.id] = item
    for kind, items in by_kind.items():
        for ids in chunks(list(items), LOOKUP):
            for entity_id, key, value in conn.execute(
                "SELECT id, key, value FROM tags WHERE account = ? AND region = ? AND kind = ?"
                f" AND id IN ({marks(len(ids))}) ORDER BY id, position",
                (*scope, kind, *ids),
            ).fetchall():
                items[entity_id].tags.append(Tag(key, value))
    return stored


def _same_entity(stored: TaggedEntity, loaded: TaggedEntity) -> bool:
    """Equal in every stored column (``ENTITY_COLUMNS`` are ``Entity``'s fields) and tags."""
    a, b = stored.entity, loaded.entity
    same = all(getattr(a, f) == getattr(b, f) for f in ENTITY_COLUMNS.split(", "))
    return same and stored.tags == loaded.tags


def _insert_entities(conn: Connection, scope: Scope, items: list[TaggedEntity]) -> None:
    entities: list[Entity] = [t.entity for t in items]
    conn.executemany(ENTITY_INSERT, [(*scope, *entity_values(e)) for e in entities])
    write_attrs(conn, scope, entities)
    tags = [
        (*scope, t.entity.kind, t.entity.id, tag.key, tag.value, position)
        for t in items
        for position, tag in enumerate(t.tags, start=1)
    ]
    if tags:
        conn.executemany(_TAG_INSERT, tags)
