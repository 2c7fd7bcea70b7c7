"""Racing creates from many threads at once, for uniqueness checks under concurrency."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from botocore.exceptions import ClientError

from tests.conftest import Server


def race(server: Server, region: str, names: list[str]) -> tuple[list[str], list[ClientError]]:
    """Create ``names`` at the same instant, one thread and one client each."""
    clients = [server.client(region) for _ in names]
    barrier = threading.Barrier(len(names))
    created: list[str] = []
    refused: list[ClientError] = []
    lock = threading.Lock()

    def attempt(client: Any, name: str) -> None:
        barrier.wait()
        try:
            arn = client.create_context(
                ContextName=name, Source={"SourceUri": name}, ContextType="Race"
            )["ContextArn"]
        except ClientError as exc:
            with lock:
                refused.append(exc)
        else:
            with lock:
                created.append(arn)

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(clients, names, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return created, refused


def assert_exactly_one_admitted(server: Server, names: list[str]) -> None:
    region = f"r{uuid.uuid4().hex[:12]}"
    created, refused = race(server, region, names)
    assert len(created) == 1, created
    assert len(refused) == len(names) - 1
    for error in refused:
        assert error.response["Error"]["Code"] == "ValidationException"
        assert "already exists" in error.response["Error"]["Message"]
    sm = server.client(region)
    listed = sm.list_contexts()["ContextSummaries"]
    assert [s["ContextArn"] for s in listed] == created
    # The winner's own values were stored, not a mix of several requests.
    winner = sm.describe_context(ContextName=created[0])
    assert winner["Source"]["SourceUri"] == winner["ContextName"]
