"""The store's bulk path, on both backends: loaded rows read back through the contract, and the
usage counters it keeps make quotas exact afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stemma.store import open_store
from stemma.store.contract import (
    Association,
    Entity,
    EntityQuery,
    NewEntity,
    QuotaExceeded,
    Ref,
    Scope,
    Store,
)
from tests.conftest import Backend

SCOPE = Scope("123456789012", "us-east-1")


@pytest.fixture
def store(backend: Backend, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(backend.db_url(tmp_path / "bulk"))
    yield opened
    opened.close()


def _context(i: int) -> Entity:
    return Entity(
        "context", f"c{i:05d}", f"C{i:05d}", "Endpoint", f"s3://b/{i}", {}, 1000 + i, 1000 + i
    )


def test_bulk_load_reads_back(store: Store) -> None:
    entities = [_context(i) for i in range(25_000)]  # more than one batch
    edges = [
        Association(Ref("context", f"c{i:05d}"), Ref("context", f"c{i + 1:05d}"), "Produced", 5)
        for i in range(24_999)
    ]
    assert store.bulk_load(SCOPE, iter(entities), iter(edges)) == (25_000, 24_999)
    assert store.get_entity(SCOPE, "context", "c12345") == entities[12345]
    page = store.list_entities(SCOPE, EntityQuery(kind="context", limit=3, descending=False))
    assert [e.id for e in page] == ["c00000", "c00001", "c00002"]
    walked = store.incident(SCOPE, [Ref("context", "c00100")], "Both")
    assert {(a.source.id, a.destination.id) for a in walked} == {
        ("c00099", "c00100"),
        ("c00100", "c00101"),
    }
    assert store.lineage_group_created_ms(SCOPE) == 1000


def test_usage_counts_the_loaded_rows(store: Store) -> None:
    store.bulk_load(SCOPE, [_context(i) for i in range(10)], [])
    extra = NewEntity(_context(99), quota=11)
    store.create_entity(SCOPE, extra)
    with pytest.raises(QuotaExceeded) as info:
        store.create_entity(SCOPE, NewEntity(_context(100), quota=11))
    assert (info.value.limit, info.value.used) == (11, 11)
