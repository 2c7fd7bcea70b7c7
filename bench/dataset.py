"""Seed data: flat sets of contexts, and a lineage graph shaped like SageMaker pipelines.

Each pipeline *project* is one connected component of 201 vertices and 200 associations:

    dataset -> 10 processing jobs -> 10 feature sets -> 30 training jobs, each with a checkpoint
            -> 30 models -> each deployed to an endpoint, and evaluated (action -> report)

A ``Both`` walk from any model reaches the whole project within 10 hops, so QueryLineage from a
model visits about 200 vertices however large the rest of the graph grows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from stemma.store.contract import Association, Entity, Ref

PROJECT_VERTICES = 201
PROJECT_EDGES = 200
CONTEXT_TYPES = ("Endpoint", "ModelGroup", "Project", "Experiment")


def contexts(count: int, start_ms: int = 1_700_000_000_000) -> Iterator[Entity]:
    """``count`` contexts, a quarter of each type, one millisecond apart."""
    for i in range(count):
        yield Entity(
            kind="context",
            id=f"ctx-{i:07d}",
            name=f"ctx-{i:07d}",
            entity_type=CONTEXT_TYPES[i % len(CONTEXT_TYPES)],
            source_uri=f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/e{i}",
            body={
                "Source": {"SourceUri": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/e{i}"},
                "Properties": {"stage": "prod"},
            },
            created_ms=start_ms + i,
            modified_ms=start_ms + i,
        )


def _artifact(project: int, name: str, kind: str, ms: int) -> Entity:
    uri = f"s3://lineage-bench/p{project}/{name}"
    digest = hashlib.md5(uri.encode()).hexdigest()
    body = {"Source": {"SourceUri": uri, "SourceTypes": []}, "Properties": {}}
    return Entity("artifact", digest, name, kind, uri, body, ms, ms)


def _node(project: int, kind: str, name: str, entity_type: str, ms: int) -> Entity:
    if kind == "artifact":
        return _artifact(project, name, entity_type, ms)
    full = f"p{project}-{name}"
    body = {"Source": {"SourceUri": f"job/{full}"}, "Properties": {}}
    return Entity(kind, full, full, entity_type, f"job/{full}", body, ms, ms)  # type: ignore[arg-type]


def project(index: int, ms: int) -> tuple[list[Entity], list[Association]]:
    """One pipeline project: 201 entities, 200 associations."""
    nodes: list[Entity] = []
    edges: list[Association] = []

    def add(kind: str, name: str, entity_type: str) -> Ref:
        entity = _node(index, kind, name, entity_type, ms)
        nodes.append(entity)
        return Ref(entity.kind, entity.id)

    def link(source: Ref, destination: Ref, association_type: str) -> None:
        edges.append(Association(source, destination, association_type, ms))

    dataset = add("artifact", "dataset", "DataSet")
    for p in range(10):
        job = add("action", f"proc-{p}", "ProcessingJob")
        link(dataset, job, "ContributedTo")
        features = add("artifact", f"features-{p}", "DataSet")
        link(job, features, "Produced")
        for t in range(3):
            train = add("action", f"train-{p}-{t}", "TrainingJob")
            link(features, train, "ContributedTo")
            link(train, add("artifact", f"ckpt-{p}-{t}", "Checkpoint"), "Produced")
            model = add("artifact", f"model-{p}-{t}", "Model")
            link(train, model, "Produced")
            link(model, add("context", f"endpoint-{p}-{t}", "Endpoint"), "ContributedTo")
            evaluation = add("action", f"eval-{p}-{t}", "ModelEvaluation")
            link(model, evaluation, "ContributedTo")
            link(evaluation, add("artifact", f"report-{p}-{t}", "Report"), "Produced")
    return nodes, edges


def graph(
    associations: int, start_ms: int = 1_690_000_000_000
) -> tuple[list[Entity], list[Association]]:
    """Enough projects for about ``associations`` edges."""
    nodes: list[Entity] = []
    edges: list[Association] = []
    for index in range(max(1, associations // PROJECT_EDGES)):
        project_nodes, project_edges = project(index, start_ms + index)
        nodes.extend(project_nodes)
        edges.extend(project_edges)
    return nodes, edges


def start_vertex_arn(project_index: int = 0) -> str:
    """A model in a project: its Both walk reaches the project's 201 vertices."""
    uri = f"s3://lineage-bench/p{project_index}/model-5-1"
    return (
        f"arn:aws:sagemaker:us-east-1:123456789012:artifact/{hashlib.md5(uri.encode()).hexdigest()}"
    )
