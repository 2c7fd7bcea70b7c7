"""Emitting (docs/openlineage.md, "Back out" and "Forwarding"): a server forwarding into another
server's ingest, a forwarding endpoint that is down, ``stemma openlineage export`` and
``stemma openlineage token``; the round trips must reproduce the graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stemma.openlineage.token import make_token
from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Server
from tests.openlineage.support import dataset, new_run_id, post, run_event, token
from tests.openlineage.test_ingest import _artifact_arn, _graph

REGION = "us-east-1"


def _record(sm: Any, server: Server) -> None:
    """A small mixed graph: SageMaker entities through boto3, a dbt-like run through ingest."""
    run_id = new_run_id()
    table = dataset("duckdb:///tmp/w.duckdb", "w.main.orders")
    post(
        server.url,
        run_event(
            "START", run_id, inputs=[dataset("s3://lake", "raw/orders.csv")], outputs=[table]
        ),
        token(REGION),
    )
    post(
        server.url,
        run_event(
            "COMPLETE",
            run_id,
            inputs=[dataset("s3://lake", "raw/orders.csv")],
            outputs=[table],
            time="2026-11-01T10:05:00Z",
        ),
        token(REGION),
    )
    features = _artifact_arn(sm, "duckdb:///tmp/w.duckdb/w.main.orders")  # dbt made it
    train = sm.create_action(
        ActionName="train-1",
        ActionType="TrainingJob",
        Status="Completed",
        Source={"SourceUri": "arn:aws:sagemaker:us-east-1:123456789012:training-job/t1"},
        Properties={"lr": "0.1"},
    )["ActionArn"]
    model = sm.create_artifact(
        ArtifactType="Model",
        Source={
            "SourceUri": "s3://models/m1.tar.gz",
            "SourceTypes": [{"SourceIdType": "Custom", "Value": "v1"}],
        },
        Tags=[{"Key": "team", "Value": "ml"}],
    )["ArtifactArn"]
    endpoint = sm.create_context(
        ContextName="churn-endpoint",
        ContextType="Endpoint",
        Source={"SourceUri": "arn:endpoint"},
        Description="prod",
    )["ContextArn"]
    sm.add_association(SourceArn=features, DestinationArn=train, AssociationType="ContributedTo")
    sm.add_association(SourceArn=train, DestinationArn=model, AssociationType="Produced")
    sm.add_association(SourceArn=model, DestinationArn=endpoint, AssociationType="ContributedTo")


def _wait_for(check: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def test_forwarding_reproduces_the_graph(start_server: Callable[..., Server]) -> None:
    target = start_server()
    source = start_server("--openlineage-url", target.url, "--openlineage-api-key", token(REGION))
    sm_a, sm_b = source.client(REGION), target.client(REGION)
    _record(sm_a, source)
    expected = _graph(sm_a)
    _wait_for(lambda: _graph(sm_b) == expected)
    assert len(expected["edges"]) == 6 and len(expected["actions"]) == 2


def test_a_dead_forwarding_endpoint_never_slows_the_api(
    start_server: Callable[..., Server],
) -> None:
    server = start_server("--openlineage-url", "http://127.0.0.1:9", "--openlineage-queue", "5")
    sm = server.client(REGION)
    started = time.monotonic()
    for i in range(20):
        sm.create_artifact(ArtifactType="DataSet", Source={"SourceUri": f"s3://b/{i}"})
    assert time.monotonic() - started < 10
    assert len(sm.list_artifacts(MaxResults=50)["ArtifactSummaries"]) == 20
    _wait_for(lambda: "openlineage forwarder: backlog" in server.log())
    assert "dropped" in server.log()


def test_export_to_a_file_round_trips(start_server: Callable[..., Server], tmp_path: Path) -> None:
    source, target = start_server(), start_server()
    sm_a = source.client(REGION)
    _record(sm_a, source)
    out = tmp_path / "events.ndjson"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "stemma",
            "openlineage",
            "export",
            "--db",
            source.db_url,
            "--data-dir",
            str(source.data_dir),
            "--account-id",
            "123456789012",
            "--region",
            REGION,
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in out.read_text().splitlines()]
    kinds = sorted("run" if "run" in e else "job" if "job" in e else "dataset" for e in events)
    assert kinds == ["job", "job", "run", "run"]  # raw, table, model travel in those
    assert "2 events" not in done.stderr and "0 edges have no OpenLineage form" in done.stderr
    for event in reversed(events):  # any order
        status, answer = post(target.url, event, token(REGION))
        assert status == 201, answer
    assert _graph(target.client(REGION)) == _graph(sm_a)


def test_export_around_an_arn_and_to_a_url(start_server: Callable[..., Server]) -> None:
    source, target = start_server(), start_server()
    sm = source.client(REGION)
    a = sm.create_artifact(ArtifactType="DataSet", Source={"SourceUri": "s3://x/a"})["ArtifactArn"]
    sm.create_artifact(ArtifactType="DataSet", Source={"SourceUri": "s3://x/unrelated"})
    act = sm.create_action(ActionName="step", ActionType="Processing", Source={"SourceUri": "s"})[
        "ActionArn"
    ]
    sm.add_association(SourceArn=a, DestinationArn=act, AssociationType="ContributedTo")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "stemma",
            "openlineage",
            "export",
            "--db",
            source.db_url,
            "--data-dir",
            str(source.data_dir),
            "--account-id",
            "123456789012",
            "--region",
            REGION,
            "--arn",
            act,
            "--url",
            target.url,
            "--api-key",
            token(REGION),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    sm_b = target.client(REGION)
    assert [x["ArtifactArn"] for x in sm_b.list_artifacts()["ArtifactSummaries"]] == [a]
    assert sm_b.list_associations()["AssociationSummaries"][0]["DestinationArn"] == act


def test_token_command(start_server: Callable[..., Server]) -> None:
    server = start_server()
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "stemma",
            "openlineage",
            "token",
            "--data-dir",
            str(server.data_dir),
            "--db",
            server.db_url,
            "--access-key-id",
            ACCESS_KEY_ID,
            "--region",
            "eu-west-1",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == make_token(ACCESS_KEY_ID, SECRET_ACCESS_KEY, "eu-west-1")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("STEMMA_")}
