"""WAL checkpoints run in their own thread, and keep the log bounded under a steady stream of
writes (a checkpoint racing the writer alone might never let the log restart)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stemma.store import checkpointer
from stemma.store.contract import Entity, NewEntity
from stemma.store.sqlite import SqliteStore

SCOPE = ("123456789012", "us-east-1")


def test_the_log_is_checkpointed_off_the_writer_and_stays_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpointer, "RESTART_FRAMES", 200)
    monkeypatch.setattr(checkpointer, "INTERVAL", 0.001)
    monkeypatch.setattr(checkpointer, "FORCE_INTERVAL", 0.0)
    store = SqliteStore(tmp_path / "stemma.db")
    wal = tmp_path / "stemma.db-wal"
    autocheckpoint = store._conn().execute("PRAGMA wal_autocheckpoint").fetchone()
    assert autocheckpoint == (0,), "no COMMIT checkpoints by itself"
    largest = 0
    try:
        for batch in range(300):
            for i in range(10):
                name = f"c{batch}-{i}"
                with store.batched_writes():
                    entity = Entity("context", name, name, "T", "s3://b", {"k": "v" * 200}, 1, 1)
                    store.create_entity(SCOPE, NewEntity(entity))
                done = store.durability()
            store.commit_batch()
            assert done is not None
            done.result(timeout=10)
            largest = max(largest, wal.stat().st_size)
        assert store._checkpointer.checkpoints > 0
        rows = store._read("SELECT COUNT(*) FROM entities", ())
        assert rows == [(3000,)]
    finally:
        store.close()
    pages = largest // 4096
    # 3,000 entities wrote thousands of pages to the log; restarts kept it near the limit.
    assert pages < 3 * 200 + 400, f"the log grew to {pages} pages"


def test_a_checkpointer_that_cannot_connect_tries_again_on_the_next_wake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    import threading
    import time

    monkeypatch.setattr(checkpointer, "INTERVAL", 0.001)
    attempts: list[int] = []

    def connect() -> sqlite3.Connection:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("too many open files")
        return sqlite3.connect(tmp_path / "x.db", check_same_thread=False)

    runner = checkpointer.Checkpointer(connect, threading.Lock())
    runner.wake()
    deadline = time.monotonic() + 5
    while not attempts and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.wake()
    while runner.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.close()
    assert len(attempts) == 2
    assert runner.checkpoints >= 1
