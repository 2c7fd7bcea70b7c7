"""Group fsync: every acknowledged write waited for an fsync that began after its commit, one
fsync serves many writers, and a failed fsync fails every write after it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from stemma.store import group_fsync
from stemma.store.group_fsync import GroupFsync


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "x.db"
    path.with_name("x.db-wal").write_bytes(b"wal")
    return path


def test_each_acknowledgement_follows_an_fsync_begun_after_its_commit(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = iter(range(1, 10**6))
    lock = threading.Lock()
    started: list[int] = []

    def slow_fsync(fd: int) -> None:
        with lock:
            started.append(next(clock))
        time.sleep(0.01)  # writers pile up behind a flush in progress

    monkeypatch.setattr(group_fsync.os, "fsync", slow_fsync)
    syncer = GroupFsync(database)
    syncer._wal_fd()  # open the file (and fsync its directory) before counting
    started.clear()
    problems: list[str] = []

    def writer() -> None:
        for _ in range(20):
            with lock:
                committed = next(clock)
            syncer.sync()
            with lock:
                if not any(tick > committed for tick in started):
                    problems.append(f"acknowledged commit {committed} with no fsync after it")

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    syncer.close()
    assert problems == []
    assert len(started) < 160 / 2, f"{len(started)} fsyncs for 160 writes: no grouping"


def test_a_failed_fsync_fails_every_later_write(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def failing_fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 1:  # the first call flushes the directory
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(group_fsync.os, "fsync", failing_fsync)
    syncer = GroupFsync(database)
    with pytest.raises(OSError):
        syncer.sync()
    monkeypatch.setattr(group_fsync.os, "fsync", lambda fd: None)  # a retry would "succeed"
    for _ in range(3):
        with pytest.raises(OSError, match="could not be flushed"):
            syncer.sync()
    assert syncer.failure is not None
    syncer.close()


def test_a_failing_after_sync_step_never_stops_the_flushes(
    database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def broken_step() -> None:
        calls.append(1)
        raise RuntimeError("cannot start new thread")

    syncer = GroupFsync(database, after_sync=broken_step)
    for _ in range(3):  # each would hang for ever if the first failure had killed the thread
        syncer.request().result(timeout=10)
    syncer.close()
    assert len(calls) == 3
    assert "after-sync step failed" in caplog.text
