"""The graph queries seek indexes, so a lineage walk's cost does not grow with the rest of the
graph: SQLite's query plans for them must search by key, never scan a table."""

from __future__ import annotations

from pathlib import Path

import pytest

from stemma.store.sql.entities import entities_sql
from stemma.store.sql.graph import incident_sql
from stemma.store.sqlite import SqliteStore, open_sqlite


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        (incident_sql("src", 3), "PRIMARY KEY"),
        (incident_sql("dst", 3, SqliteStore.destination_index_hint), "associations_by_destination"),
        (entities_sql(3), "PRIMARY KEY"),
    ],
)
def test_walk_queries_seek_by_key(tmp_path: Path, sql: str, index: str) -> None:
    store = open_sqlite(tmp_path / "plans.db")
    try:
        params = ["context", "x"] * 3 + ["123456789012", "us-east-1"]
        plan = [row[3] for row in store._conn().execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    finally:
        store.close()
    searches = [step for step in plan if step.startswith("SEARCH")]
    assert len(searches) == 1 and index in searches[0], plan
    assert not any(step.startswith("SCAN a") or step.startswith("SCAN e") for step in plan), plan
