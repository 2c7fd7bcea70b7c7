"""``stemma backup``: an online copy of a SQLite store, taken while a server writes, that a
server then serves as it was; PostgreSQL stores are pointed at pg_dump."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from stemma.cli import main
from tests.conftest import Server, launch


def test_backup_while_writing_restores(
    start_server: Callable[..., Server], tmp_path: Path, region: str
) -> None:
    server = start_server()
    if not server.db_url.startswith("sqlite"):
        assert main(["backup", "--db", server.db_url, str(tmp_path / "x.db")]) == 1
        return
    sm = server.client(region)
    for i in range(20):
        sm.create_context(ContextName=f"c{i}", Source={"SourceUri": "s3://c"}, ContextType="T")
    stop = threading.Event()

    def write() -> None:
        for i in range(500):  # bounded
            if stop.is_set():
                return
            sm.create_context(ContextName=f"w{i}", Source={"SourceUri": "s3://w"}, ContextType="T")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        copy = tmp_path / "restore" / "stemma.db"
        copy.parent.mkdir()
        assert main(["backup", "--data-dir", str(server.data_dir), str(copy)]) == 0
    finally:
        stop.set()
        writer.join()
    (copy.parent / "master.key").write_bytes((server.data_dir / "master.key").read_bytes())
    restored = launch(copy.parent)
    try:
        names = [
            c["ContextName"]
            for page in restored.client(region).get_paginator("list_contexts").paginate()
            for c in page["ContextSummaries"]
        ]
    finally:
        restored.stop()
    assert {f"c{i}" for i in range(20)} <= set(names)
    written = sorted(int(n[1:]) for n in names if n.startswith("w"))
    assert written == list(range(len(written)))  # a consistent prefix of the writes
