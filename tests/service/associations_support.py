"""Helpers shared by the association test modules: creating lineage entities, the lineage web the
list and cascade tests run against, listing associations and expecting errors."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import unique


def listed(sm: Any, **kw: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_associations").paginate(**kw):
        items.extend(page["AssociationSummaries"])
    return items


def pairs(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(s["SourceArn"], s["DestinationArn"]) for s in items]


def shout(arn: str) -> str:
    """The same ARN with its resource part upper-cased: ARNs compare case-insensitively."""
    head, tail = arn.rsplit("/", 1)
    return f"{head}/{tail.upper()}"


def new_context(sm: Any, name: str | None = None, context_type: str = "Endpoint") -> str:
    arn: str = sm.create_context(
        ContextName=name or unique("ctx"), Source={"SourceUri": "ep"}, ContextType=context_type
    )["ContextArn"]
    return arn


def new_action(sm: Any, name: str | None = None, action_type: str = "TrainingJob") -> str:
    arn: str = sm.create_action(
        ActionName=name or unique("act"), Source={"SourceUri": "job"}, ActionType=action_type
    )["ActionArn"]
    return arn


def new_artifact(sm: Any, name: str | None = None, artifact_type: str = "Model") -> str:
    kw: dict[str, Any] = {"Source": {"SourceUri": unique("s3://b/")}, "ArtifactType": artifact_type}
    if name is not None:
        kw["ArtifactName"] = name
    arn: str = sm.create_artifact(**kw)["ArtifactArn"]
    return arn


def build_web(sm: Any) -> dict[str, Any]:
    """Two datasets and an image feed a training job that produced a model used by an endpoint."""
    arns = {
        "data1": new_artifact(sm, "Data-One", "DataSet"),
        "data2": new_artifact(sm, None, "DataSet"),
        "image": new_artifact(sm, "Image", "Image"),
        "train": new_action(sm, "Train", "TrainingJob"),
        "model": new_artifact(sm, "Model", "Model"),
        "deploy": new_action(sm, "Deploy", "ModelDeployment"),
        "endpoint": new_context(sm, "Endpoint", "Endpoint"),
    }
    edges = [
        ("data1", "train", "ContributedTo"),
        ("data2", "train", "ContributedTo"),
        ("image", "train", "ContributedTo"),
        ("train", "model", "Produced"),
        ("model", "deploy", None),
        ("image", "deploy", "ContributedTo"),
        ("deploy", "endpoint", "Produced"),
        ("model", "endpoint", "AssociatedWith"),
    ]
    for src, dst, edge_type in edges:
        kw = {"AssociationType": edge_type} if edge_type else {}
        sm.add_association(SourceArn=arns[src], DestinationArn=arns[dst], **kw)
        time.sleep(0.003)  # distinct creation milliseconds
    return {"arns": arns, "edges": [(arns[s], arns[d]) for s, d, _ in edges]}
