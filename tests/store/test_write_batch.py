"""Batched writes on SQLite: one transaction for many requests, nothing visible or acknowledged
before the batch is committed and on disk, and a request's failure undoes its own writes only."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stemma.store import group_fsync
from stemma.store.contract import (
    DEFAULT_LINEAGE_GROUP,
    AlreadyExists,
    Entity,
    NewEntity,
    QuotaExceeded,
    Unavailable,
)
from stemma.store.sqlite import SqliteStore

SCOPE = ("123456789012", "us-east-1")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "stemma.db")
    yield opened
    opened.close()


def _context(name: str) -> NewEntity:
    entity = Entity("context", name, name, "Endpoint", "s3://b", {}, 1, 1)
    return NewEntity(entity)


def _names(store: SqliteStore) -> list[str]:
    return [row[0] for row in store._read("SELECT id FROM entities ORDER BY id", ())]


def _batched_create(store: SqliteStore, name: str) -> Any:
    with store.batched_writes():
        try:
            store.create_entity(SCOPE, _context(name))
        except AlreadyExists as exc:
            return exc, store.durability()
    return None, store.durability()


def test_a_batch_is_invisible_until_committed_then_durable(store: SqliteStore) -> None:
    outcomes = [_batched_create(store, f"c{i}") for i in range(5)]
    futures = {id(done) for _, done in outcomes}
    assert len(futures) == 1, "the five writes joined one batch"
    done = outcomes[0][1]
    assert _names(store) == [], "reads see no uncommitted write"
    assert not done.done()
    store.commit_batch()
    done.result(timeout=10)
    assert _names(store) == [f"c{i}" for i in range(5)]
    # The next write opens a new batch with a future of its own.
    _, later = _batched_create(store, "c5")
    assert later is not done
    store.commit_batch()
    later.result(timeout=10)


def test_a_failing_request_undoes_only_its_own_writes(store: SqliteStore) -> None:
    first, done = _batched_create(store, "a")
    duplicate, same = _batched_create(store, "a")
    third, _ = _batched_create(store, "b")
    assert first is None and third is None
    assert isinstance(duplicate, AlreadyExists)
    assert same is done, "a failed request still waits for the batch it saw"
    store.commit_batch()
    done.result(timeout=10)
    assert _names(store) == ["a", "b"]
    usage = store._read("SELECT used FROM usage WHERE kind = 'context'", ())
    assert usage == [(2,)], "the duplicate's usage increment was rolled back with it"


class _FailingCommit(sqlite3.Connection):
    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT":
            raise sqlite3.OperationalError("disk I/O error")
        return super().execute(sql, *args)


def test_a_failed_commit_fails_every_request_and_stores_nothing(store: SqliteStore) -> None:
    store._batch._connect = lambda: sqlite3.connect(
        store.path, isolation_level=None, check_same_thread=False, factory=_FailingCommit
    )
    _, done = _batched_create(store, "x")
    _batched_create(store, "y")
    assert SCOPE in store._grouped
    store.commit_batch()
    with pytest.raises(Unavailable, match="disk I/O error"):
        done.result(timeout=10)
    assert _names(store) == []
    lineage_groups = store._read("SELECT name FROM lineage_groups", ())
    assert lineage_groups == []
    assert SCOPE not in store._grouped, "the cache of created lineage groups is forgotten"
    # The writer lock was released: a plain write still works.
    store.create_entity(SCOPE, _context("z"))
    assert _names(store) == ["z"]
    assert store._read("SELECT name FROM lineage_groups", ()) == [(DEFAULT_LINEAGE_GROUP,)]


def test_a_failed_fsync_fails_the_batch(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.create_entity(SCOPE, _context("before"))  # opens the WAL's descriptor
    monkeypatch.setattr(group_fsync.os, "fsync", _raise_eio)
    _, done = _batched_create(store, "x")
    store.commit_batch()
    with pytest.raises(OSError, match="could not be flushed"):
        done.result(timeout=10)


def _raise_eio(fd: int) -> None:
    raise OSError(5, "Input/output error")


def test_a_plain_write_inside_an_open_batch_fails_instead_of_deadlocking(
    store: SqliteStore,
) -> None:
    _, done = _batched_create(store, "x")
    with pytest.raises(RuntimeError, match="deadlock"):
        store.create_entity(SCOPE, _context("y"))
    store.commit_batch()
    done.result(timeout=10)
    assert _names(store) == ["x"]


def test_another_thread_waits_for_the_batch_to_commit(store: SqliteStore) -> None:
    _, done = _batched_create(store, "x")
    finished = threading.Event()

    def plain_write() -> None:
        store.create_entity(SCOPE, _context("y"))
        finished.set()

    thread = threading.Thread(target=plain_write)
    thread.start()
    assert not finished.wait(0.2), "the batch holds the writer lock until it commits"
    store.commit_batch()
    thread.join(10)
    assert finished.is_set()
    done.result(timeout=10)
    assert _names(store) == ["x", "y"]


def test_closing_the_store_commits_the_open_batch(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "stemma.db")
    _, done = _batched_create(store, "x")
    store.close()
    done.result(timeout=10)
    reopened = SqliteStore(tmp_path / "stemma.db")
    try:
        assert _names(reopened) == ["x"]
    finally:
        reopened.close()


def test_usage_counters_hold_quotas_within_a_batch_and_reach_the_database(
    store: SqliteStore,
) -> None:
    store.create_entity(SCOPE, _context("before"))  # a counter already stored: 1
    outcomes = []
    for i in range(5):
        with store.batched_writes():
            try:
                store.create_entity(SCOPE, NewEntity(_context(f"c{i}").entity, quota=3))
                outcomes.append("created")
            except QuotaExceeded as exc:
                outcomes.append(f"quota {exc.limit} used {exc.used}")
        done = store.durability()
    assert outcomes == ["created", "created", "quota 3 used 3", "quota 3 used 3", "quota 3 used 3"]
    assert store._read("SELECT used FROM usage WHERE kind = 'context'", ()) == [(1,)]
    with store.batched_writes():
        store.delete_entity(SCOPE, "context", "c0")
    store.commit_batch()
    assert done is not None
    done.result(timeout=10)
    assert store._read("SELECT used FROM usage WHERE kind = 'context'", ()) == [(2,)]
    assert _names(store) == ["before", "c1"]


def test_a_write_request_reads_through_its_batch_and_others_do_not(store: SqliteStore) -> None:
    _, done = _batched_create(store, "x")
    with store.batched_writes():
        # A later request of the same batch sees the batch's writes, as one at a time it would.
        assert store.get_entity(SCOPE, "context", "x") is not None
        assert [e.id for e in store.find_entities(SCOPE, "context", "s3://b")] == ["x"]
    # A read outside any write request (Describe, List) sees committed data only.
    assert store.get_entity(SCOPE, "context", "x") is None
    store.commit_batch()
    done.result(timeout=10)
    assert store.get_entity(SCOPE, "context", "x") is not None
