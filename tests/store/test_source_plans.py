"""Filtering by source URI seeks ``entities_by_source`` on both stores (#20 item 2).

On PostgreSQL that index holds a 256-character prefix of the URI (a whole model-valid URI can
exceed its index-row limit), so the queries compare the prefix and the whole value
(``SOURCE_KEY``); these plans prove the prefix comparison still reaches the index, in the
index's order (no sort step).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stemma.store.sql.base import SOURCE_KEY
from stemma.store.sqlite import open_sqlite
from tests.conftest import BACKENDS, PG_ADMIN_URL, _admin

QUERY = (
    "SELECT id FROM entities WHERE account = ? AND region = ? AND kind = ?"
    f" AND {SOURCE_KEY} ORDER BY created_ms, id"
)
PARAMS = ["123456789012", "us-east-1", "artifact", "s3://b/k", "s3://b/k"]


def test_sqlite_seeks_the_source_index(tmp_path: Path) -> None:
    store = open_sqlite(tmp_path / "plans.db")
    try:
        plan = [row[3] for row in store._conn().execute(f"EXPLAIN QUERY PLAN {QUERY}", PARAMS)]
    finally:
        store.close()
    assert any(s.startswith("SEARCH") and "entities_by_source" in s for s in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if "postgres" not in BACKENDS:
        pytest.skip("PostgreSQL not among STEMMA_TEST_BACKENDS")
    name = f"stemma_plans_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgres_seeks_the_source_prefix_index(postgres_url: str) -> None:
    import psycopg

    from stemma.store.postgres import _pg_sql, open_postgres

    open_postgres(postgres_url).close()  # migrate
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")  # an empty table would be scanned otherwise
        rows: list[Any] = conn.execute(_pg_sql(f"EXPLAIN {QUERY}"), PARAMS).fetchall()
    plan = "\n".join(row[0] for row in rows)
    assert "entities_by_source" in plan and "Index" in plan, plan
    assert "Sort" not in plan, plan
