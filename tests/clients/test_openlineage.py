"""OpenLineage's own tools against stemma (docs/openlineage.md): the openlineage-python client's
HTTP transport sends events in; dbt-ol (openlineage-dbt) on dbt-duckdb runs the example project
into stemma, and boto3's QueryLineage from a model trained on a dbt table finds the dbt models and
sources; stemma's emitted events parse with openlineage-python's event classes; and a round trip
(stemma A exporting into stemma B's ingest) reproduces the graph.

Runs in the ``openlineage`` client venv (scripts/test-clients), which has dbt and OpenLineage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from stemma.openlineage.token import make_token
from tests.clients.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Server, boto_client, launch

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "openlineage_dbt.py"
ACCOUNT = "123456789012"


def _token(region: str) -> str:
    return make_token(ACCESS_KEY_ID, SECRET_ACCESS_KEY, region)


def _run_example(url: str, region: str) -> str:
    env = {**os.environ, "STEMMA_URL": url, "AWS_DEFAULT_REGION": region}
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_python_client_http_transport_sends_events(server: Server, region: str) -> None:
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import (
        InputDataset,
        Job,
        OutputDataset,
        Run,
        RunEvent,
        RunState,
    )
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    config = HttpConfig(url=server.url, auth=ApiKeyTokenProvider({"apiKey": _token(region)}))
    client = OpenLineageClient(transport=HttpTransport(config))
    run = Run(runId=str(uuid.uuid4()))
    job = Job(namespace="airflow://prod", name="daily.load_orders")
    for state, when in (
        (RunState.START, "2026-11-01T10:00:00Z"),
        (RunState.COMPLETE, "2026-11-01T10:09:00Z"),
    ):
        client.emit(
            RunEvent(
                eventType=state,
                eventTime=when,
                run=run,
                job=job,
                producer="https://example.com/airflow",
                inputs=[InputDataset(namespace="s3://lake", name="raw/orders.csv")],
                outputs=[OutputDataset(namespace="postgres://db:5432", name="shop.public.orders")],
            )
        )
    sm = boto_client(server.url, region)
    action = sm.describe_action(ActionName=f"daily-load-orders-{run.runId}")
    assert action["Status"] == "Completed"
    edges = sm.list_associations(SourceArn=action["ActionArn"])["AssociationSummaries"]
    assert [e["AssociationType"] for e in edges] == ["Produced"]
    artifact = sm.describe_artifact(ArtifactArn=edges[0]["DestinationArn"])
    assert artifact["Source"]["SourceUri"] == "postgres://db:5432/shop.public.orders"


def test_dbt_ol_events_are_queryable_from_a_sagemaker_model(server: Server, region: str) -> None:
    out = _run_example(server.url, region)
    sm = boto_client(server.url, region)
    model = next(a for a in sm.list_artifacts(ArtifactType="Model")["ArtifactSummaries"])[
        "ArtifactArn"
    ]
    upstream = sm.query_lineage(StartArns=[model], Direction="Ascendants", MaxDepth=10)
    names = {v["Arn"].rsplit("/", 1)[1]: v for v in upstream["Vertices"]}
    contexts = {n for n, v in names.items() if v["LineageType"] == "Context"}
    assert {c.rsplit("-", 1)[0] for c in contexts} >= {
        "jaffle-main-jaffle-churn-features",
        "jaffle-main-jaffle-stg-orders",
        "jaffle-main-jaffle-stg-customers",
    }
    uris = {
        sm.describe_artifact(ArtifactArn=v["Arn"])["Source"]["SourceUri"].rsplit("/", 1)[1]
        for v in upstream["Vertices"]
        if v["LineageType"] == "Artifact"
    }
    assert uris >= {"jaffle.raw.orders", "jaffle.raw.customers", "jaffle.main.churn_features"}
    assert "churn-train-1" in out and "jaffle.raw.orders" in out


@pytest.fixture
def own_server(tmp_path: Path) -> Any:
    running = launch(tmp_path / "a")
    yield running, tmp_path / "a"
    running.stop()


def _export(data_dir: Path, region: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEMMA_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "stemma",
            "openlineage",
            "export",
            "--data-dir",
            str(data_dir),
            "--account-id",
            ACCOUNT,
            "--region",
            region,
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_emitted_events_parse_with_openlineage_classes(own_server: Any, tmp_path: Path) -> None:
    server, data_dir = own_server
    region = "us-east-1"
    _run_example(server.url, region)
    out = tmp_path / "events.ndjson"
    _export(data_dir, region, "-o", str(out))
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(events) >= 8
    for event in events:
        parsed = _parse(event)
        assert parsed.eventTime == event["eventTime"]
    runs = [e for e in events if "run" in e]
    assert any("parent" in e["run"]["facets"] for e in runs)


def test_a_round_trip_reproduces_the_graph(own_server: Any, tmp_path: Path) -> None:
    server, data_dir = own_server
    region = "us-east-1"
    _run_example(server.url, region)
    target = launch(tmp_path / "b")
    try:
        done = _export(data_dir, region, "--url", target.url, "--api-key", _token(region))
        assert "0 edges have no OpenLineage form" in done.stderr
        assert _graph(boto_client(target.url, region)) == _graph(boto_client(server.url, region))
    finally:
        target.stop()


def _graph(sm: Any) -> dict[str, Any]:
    drop = ("CreationTime", "LastModifiedTime", "ResponseMetadata", "LineageGroupArn")

    def clean(d: dict[str, Any]) -> str:
        return json.dumps({k: v for k, v in d.items() if k not in drop}, sort_keys=True)

    def every(op: str, key: str) -> list[dict[str, Any]]:
        return [x for page in sm.get_paginator(op).paginate() for x in page[key]]

    return {
        "artifacts": sorted(
            clean(sm.describe_artifact(ArtifactArn=a["ArtifactArn"]))
            for a in every("list_artifacts", "ArtifactSummaries")
        ),
        "actions": sorted(
            clean(sm.describe_action(ActionName=a["ActionName"]))
            for a in every("list_actions", "ActionSummaries")
        ),
        "contexts": sorted(
            clean(sm.describe_context(ContextName=c["ContextName"]))
            for c in every("list_contexts", "ContextSummaries")
        ),
        "edges": sorted(
            (e["SourceArn"], e["DestinationArn"], e.get("AssociationType"))
            for e in every("list_associations", "AssociationSummaries")
        ),
    }


def _parse(event: dict[str, Any]) -> Any:
    """An emitted event as openlineage-python's own classes, whose validators check it."""
    from openlineage.client import event_v2
    from openlineage.client.facet_v2 import (
        documentation_job,
        error_message_run,
        job_type_job,
        parent_run,
        schema_dataset,
        tags_dataset,
        tags_job,
        tags_run,
    )

    def members(facet: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in facet.items() if not k.startswith("_")}
        return {**kept, "producer": facet["_producer"]}

    def facets(raw: dict[str, Any]) -> dict[str, Any]:
        built: dict[str, Any] = {}
        for name, facet in raw.items():
            m = members(facet)
            if name == "parent":
                built[name] = parent_run.ParentRunFacet(
                    run=parent_run.Run(**m["run"]),
                    job=parent_run.Job(**m["job"]),
                    producer=m["producer"],
                )
            elif name == "jobType":
                built[name] = job_type_job.JobTypeJobFacet(**m)
            elif name == "documentation":
                built[name] = documentation_job.DocumentationJobFacet(**m)
            elif name == "errorMessage":
                built[name] = error_message_run.ErrorMessageRunFacet(**m)
            elif name == "schema":
                fields = [schema_dataset.SchemaDatasetFacetFields(**f) for f in m["fields"]]
                built[name] = schema_dataset.SchemaDatasetFacet(
                    fields=fields, producer=m["producer"]
                )
            elif name == "tags":
                module, cls = {
                    "TagsDatasetFacet": (tags_dataset, "TagsDatasetFacet"),
                    "TagsJobFacet": (tags_job, "TagsJobFacet"),
                    "TagsRunFacet": (tags_run, "TagsRunFacet"),
                }[facet["_schemaURL"].rsplit("/", 1)[1]]
                tag_cls = getattr(module, f"{cls}Fields")
                built[name] = getattr(module, cls)(
                    tags=[tag_cls(**t) for t in m["tags"]], producer=m["producer"]
                )
            else:  # stemma's sagemaker facet, or any other: a base facet with its members
                from openlineage.client.generated.base import RunFacet

                built[name] = RunFacet(producer=m.pop("producer")).with_additional_properties(**m)
        return built

    def dataset(cls: Any, raw: dict[str, Any]) -> Any:
        return cls(
            namespace=raw["namespace"], name=raw["name"], facets=facets(raw.get("facets") or {})
        )

    common = {"eventTime": event["eventTime"], "producer": event["producer"]}
    if "run" in event:
        return event_v2.RunEvent(
            eventType=event_v2.RunState(event["eventType"]),
            run=event_v2.Run(runId=event["run"]["runId"], facets=facets(event["run"]["facets"])),
            job=dataset(event_v2.Job, event["job"]),
            inputs=[dataset(event_v2.InputDataset, d) for d in event["inputs"]],
            outputs=[dataset(event_v2.OutputDataset, d) for d in event["outputs"]],
            **common,
        )
    if "job" in event:
        return event_v2.JobEvent(
            job=dataset(event_v2.Job, event["job"]),
            inputs=[dataset(event_v2.InputDataset, d) for d in event["inputs"]],
            outputs=[dataset(event_v2.OutputDataset, d) for d in event["outputs"]],
            **common,
        )
    return event_v2.DatasetEvent(
        dataset=dataset(event_v2.StaticDataset, event["dataset"]), **common
    )
