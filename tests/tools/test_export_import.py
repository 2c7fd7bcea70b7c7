"""Export and import on both stores: round trips compared through the API and record by record,
idempotence and conflicts, interrupted and rerun imports, bad streams, and a consistent
snapshot taken while a server writes."""

from __future__ import annotations

import gzip
import io
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stemma.cli import main
from stemma.store import open_store
from stemma.store.contract import Association, Entity, Ref, Scope, Store
from stemma.store.sql import dump as dump_module
from stemma.tools import records
from stemma.tools.export import export
from stemma.tools.load import ImportFailed, import_stream
from tests.conftest import BACKENDS, SQLITE, Backend, Server, launch
from tests.tools.support import api_view, populate

ACCOUNT = "123456789012"


BODY = {"Source": {"SourceUri": "s3://x"}, "Properties": {}}  # as CreateContext stores it


def _export_bytes(store: Store, scope: Scope | None = None) -> bytes:
    out = io.BytesIO()
    export(store, out, scope)
    return out.getvalue()


def _body(stream: bytes) -> list[bytes]:
    """The records of a stream without its header, for comparing two exports."""
    return stream.splitlines()[1:]


@pytest.fixture
def source(start_server: Callable[..., Server], region: str) -> Server:
    server = start_server()
    populate(server, region)
    return server


@pytest.fixture
def target(backend: Backend, tmp_path: Path) -> Iterator[Store]:
    store = open_store(backend.db_url(tmp_path / "target"))
    yield store
    store.close()


def test_round_trip_is_exact_and_idempotent(source: Server, target: Store, tmp_path: Path) -> None:
    path = tmp_path / "export.ndjson.gz"
    assert main(["export", "--db", source.db_url, "-o", str(path)]) == 0
    with gzip.open(path) as handle:
        first = handle.readline()
    assert records.parse(first)["version"] == records.VERSION
    report = import_stream(target, io.BytesIO(gzip.decompress(path.read_bytes())))
    assert report.result.loaded["entity"] == 3 + 1 + 1 + 1 + 1 + 2
    assert report.result.loaded["association"] == 4
    assert report.result.loaded["point"] == 7
    again = import_stream(
        target, io.BytesIO(gzip.decompress(path.read_bytes()))
    )  # idempotent: nothing changes
    assert not again.result.loaded and not again.result.conflicts
    assert again.result.unchanged["entity"] == 9
    source_store = open_store(source.db_url, migrate=False)
    try:
        assert _body(_export_bytes(target)) == _body(_export_bytes(source_store))
    finally:
        source_store.close()


@pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL not under test")
def test_sqlite_to_postgres_to_sqlite_through_the_api(tmp_path: Path, region: str) -> None:
    source = launch(tmp_path / "source")
    servers: list[Server] = [source]
    postgres = Backend("postgres")
    try:
        populate(source, region)
        expected = api_view(source, region)
        stream = tmp_path / "a.ndjson"
        assert main(["export", "--db", source.db_url, "-o", str(stream)]) == 0
        pg_dir = tmp_path / "pg"
        assert main(["import", "--db", postgres.db_url(pg_dir), str(stream)]) == 0
        servers.append(launch(pg_dir, backend=postgres))
        assert api_view(servers[1], region) == expected
        back = tmp_path / "b.ndjson.gz"
        assert main(["export", "--db", postgres.db_url(pg_dir), "-o", str(back)]) == 0
        lite_dir = tmp_path / "lite"
        assert main(["import", "--db", SQLITE.db_url(lite_dir), str(back)]) == 0
        servers.append(launch(lite_dir))
        assert api_view(servers[2], region) == expected
    finally:
        for server in servers:
            server.stop()
        postgres.drop_all()


def test_conflicts_fail_skip_or_overwrite(source: Server, target: Store) -> None:
    source_store = open_store(source.db_url, migrate=False)
    stream = _export_bytes(source_store)
    source_store.close()
    import_stream(target, io.BytesIO(stream))
    scope = Scope(ACCOUNT, records.parse(stream.splitlines()[1])["region"])

    def change(entity: Entity) -> Entity:
        entity.body["Description"] = "changed"
        return entity

    target.update_entity(scope, "context", "ctx-001", change)
    line = next(n for n, raw in enumerate(stream.splitlines(), 1) if b'"id":"ctx-001"' in raw)
    with pytest.raises(ImportFailed) as failed:
        import_stream(target, io.BytesIO(stream))
    assert failed.value.line == line
    assert "context ctx-001 exists in the target with different content" in str(failed.value)
    skipped = import_stream(target, io.BytesIO(stream), on_conflict="skip")
    assert skipped.result.conflicts["entity"] == 1
    assert target.get_entity(scope, "context", "ctx-001").body["Description"] == "changed"  # type: ignore[union-attr]
    import_stream(target, io.BytesIO(stream), on_conflict="overwrite")
    assert _body(_export_bytes(target)) == _body(stream)


