"""A lineage graph big enough to test the layout: 201 vertices, five layers downstream of one
raw dataset (4 processing jobs, 4 feature sets, 48 training jobs, 48 models with 48 evaluation
reports, 48 endpoints)."""

from __future__ import annotations

from typing import Any

PREP_JOBS = 4
TRAININGS_PER_FEATURE_SET = 12


def seed_wide(sm: Any) -> dict[str, str]:
    """Record the graph; returns the ARNs of named vertices (``raw``, ``prep-0``, ...)."""
    arns: dict[str, str] = {}

    def artifact(key: str, uri: str, kind: str) -> str:
        arns[key] = sm.create_artifact(
            ArtifactName=key, Source={"SourceUri": uri}, ArtifactType=kind
        )["ArtifactArn"]
        return arns[key]

    def action(key: str, kind: str) -> str:
        arns[key] = sm.create_action(
            ActionName=key,
            Source={"SourceUri": f"arn:aws:sagemaker:us-east-1:123456789012:job/{key}"},
            ActionType=kind,
            Status="Completed",
        )["ActionArn"]
        return arns[key]

    def link(source: str, destination: str, kind: str) -> None:
        sm.add_association(SourceArn=source, DestinationArn=destination, AssociationType=kind)

    raw = artifact("raw", "s3://acme/wide/raw.csv", "DataSet")
    for p in range(PREP_JOBS):
        prep = action(f"prep-{p}", "ProcessingJob")
        features = artifact(f"features-{p}", f"s3://acme/wide/features/{p}/", "DataSet")
        link(raw, prep, "ContributedTo")
        link(prep, features, "Produced")
        for t in range(TRAININGS_PER_FEATURE_SET):
            n = f"{p}-{t}"
            train = action(f"train-{n}", "TrainingJob")
            model = artifact(f"model-{n}", f"s3://acme/wide/models/{n}/model.tar.gz", "Model")
            report = artifact(f"report-{n}", f"s3://acme/wide/reports/{n}.json", "Report")
            arns[f"endpoint-{n}"] = sm.create_context(
                ContextName=f"endpoint-{n}",
                Source={"SourceUri": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/e-{n}"},
                ContextType="Endpoint",
            )["ContextArn"]
            link(features, train, "ContributedTo")
            link(train, model, "Produced")
            link(train, report, "Produced")
            link(model, arns[f"endpoint-{n}"], "ContributedTo")
    return arns
