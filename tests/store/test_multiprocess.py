"""Two ``stemma serve`` processes on one database behave as one server (issue 5).

Runs on both backends: two processes may share a SQLite file too. On PostgreSQL a further test
terminates the servers' database connections under load and checks that nothing acknowledged is
lost, that no answer is a 500, and that the servers recover by themselves.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import PG_ADMIN_URL, Backend, Server


def _start_pair(
    start_server: Callable[..., Server], data_dir: Path, *args: str
) -> tuple[Server, Server]:
    first = start_server(*args, data_dir=data_dir)
    second = start_server(*args, data_dir=data_dir)
    assert first.db_url == second.db_url
    return first, second


@pytest.fixture
def pair(start_server: Callable[..., Server], tmp_path: Path) -> tuple[Server, Server]:
    """Two servers on one database, with a context quota of 10."""
    return _start_pair(start_server, tmp_path / "shared", "--quota", "contexts=10")


def _region() -> str:
    return f"m{uuid.uuid4().hex[:12]}"


def _create(client: Any, name: str) -> str:
    arn: str = client.create_context(
        ContextName=name, Source={"SourceUri": f"s3://b/{name}"}, ContextType="T"
    )["ContextArn"]
    return arn


def test_writes_on_one_server_are_read_on_the_other(pair: tuple[Server, Server]) -> None:
    region = _region()
    a, b = pair[0].client(region), pair[1].client(region)
    arns = [_create(a, f"c{i}") for i in range(5)]
    assert b.describe_context(ContextName="c3")["ContextArn"] == arns[3]
    a.add_tags(ResourceArn=arns[0], Tags=[{"Key": "k", "Value": "v"}])
    assert b.list_tags(ResourceArn=arns[0])["Tags"] == [{"Key": "k", "Value": "v"}]

    # A page token minted by one process is valid on the other.
    first_page = a.list_contexts(MaxResults=2, SortOrder="Ascending")
    second_page = b.list_contexts(
        MaxResults=2, SortOrder="Ascending", NextToken=first_page["NextToken"]
    )
    names = [
        s["ContextName"] for s in first_page["ContextSummaries"] + second_page["ContextSummaries"]
    ]
    assert names == ["c0", "c1", "c2", "c3"]

    # A cascade on one process is seen on the other.
    action = b.create_action(ActionName="x", Source={"SourceUri": "u"}, ActionType="T")["ActionArn"]
    b.add_association(SourceArn=arns[1], DestinationArn=action)
    a.delete_context(ContextName="c1")
    assert b.list_associations(DestinationArn=action)["AssociationSummaries"] == []


def _race(clients: list[Any], names: list[str]) -> tuple[list[str], list[ClientError]]:
    barrier = threading.Barrier(len(names))
    created: list[str] = []
    refused: list[ClientError] = []
    lock = threading.Lock()

    def attempt(client: Any, name: str) -> None:
        barrier.wait()
        try:
            arn = _create(client, name)
        except ClientError as exc:
            with lock:
                refused.append(exc)
        else:
            with lock:
                created.append(arn)

    threads = [
        threading.Thread(target=attempt, args=(client, name))
        for client, name in zip(itertools.cycle(clients), names, strict=False)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return created, refused


def test_one_name_created_on_both_servers_admits_exactly_one(pair: tuple[Server, Server]) -> None:
    region = _region()
    clients = [server.client(region) for server in pair for _ in range(10)]
    created, refused = _race(clients, ["Same-Name"] * 20)
    assert len(created) == 1
    assert len(refused) == 19
    for error in refused:
        assert error.response["Error"]["Code"] == "ValidationException"
        assert "already exists" in error.response["Error"]["Message"]


def test_quota_is_exact_across_servers(pair: tuple[Server, Server]) -> None:
    region = _region()
    clients = [server.client(region) for server in pair for _ in range(20)]
    created, refused = _race(clients, [f"q{i}" for i in range(40)])
    assert len(created) == 10
    assert len(refused) == 30
    assert {e.response["Error"]["Code"] for e in refused} == {"ResourceLimitExceeded"}
    listed = pair[1].client(region).list_contexts(MaxResults=100)["ContextSummaries"]
    assert sorted(s["ContextArn"] for s in listed) == sorted(created)


def _terminate_backends(database: str) -> int:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


def test_connections_killed_under_load_lose_nothing(
    start_server: Callable[..., Server], tmp_path: Path, backend: Backend
) -> None:
    if backend.name != "postgres":
        pytest.skip("terminates PostgreSQL backends")
    pair = _start_pair(start_server, tmp_path / "killed", "--quota", "contexts=unlimited")
    region = _region()
    database = pair[0].db_url.rsplit("/", 1)[1]
    acknowledged: list[str] = []
    statuses: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(server: Server, worker: int) -> None:
        client = server.client(region, retries={"max_attempts": 8, "mode": "standard"})
        for i in itertools.count():
            if stop.is_set():
                return
            name = f"w{worker}-{i}"
            try:
                arn = _create(client, name)
            except ClientError as exc:
                status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
                code = exc.response["Error"]["Code"]
                with lock:
                    statuses.append(status)
                # A retried create whose first attempt committed meets itself.
                if code == "ValidationException" and "already exists" in str(exc):
                    arn = client.describe_context(ContextName=name)["ContextArn"]
                else:
                    continue
            with lock:
                acknowledged.append(arn)

    threads = [
        threading.Thread(target=writer, args=(server, n)) for n, server in enumerate([*pair, *pair])
    ]
    for thread in threads:
        thread.start()
    terminated = 0
    try:
        for _ in range(5):
            time.sleep(0.4)
            terminated += _terminate_backends(database)
        time.sleep(0.4)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert terminated > 0, "no connection was terminated"
    assert 500 not in statuses
    assert len(acknowledged) > 20, "too little load to prove anything"

    # The servers recovered by themselves, and every acknowledged create is there.
    check = pair[1].client(region)
    stored = set()
    token: dict[str, str] = {}
    while True:
        page = check.list_contexts(MaxResults=100, **token)
        stored.update(s["ContextArn"] for s in page["ContextSummaries"])
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert set(acknowledged) <= stored
    assert pair[0].client(region).describe_context(ContextName=acknowledged[-1].rsplit("/", 1)[1])
