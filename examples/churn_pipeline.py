"""A worked example: record the lineage of a churn model, then ask where things came from.

A dataset is processed, the processed data trains a model, and the model is deployed to an
endpoint. Every step is recorded with the SageMaker lineage API, exactly as it would be against
AWS, and then queried.

    stemma serve                        # in another terminal
    AWS_ACCESS_KEY_ID=STMA... AWS_SECRET_ACCESS_KEY=... python examples/churn_pipeline.py

It cleans up after itself, so it can run again (``--endpoint-url`` picks another server);
``--keep`` leaves what it recorded, to look at in the explorer (``/ui/``). A run first removes
what a kept run left.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import Any

import boto3

# What ``record`` names, to find what an earlier ``--keep`` run left.
ACTIONS = ("churn-preprocess-2026-11-01", "churn-train-2026-11-01")
ARTIFACT_URIS = (
    "s3://acme-data/churn/raw/2026-11-01.csv",
    "s3://acme-data/churn/features/2026-11-01/",
    "s3://acme-models/churn/xgb/model.tar.gz",
)


def client(endpoint_url: str) -> Any:
    return boto3.client(
        "sagemaker",
        endpoint_url=endpoint_url,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "example"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "example"),
    )


def record(sm: Any, arns: dict[str, str]) -> None:
    """Create the entities and associations of one pipeline run, noting each ARN in ``arns``."""
    arns["raw"] = sm.create_artifact(
        ArtifactName="churn-raw",
        Source={
            "SourceUri": "s3://acme-data/churn/raw/2026-11-01.csv",
            "SourceTypes": [
                {"SourceIdType": "S3ETag", "Value": "9b2cf535f27731c974343645a3985328"}
            ],
        },
        ArtifactType="DataSet",
        Properties={"rows": "1048576"},
    )["ArtifactArn"]
    arns["prep"] = sm.create_action(
        ActionName="churn-preprocess-2026-11-01",
        Source={"SourceUri": "arn:aws:sagemaker:us-east-1:123456789012:processing-job/churn-prep"},
        ActionType="ProcessingJob",
        Status="Completed",
    )["ActionArn"]
    arns["features"] = sm.create_artifact(
        ArtifactName="churn-features",
        Source={"SourceUri": "s3://acme-data/churn/features/2026-11-01/"},
        ArtifactType="DataSet",
    )["ArtifactArn"]
    arns["train"] = sm.create_action(
        ActionName="churn-train-2026-11-01",
        Source={"SourceUri": "arn:aws:sagemaker:us-east-1:123456789012:training-job/churn-xgb"},
        ActionType="TrainingJob",
        Status="Completed",
        Properties={"algorithm": "xgboost", "auc": "0.91"},
    )["ActionArn"]
    arns["model"] = sm.create_artifact(
        ArtifactName="churn-model",
        Source={"SourceUri": "s3://acme-models/churn/xgb/model.tar.gz"},
        ArtifactType="Model",
    )["ArtifactArn"]
    arns["endpoint"] = sm.create_context(
        ContextName="churn-endpoint",
        Source={"SourceUri": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn"},
        ContextType="Endpoint",
        Properties={"stage": "prod"},
        Tags=[{"Key": "team", "Value": "retention"}],
    )["ContextArn"]
    for source, destination, kind in (
        ("raw", "prep", "ContributedTo"),
        ("prep", "features", "Produced"),
        ("features", "train", "ContributedTo"),
        ("train", "model", "Produced"),
        ("model", "endpoint", "ContributedTo"),
    ):
        sm.add_association(
            SourceArn=arns[source], DestinationArn=arns[destination], AssociationType=kind
        )


def clean_up(sm: Any, arns: dict[str, str]) -> None:
    """Delete what ``record`` created; their associations go with them."""
    for arn in arns.values():
        kind, _, name = arn.rsplit(":", 1)[1].partition("/")
        if kind == "context":
            sm.delete_context(ContextName=name)
        elif kind == "action":
            sm.delete_action(ActionName=name)
        else:
            sm.delete_artifact(ArtifactArn=arn)


def remove_kept(sm: Any) -> None:
    """Delete what an earlier ``--keep`` run left, so this run can record it anew."""
    missing = sm.exceptions.ResourceNotFound
    with contextlib.suppress(missing):
        sm.delete_context(ContextName="churn-endpoint")
    for name in ACTIONS:
        with contextlib.suppress(missing):
            sm.delete_action(ActionName=name)
    for uri in ARTIFACT_URIS:
        for summary in sm.list_artifacts(SourceUri=uri)["ArtifactSummaries"]:
            sm.delete_artifact(ArtifactArn=summary["ArtifactArn"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", default="http://127.0.0.1:8754")
    parser.add_argument(
        "--keep", action="store_true", help="leave what it records, for the explorer (/ui/)"
    )
    args = parser.parse_args()
    sm = client(args.endpoint_url)
    remove_kept(sm)
    arns: dict[str, str] = {}
    try:
        record(sm, arns)
        report(sm, arns)
    finally:
        if not args.keep:
            clean_up(sm, arns)  # even after a failure, so the example can run again
    if args.keep:
        ui = f"{args.endpoint_url.rstrip('/')}/ui/"
        print(f"\nKept: open {ui}, sign in with this key and look up churn-endpoint.")
    else:
        print("\nCleaned up: deleting an entity also deleted its associations.")


def report(sm: Any, arns: dict[str, str]) -> None:
    names = {arn: key for key, arn in arns.items()}
    print("Recorded:")
    for key, arn in arns.items():
        print(f"  {key:9} {arn}")

    print("\nWhich datasets does the endpoint depend on?")
    upstream = sm.query_lineage(
        StartArns=[arns["endpoint"]],
        Direction="Ascendants",
        IncludeEdges=False,
        Filters={"LineageTypes": ["Artifact"], "Types": ["DataSet"]},
    )
    for vertex in upstream["Vertices"]:
        print(f"  {names[vertex['Arn']]:9} {vertex['Type']:8} {vertex['Arn']}")

    print("\nWhat is downstream of the raw data, with the edges?")
    downstream = sm.query_lineage(
        StartArns=[arns["raw"]], Direction="Descendants", IncludeEdges=True
    )
    for edge in downstream["Edges"]:
        print(
            f"  {names[edge['SourceArn']]:9} --{edge['AssociationType']}--> "
            f"{names[edge['DestinationArn']]}"
        )

    print("\nWhat feeds the model directly?")
    for summary in sm.list_associations(DestinationArn=arns["model"])["AssociationSummaries"]:
        print(f"  {summary['SourceName']} ({summary['SourceType']})")


if __name__ == "__main__":
    main()
