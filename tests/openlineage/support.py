"""Helpers for the OpenLineage tests: events as producers write them, and posting them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from stemma.openlineage.token import make_token
from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY

PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python"
SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def token(region: str) -> str:
    return make_token(ACCESS_KEY_ID, SECRET_ACCESS_KEY, region)


def post(url: str, body: Any, bearer: str | None, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/api/v1/lineage", data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    if bearer is not None:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def dataset(namespace: str, name: str, **facets: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": facets}


def run_event(
    event_type: str,
    run_id: str,
    job: tuple[str, str] = ("dbt://warehouse", "jaffle.orders"),
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    time: str = "2026-11-01T10:00:00.000Z",
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SCHEMA,
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": job[0], "name": job[1], "facets": job_facets or {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }


def facet(**members: Any) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/x.json",
        **members,
    }


def new_run_id() -> str:
    return str(uuid.uuid4())