def test_interrupted_import_reruns_to_the_same_store(
    backend: Backend, tmp_path: Path, target: Store
) -> None:
    scope = Scope(ACCOUNT, "us-west-2")
    source = open_store(backend.db_url(tmp_path / "source"))
    try:
        entities = [
            Entity(
                "artifact",
                f"{i:032x}",
                None,
                "Model",
                f"s3://m/{i}",
                {"Source": {"SourceUri": f"s3://m/{i}", "SourceTypes": []}, "Properties": {}},
                1000 + i,
                2000 + i,
            )
            for i in range(300)
        ]
        edges = [
            Association(Ref("artifact", f"{i:032x}"), Ref("artifact", f"{i + 1:032x}"), None, 7)
            for i in range(299)
        ]
        source.bulk_load(scope, iter(entities), iter(edges))
        stream = _export_bytes(source)
    finally:
        source.close()
    cut = stream[: len(stream) // 2 + 17]  # mid-line, in the associations
    with pytest.raises(ImportFailed) as failed:
        import_stream(target, io.BytesIO(cut), batch_records=100)
    assert "truncated" in failed.value.reason
    assert failed.value.line == cut.count(b"\n") + 1
    partial = _export_bytes(target).splitlines()
    loaded = len(partial) - 3  # header, scope record, end record
    assert loaded % 100 == 0  # whole batches only: the failed one left nothing behind
    assert partial[2 : 2 + loaded] == stream.splitlines()[2 : 2 + loaded]
    report = import_stream(target, io.BytesIO(stream), batch_records=100)
    assert report.result.unchanged["entity"] + report.result.unchanged["association"] == loaded
    assert _body(_export_bytes(target)) == _body(stream)


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (lambda s: s.replace(b'"version":1', b'"version":2', 1), 1, "format version 2 is newer"),
        (lambda s: s.replace(b'{"type":"entity"', b'{"type":"entity",', 1), 3, "not JSON"),
        (lambda s: s.replace(b'"kind":"context"', b'"kind":"bogus"', 1), 3, "unknown entity kind"),
        (lambda s: s.rsplit(b"\n", 2)[0] + b"\n", None, "without its end record"),
        (
            lambda s: s.replace(b'"name":"C"', b'"name":"C!"', 1),
            3,
            "not valid for the service model: context c: 1 validation error detected: "
            "Value 'C!' at 'contextName' failed to satisfy constraint",
        ),
        (
            lambda s: s.replace(b'"Properties":{}', b'"Properties":[]', 1),
            3,
            "not valid for the service model: context c: Expected a JSON object at 'Properties'",
        ),
    ],
)
def test_bad_streams_stop_at_their_line(
    backend: Backend,
    tmp_path: Path,
    target: Store,
    change: Callable[[bytes], bytes],
    line: int | None,
    reason: str,
) -> None:
    source = open_store(backend.db_url(tmp_path / "source"))
    scope = Scope(ACCOUNT, "eu-west-1")
    body = {"Source": {"SourceUri": "s3://c"}, "Properties": {}}
    source.bulk_load(
        scope, iter([Entity("context", "c", "C", "T", "s3://c", body, 1, 1)]), iter(())
    )
    stream = _export_bytes(source)
    source.close()
    with pytest.raises(ImportFailed) as failed:
        import_stream(target, io.BytesIO(change(stream)))
    assert reason in str(failed.value)
    if line is not None:
        assert failed.value.line == line
    assert target.get_entity(scope, "context", "c") is None


def test_export_while_a_server_writes_is_one_snapshot(
    start_server: Callable[..., Server], region: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_server()
    sm = server.client(region)
    store = open_store(server.db_url, migrate=False)
    # Rows of an earlier scope to read first, in small pages, slowly, while the writer writes.
    store.bulk_load(
        Scope(ACCOUNT, "a-first"),
        iter(
            [
                Entity("context", f"c{i:04d}", f"C{i:04d}", "T", "s3://x", BODY, 1, 1)
                for i in range(400)
            ]
        ),
        iter(()),
    )
    monkeypatch.setattr(dump_module, "PAGE", 20)
    written = [0]
    stop = threading.Event()

    def write() -> None:
        previous = None
        while not stop.is_set() and written[0] < 2000:  # bounded
            arn = sm.create_context(
                ContextName=f"w{written[0]:05d}", Source={"SourceUri": "s3://w"}, ContextType="T"
            )["ContextArn"]
            if previous is not None:
                sm.add_association(SourceArn=previous, DestinationArn=arn)
            previous = arn
            written[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written[0] < 5:
            time.sleep(0.01)
        before = written[0]
        rows = []
        for row in store.dump(None):
            rows.append(row)
            time.sleep(0.002)
        during = written[0] - before
    finally:
        stop.set()
        writer.join()
        store.close()
    assert during > 0, "the writer made no progress during the export"
    names = sorted(r.entity.id for r in rows if hasattr(r, "entity") and r.entity.id[0] == "w")
    assert names == [f"w{i:05d}" for i in range(len(names))]  # a prefix: nothing torn
    edges = [r for r in rows if isinstance(r, Association)]
    ids = set(names)
    assert all(e.source.id in ids and e.destination.id in ids for e in edges)
    assert len(edges) in (len(names) - 1, len(names) - 2) or len(names) < 2
