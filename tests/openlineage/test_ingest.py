"""POST /api/v1/lineage on a real server, checked through the SageMaker API with boto3
(docs/openlineage.md): the mapping, identity, order independence, facets, and refusals."""

from __future__ import annotations

import hashlib
import json
import socket
from typing import Any

from stemma.openlineage.mapping import context_name
from tests.conftest import Server
from tests.openlineage.support import (
    dataset,
    facet,
    new_run_id,
    post,
    run_event,
    token,
)

RAW = dataset("s3://lake", "raw/orders.csv")
TABLE = dataset("duckdb:///tmp/warehouse.duckdb", "warehouse.main.orders")


def _artifact_arn(sm: Any, uri: str) -> str:
    canonical = json.dumps({"SourceUri": uri, "SourceTypes": []}, separators=(",", ":"))
    digest = hashlib.md5(canonical.encode()).hexdigest()
    return f"arn:aws:sagemaker:{sm.meta.region_name}:123456789012:artifact/{digest}"


def _graph(sm: Any) -> dict[str, Any]:
    """Everything in the test's region, without times and ARN-carried regions."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {
            k: v
            for k, v in d.items()
            if k not in ("CreationTime", "LastModifiedTime", "ResponseMetadata", "LineageGroupArn")
        }

    arts = [
        clean(sm.describe_artifact(ArtifactArn=a["ArtifactArn"]))
        for a in sm.list_artifacts()["ArtifactSummaries"]
    ]
    acts = [
        clean(sm.describe_action(ActionName=a["ActionName"]))
        for a in sm.list_actions()["ActionSummaries"]
    ]
    ctxs = [
        clean(sm.describe_context(ContextName=c["ContextName"]))
        for c in sm.list_contexts()["ContextSummaries"]
    ]
    edges = sorted(
        (e["SourceArn"], e["DestinationArn"], e.get("AssociationType"))
        for e in sm.list_associations(MaxResults=100)["AssociationSummaries"]
    )
    key = lambda d: json.dumps(d, sort_keys=True, default=str)  # noqa: E731
    return {
        "artifacts": sorted(arts, key=key),
        "actions": sorted(acts, key=key),
        "contexts": sorted(ctxs, key=key),
        "edges": edges,
    }


def test_a_run_becomes_an_action_between_its_datasets(server: Server, sm: Any, region: str) -> None:
    run_id = new_run_id()
    start = run_event("START", run_id, inputs=[RAW], outputs=[TABLE])
    status, answer = post(server.url, start, token(region))
    assert status == 201, answer
    assert answer["applied"]["artifacts"] == 2 and answer["applied"]["associations"] == 3
    complete = run_event(
        "COMPLETE", run_id, inputs=[RAW], outputs=[TABLE], time="2026-11-01T10:05:00Z"
    )
    assert post(server.url, complete, token(region))[0] == 201

    actions = sm.list_actions()["ActionSummaries"]
    assert len(actions) == 1
    action = sm.describe_action(ActionName=actions[0]["ActionName"])
    assert action["ActionName"] == f"jaffle-orders-{run_id}"
    assert action["Status"] == "Completed"
    assert action["Properties"]["openlineage.runId"] == run_id
    assert action["Properties"]["openlineage.startedAt"] == "2026-11-01T10:00:00.000Z"
    assert action["Properties"]["openlineage.endedAt"] == "2026-11-01T10:05:00Z"
    table = sm.describe_artifact(
        ArtifactArn=_artifact_arn(sm, "duckdb:///tmp/warehouse.duckdb/warehouse.main.orders")
    )
    assert table["ArtifactType"] == "DataSet"
    assert table["Properties"]["openlineage.name"] == "warehouse.main.orders"
    job = sm.describe_context(ContextName=context_name("dbt://warehouse", "jaffle.orders"))
    assert job["ContextType"] == "Job"
    upstream = sm.query_lineage(
        StartArns=[table["ArtifactArn"]], Direction="Ascendants", IncludeEdges=True, MaxDepth=5
    )
    found = {v["Arn"] for v in upstream["Vertices"]}
    assert _artifact_arn(sm, "s3://lake/raw/orders.csv") in found
    assert job["ContextArn"] in found
    assert action["ActionArn"] in found


def test_complete_before_start_ends_in_the_same_state(server: Server, sm: Any) -> None:
    run_id = new_run_id()
    events = [
        run_event(
            "START",
            run_id,
            inputs=[RAW],
            outputs=[TABLE],
            run_facets={"nominalTime": facet(nominalStartTime="2026-11-01T10:00:00Z")},
        ),
        run_event(
            "COMPLETE",
            run_id,
            inputs=[RAW],
            outputs=[TABLE],
            time="2026-11-01T10:05:00Z",
            job_facets={
                "jobType": facet(processingType="BATCH", integration="DBT", jobType="MODEL")
            },
        ),
    ]
    graphs = []
    for order in (events, events[::-1], [events[1], events[0], events[1]]):
        region = f"r{new_run_id()[:8]}"
        client = server.client(region)
        for event in order:
            status, answer = post(server.url, event, token(region))
            assert status == 201, answer
        graph = json.dumps(_graph(client), sort_keys=True, default=str).replace(region, "R")
        graphs.append(graph)
    assert graphs[0] == graphs[1] == graphs[2]
    assert '"Status": "Completed"' in graphs[0] and '"ActionType": "MODEL"' in graphs[0]


def test_one_dataset_from_two_producers_and_boto3_is_one_artifact(
    server: Server, sm: Any, region: str
) -> None:
    arn = sm.create_artifact(
        ArtifactType="DataSet",
        Source={"SourceUri": "s3://lake/raw/orders.csv"},
        Properties={"owner": "ml"},
    )["ArtifactArn"]
    post(server.url, run_event("COMPLETE", new_run_id(), outputs=[RAW]), token(region))
    other = run_event("COMPLETE", new_run_id(), job=("airflow://prod", "ingest"), inputs=[RAW])
    post(server.url, other, token(region))
    artifacts = sm.list_artifacts()["ArtifactSummaries"]
    assert [a["ArtifactArn"] for a in artifacts] == [arn]
    described = sm.describe_artifact(ArtifactArn=arn)
    assert described["Properties"]["owner"] == "ml"  # the user's property stays
    assert described["Properties"]["openlineage.namespace"] == "s3://lake"
    assert len(sm.list_actions()["ActionSummaries"]) == 2


def test_facets_find_their_homes_within_the_limits(server: Server, sm: Any, region: str) -> None:
    run_id = new_run_id()
    extra = {f"custom{i:02d}": facet(value=i) for i in range(40)}
    table = dataset(
        "s3://lake",
        "marts/orders",
        schema=facet(
            fields=[{"name": "id", "type": "INTEGER"}, {"name": "total", "type": "DOUBLE"}]
        ),
        version=facet(datasetVersion="v7"),
        tags=facet(tags=[{"key": "pii", "value": "no", "source": "dbt"}]),
    )
    event = run_event(
        "FAIL",
        run_id,
        outputs=[table],
        run_facets={
            "errorMessage": facet(message="x" * 5000, programmingLanguage="python"),
            **extra,
        },
        job_facets={
            "documentation": facet(description="Builds orders."),
            "sql": facet(query="select 1"),
        },
    )
    status, answer = post(server.url, event, token(region))
    assert status == 201, answer
    action = sm.describe_action(ActionName=f"jaffle-orders-{run_id}")
    assert action["Status"] == "Failed"
    props = action["Properties"]
    assert len(props) == 30
    assert len(props["openlineage.errorMessage"]) == 2500 and props[
        "openlineage.errorMessage"
    ].endswith("…")
    assert props["openlineage.errorLanguage"] == "python"
    assert "openlineage.facet.custom00" in props and "openlineage.facet.custom39" not in props
    arn = _artifact_arn(sm, "s3://lake/marts/orders")
    artifact = sm.describe_artifact(ArtifactArn=arn)
    assert artifact["Properties"]["openlineage.schema"] == "id:INTEGER,total:DOUBLE"
    assert artifact["Properties"]["openlineage.version"] == "v7"
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "pii", "Value": "no"}]
    job = sm.describe_context(ContextName=context_name("dbt://warehouse", "jaffle.orders"))
    assert job["Description"] == "Builds orders."
    assert job["Properties"]["openlineage.sql"] == "select 1"


def test_parent_run_job_and_dataset_events(server: Server, sm: Any, region: str) -> None:
    parent_id, child_id = new_run_id(), new_run_id()
    parent = facet(
        run={"runId": parent_id}, job={"namespace": "dbt://warehouse", "name": "dbt-run-jaffle"}
    )
    post(server.url, run_event("START", child_id, run_facets={"parent": parent}), token(region))
    child_arn = sm.describe_action(ActionName=f"jaffle-orders-{child_id}")["ActionArn"]
    up = sm.query_lineage(StartArns=[child_arn], Direction="Ascendants", MaxDepth=3)
    found = {v["Arn"].rsplit("/", 1)[1] for v in up["Vertices"]}
    assert f"dbt-run-jaffle-{parent_id}" in found
    assert context_name("dbt://warehouse", "dbt-run-jaffle").lower() in found

    job_event = {
        "eventTime": "2026-11-01T10:00:00Z",
        "producer": "p",
        "schemaURL": "s",
        "job": {"namespace": "ns", "name": "static-job"},
        "inputs": [RAW],
        "outputs": [TABLE],
    }
    assert post(server.url, job_event, token(region))[0] == 201
    dataset_event = {
        "eventTime": "2026-11-01T10:00:00Z",
        "producer": "p",
        "schemaURL": "s",
        "dataset": dataset("file", "/data/x.csv"),
    }
    assert post(server.url, dataset_event, token(region))[0] == 201
    sm.describe_artifact(ArtifactArn=_artifact_arn(sm, "file:///data/x.csv"))
    edges = sm.list_associations(
        DestinationArn=sm.describe_context(ContextName=context_name("ns", "static-job"))[
            "ContextArn"
        ]
    )["AssociationSummaries"]
    assert [e["AssociationType"] for e in edges] == ["ContributedTo"]


def test_refusals_change_nothing(server: Server, sm: Any, region: str) -> None:
    good = run_event("START", new_run_id(), outputs=[TABLE])
    status, answer = post(server.url, good, None)
    assert status == 401 and answer["error"] == "InvalidToken"
    status, answer = post(server.url, good, token(region)[:-2] + "xx")
    assert status == 401 and "signature" in answer["message"]
    status, answer = post(server.url, good, "stol1.NOSUCHKEY.us-east-1.abc")
    assert status == 401
    status, answer = post(server.url, None, token(region), raw=b"{not json")
    assert status == 400 and answer["error"] == "InvalidEvent"
    bad = {
        "eventTime": "yesterday",
        "run": {"runId": "nope"},
        "job": {"namespace": ""},
        "outputs": [{"name": "x"}],
    }
    status, answer = post(server.url, bad, token(region))
    assert status == 400
    assert {p.split(":")[0] for p in answer["problems"]} >= {
        "eventTime",
        "producer",
        "schemaURL",
        "run.runId",
        "job.namespace",
        "job.name",
        "outputs[0].namespace",
    }
    # Refused by its declared size, before the body is even sent.
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /api/v1/lineage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {token(region)}\r\n".encode()
            + b"Content-Length: 2000000\r\n\r\n{"
        )
        answer_bytes = conn.recv(65536)
    assert answer_bytes.startswith(b"HTTP/1.1 413") and b"EventTooLarge" in answer_bytes
    assert sm.list_artifacts()["ArtifactSummaries"] == []
    assert sm.list_actions()["ActionSummaries"] == []
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(f"{server.url}/api/v1/lineage", timeout=10)
        raise AssertionError("GET was accepted")
    except urllib.error.HTTPError as exc:
        assert exc.code == 405
