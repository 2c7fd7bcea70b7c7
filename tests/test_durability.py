"""What survives restarts and crashes, and what concurrency cannot break (§4.2, D26, D30).

Each test runs its own ``stemma serve`` subprocess(es) on a private data directory.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from tests.awsjson import expect_error, message
from tests.concurrency import assert_exactly_one_admitted
from tests.conftest import Server


def new_region() -> str:
    return f"d{uuid.uuid4().hex[:12]}"


def strip(response: dict[str, Any]) -> dict[str, Any]:
    response.pop("ResponseMetadata", None)
    return response


def test_everything_survives_a_restart(start_server: Callable[..., Server], tmp_path: Path) -> None:
    data_dir = tmp_path / "restart"
    first = start_server(data_dir=data_dir)
    region = new_region()
    sm = first.client(region)
    arns = []
    for i in range(5):
        arns.append(
            sm.create_context(
                ContextName=f"Keep-{i}",
                Source={"SourceUri": f"s3://b/{i}", "SourceType": "S3"},
                ContextType="Endpoint",
                Description=f"number {i}",
                Properties={"i": str(i)},
                Tags=[{"Key": "n", "Value": str(i)}],
            )["ContextArn"]
        )
        time.sleep(0.002)
    sm.update_context(ContextName="Keep-1", Properties={"extra": "x"}, PropertiesToRemove=["i"])
    sm.add_tags(ResourceArn=arns[2], Tags=[{"Key": "added", "Value": "later"}])
    sm.delete_context(ContextName="Keep-4")
    before = {arn: strip(sm.describe_context(ContextName=arn)) for arn in arns[:4]}
    tags_before = {arn: sm.list_tags(ResourceArn=arn)["Tags"] for arn in arns[:4]}
    page = sm.list_contexts(MaxResults=2)
    first.stop()

    second = start_server(data_dir=data_dir)
    sm = second.client(region)
    for arn in arns[:4]:
        assert strip(sm.describe_context(ContextName=arn)) == before[arn]
        assert sm.list_tags(ResourceArn=arn)["Tags"] == tags_before[arn]
    assert before[arns[1]]["Properties"] == {"extra": "x"}
    expect_error("ResourceNotFound", sm.describe_context, ContextName="Keep-4")
    # A token minted before the restart still continues the listing (tokens are not tied to a
    # process: no per-process hash salt or key).
    rest = sm.list_contexts(MaxResults=10, NextToken=page["NextToken"])["ContextSummaries"]
    seen = [s["ContextArn"] for s in page["ContextSummaries"] + rest]
    assert seen == arns[:4][::-1]
    # The duplicate check and the quota count also survived.
    error = expect_error(
        "ValidationException",
        sm.create_context,
        ContextName="keep-0",
        Source={"SourceUri": "u"},
        ContextType="t",
    )
    assert "already exists" in message(error)


def test_experiments_survive_a_restart(start_server: Callable[..., Server], tmp_path: Path) -> None:
    data_dir = tmp_path / "restart-experiments"
    first = start_server(data_dir=data_dir)
    region = new_region()
    sm = first.client(region)
    sm.create_experiment(ExperimentName="Exp", Tags=[{"Key": "k", "Value": "v"}])
    sm.create_trial(TrialName="Trial", ExperimentName="exp")
    run = sm.create_trial_component(
        TrialComponentName="Run", Parameters={"lr": {"NumberValue": 0.1}}
    )["TrialComponentArn"]
    sm.associate_trial_component(TrialName="trial", TrialComponentName="run")
    sm.update_trial_component(TrialComponentName="run", Status={"PrimaryStatus": "Completed"})
    model = sm.create_artifact(Source={"SourceUri": "s3://m"}, ArtifactType="Model")["ArtifactArn"]
    sm.add_association(SourceArn=run, DestinationArn=model, AssociationType="Produced")
    before = [
        strip(sm.describe_experiment(ExperimentName="exp")),
        strip(sm.describe_trial(TrialName="trial")),
        strip(sm.describe_trial_component(TrialComponentName="run")),
    ]
    first.stop()

    second = start_server(data_dir=data_dir)
    sm = second.client(region)
    assert [
        strip(sm.describe_experiment(ExperimentName="exp")),
        strip(sm.describe_trial(TrialName="trial")),
        strip(sm.describe_trial_component(TrialComponentName="run")),
    ] == before
    members = sm.list_trial_components(ExperimentName="exp")["TrialComponentSummaries"]
    assert [m["TrialComponentArn"] for m in members] == [run]
    lineage = sm.query_lineage(StartArns=[model], Direction="Ascendants")["Vertices"]
    assert [v["Arn"] for v in lineage] == [run]
    assert sm.list_tags(ResourceArn=before[0]["ExperimentArn"])["Tags"] == [
        {"Key": "k", "Value": "v"}
    ]
    # The refusals that memberships cause survived too.
    error = expect_error("ValidationException", sm.delete_trial_component, TrialComponentName="run")
    assert "is associated with trials" in message(error)


def test_kill_9_loses_no_acknowledged_create(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    data_dir = tmp_path / "kill"
    server = start_server(data_dir=data_dir)
    region = new_region()
    client = server.client(region, connect_timeout=2, read_timeout=10)
    acknowledged: list[str] = []
    failures: list[BaseException] = []

    def write_until_the_server_dies() -> None:
        for i in range(100_000):
            try:
                response = client.create_context(
                    ContextName=f"acked-{i}",
                    Source={"SourceUri": "s3://b/k"},
                    ContextType="Endpoint",
                    Tags=[{"Key": "i", "Value": str(i)}],
                )
            except Exception as exc:  # the server was killed under this request
                failures.append(exc)
                return
            acknowledged.append(response["ContextArn"])

    writer = threading.Thread(target=write_until_the_server_dies)
    writer.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 60 and time.monotonic() < deadline and writer.is_alive():
        time.sleep(0.005)
    server.stop(signal.SIGKILL)
    writer.join(20)
    assert not writer.is_alive()
    assert failures, "the writer should have seen the server die"
    assert len(acknowledged) >= 60
    assert server.process.returncode == -signal.SIGKILL

    restarted = start_server(data_dir=data_dir)
    sm = restarted.client(region)
    for i, arn in enumerate(acknowledged):
        described = sm.describe_context(ContextName=arn)
        assert described["ContextName"] == f"acked-{i}"
        assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "i", "Value": str(i)}]
    stored = sm.get_paginator("list_contexts").paginate().build_full_result()["ContextSummaries"]
    # At most the one create in flight at the kill may have committed without an answer.
    assert len(acknowledged) <= len(stored) <= len(acknowledged) + 1
    # The store is healthy after the crash: writes work again.
    sm.create_context(ContextName="after-crash", Source={"SourceUri": "u"}, ContextType="t")


def test_concurrent_creates_of_one_name_admit_exactly_one(server: Server) -> None:
    names = ["Race", "race", "RACE", "rAcE", "RaCe", "Race", "race", "RACe"]
    for _ in range(3):
        assert_exactly_one_admitted(server, names)


def test_concurrent_updates_are_all_applied(server: Server) -> None:
    """D31: writes are serialized, so no merge of Properties is lost and none conflicts."""
    sm = server.client(new_region())
    sm.create_context(ContextName="Shared", Source={"SourceUri": "u"}, ContextType="t")
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def update(i: int) -> None:
        client = server.client(sm.meta.region_name)
        barrier.wait()
        try:
            client.update_context(ContextName="shared", Properties={f"k{i}": str(i)})
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=update, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    properties = sm.describe_context(ContextName="Shared")["Properties"]
    assert properties == {f"k{i}": str(i) for i in range(8)}


def test_concurrent_deletes_of_one_context_succeed_once(server: Server) -> None:
    region = new_region()
    sm = server.client(region)
    arn = sm.create_context(ContextName="Once", Source={"SourceUri": "u"}, ContextType="t")[
        "ContextArn"
    ]
    clients = [server.client(region) for _ in range(8)]
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def delete(client: Any) -> None:
        barrier.wait()
        try:
            outcomes.append(client.delete_context(ContextName="once")["ContextArn"])
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    threads = [threading.Thread(target=delete, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == sorted([arn] + ["ResourceNotFound"] * 7)
