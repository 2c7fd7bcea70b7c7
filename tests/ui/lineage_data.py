"""A lineage graph big enough to test the layout: 201 vertices, five layers downstream of one
raw dataset (4 processing jobs, 4 feature sets, 48 training jobs, 48 models with 48 evaluation
reports, 48 endpoints), named as real jobs are: long names that differ only in the middle
(``churn-forecast-xgboost-hpo-2026-11-01-14-03-2-07-aws-training-job``)."""

from __future__ import annotations

from typing import Any

PREP_JOBS = 4
TRAININGS_PER_FEATURE_SET = 12
STAMP = "2026-11-01-14-03"


def long_name(key: str) -> str:
    """The recorded name of the vertex called ``key`` here (``train-2-7``, ``raw``, ...)."""
    kind, _, n = key.partition("-")
    if kind == "raw":
        return f"acme-churn-raw-customer-events-{STAMP}-full-export"
    if kind in ("prep", "features"):
        what = "preprocess" if kind == "prep" else "features"
        tail = "aws-processing-job" if kind == "prep" else "train-validation-split"
        return f"churn-forecast-{what}-{STAMP}-{n}-{tail}"
    p, t = n.split("-")
    n = f"{p}-{int(t):02d}"
    if kind == "endpoint":
        return f"churn-forecast-endpoint-{n}-production-variant-a"
    tail = {"train": "aws-training-job", "model": "model-artifact", "report": "evaluation-report"}
    return f"churn-forecast-xgboost-hpo-{STAMP}-{n}-{tail[kind]}"


def seed_wide(sm: Any) -> dict[str, str]:
    """Record the graph; returns the ARNs of named vertices (``raw``, ``prep-0``, ...)."""
    arns: dict[str, str] = {}

    def artifact(key: str, uri: str, kind: str) -> str:
        arns[key] = sm.create_artifact(
            ArtifactName=long_name(key), Source={"SourceUri": uri}, ArtifactType=kind
        )["ArtifactArn"]
        return arns[key]

    def action(key: str, kind: str) -> str:
        arns[key] = sm.create_action(
            ActionName=long_name(key),
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
                ContextName=long_name(f"endpoint-{n}"),
                Source={"SourceUri": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/e-{n}"},
                ContextType="Endpoint",
            )["ContextArn"]
            link(features, train, "ContributedTo")
            link(train, model, "Produced")
            link(train, report, "Produced")
            link(model, arns[f"endpoint-{n}"], "ContributedTo")
    return arns
