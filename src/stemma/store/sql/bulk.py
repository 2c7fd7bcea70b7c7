"""The bulk path: load many entities and associations at once, for seeding and restores.

Rows go in with ``executemany`` in batches, one transaction per batch, bypassing the per-call
checks of the API path: no quota is enforced, though the loaded rows count towards later quota
checks like any others (unlike AWS's auto-created entities, D49; stemma has none), and the
caller guarantees that ids are new and that both ends of every association are loaded. The
benchmark seeds its million-entity stores through here instead of a million HTTP calls.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TypeVar

from stemma.store.contract import DEFAULT_LINEAGE_GROUP, Association, Entity, Scope
from stemma.store.sql.base import ENTITY_INSERT, SqlBase, entity_values
from stemma.store.sql.entities import write_attrs

BATCH = 10_000
T = TypeVar("T")


def _batches(items: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, BATCH)):
        yield batch


class SqlBulk(SqlBase):
    def bulk_load(
        self, scope: Scope, entities: Iterable[Entity], associations: Iterable[Association]
    ) -> tuple[int, int]:
        """Insert entities, then associations; returns how many of each were loaded."""
        loaded_entities = loaded_edges = 0
        for batch in _batches(entities):
            counts = Counter(e.kind for e in batch)
            with self._write() as conn:
                for kind in sorted(counts):  # counters first: the lock order of every write
                    self._lock_usage(conn, scope, kind)
                conn.executemany(
                    ENTITY_INSERT,
                    [(*scope, *entity_values(e)) for e in batch],
                )
                write_attrs(conn, scope, batch)
                for kind, count in counts.items():
                    self._count_usage(conn, scope, kind, count)
                conn.execute(
                    "INSERT INTO lineage_groups (account, region, name, created_ms)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*scope, DEFAULT_LINEAGE_GROUP, min(e.created_ms for e in batch)),
                )
            loaded_entities += len(batch)
        for edges in _batches(associations):
            with self._write() as conn:
                self._lock_usage(conn, scope, "association")
                conn.executemany(
                    "INSERT INTO associations (account, region, src_kind, src_id, dst_kind,"
                    " dst_id, association_type, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (*scope, *a.source, *a.destination, a.association_type, a.created_ms)
                        for a in edges
                    ],
                )
                self._count_usage(conn, scope, "association", len(edges))
            loaded_edges += len(edges)
        return loaded_entities, loaded_edges
