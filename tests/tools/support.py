"""Helpers for the data tools' tests: a small account of every kind, made through boto3, and
the whole of an account as the API shows it, for comparing two servers record by record."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Server, unique
from tests.service.metrics_support import metrics_client, point

PATIENT = {"retries": {"max_attempts": 30, "mode": "standard"}}  # for rate-limited servers

# (list operation, its result key, describe operation, the describe parameter, its summary's key)
LISTS = (
    ("list_contexts", "ContextSummaries", "describe_context", "ContextName", "ContextName"),
    ("list_actions", "ActionSummaries", "describe_action", "ActionName", "ActionName"),
    ("list_artifacts", "ArtifactSummaries", "describe_artifact", "ArtifactArn", "ArtifactArn"),
    (
        "list_experiments",
        "ExperimentSummaries",
        "describe_experiment",
        "ExperimentName",
        "ExperimentName",
    ),
    ("list_trials", "TrialSummaries", "describe_trial", "TrialName", "TrialName"),
    (
        "list_trial_components",
        "TrialComponentSummaries",
        "describe_trial_component",
        "TrialComponentName",
        "TrialComponentName",
    ),
)


def populate(server: Server, region: str, contexts: int = 3, experiments: bool = True) -> None:
    """Contexts, actions and artifacts with tags and associations; an experiment, a trial and
    trial components with a membership and metrics."""
    sm = server.client(region, **PATIENT)
    arns = []
    for i in range(contexts):
        arns.append(
            sm.create_context(
                ContextName=f"ctx-{i:03d}",
                Source={"SourceUri": f"s3://b/{i}", "SourceType": "S3"},
                ContextType="Endpoint",
                Properties={"i": str(i)},
                Tags=[{"Key": "z", "Value": "1"}, {"Key": "a", "Value": str(i)}],
            )["ContextArn"]
        )
    action = sm.create_action(
        ActionName=unique("act"),
        Source={"SourceUri": "s3://code"},
        ActionType="Training",
        Status="Completed",
    )["ActionArn"]
    artifact = sm.create_artifact(
        ArtifactName="model",
        Source={
            "SourceUri": "s3://models/m",
            "SourceTypes": [{"SourceIdType": "Custom", "Value": "v1"}],
        },
        ArtifactType="Model",
        Tags=[{"Key": "team", "Value": "ml"}],
    )["ArtifactArn"]
    sm.add_association(SourceArn=action, DestinationArn=artifact, AssociationType="Produced")
    for arn in arns:
        sm.add_association(SourceArn=artifact, DestinationArn=arn, AssociationType="ContributedTo")
    if not experiments:
        return
    sm.create_experiment(ExperimentName="exp", Description="d", Tags=[{"Key": "k", "Value": "v"}])
    sm.create_trial(TrialName="trial", ExperimentName="exp")
    for name in ("tc-a", "tc-b"):
        sm.create_trial_component(
            TrialComponentName=name,
            Parameters={"lr": {"NumberValue": 0.1}, "opt": {"StringValue": "adam"}},
            Status={"PrimaryStatus": "Completed"},
        )
    sm.associate_trial_component(TrialComponentName="tc-a", TrialName="trial")
    now = time.time()
    metrics_client(server, region).batch_put_metrics(
        TrialComponentName="tc-a",
        MetricData=[point("loss", now - 60 + i, 1.0 / (i + 1), step=i) for i in range(7)],
    )


def api_view(server: Server, region: str) -> dict[str, Any]:
    """Every entity described, with its tags, every association and every membership."""
    sm = server.client(region, **PATIENT)
    view: dict[str, Any] = {}
    for operation, key, describe, parameter, summary_key in LISTS:
        for page in sm.get_paginator(operation).paginate():
            for summary in page[key]:
                described = getattr(sm, describe)(**{parameter: summary[summary_key]})
                described.pop("ResponseMetadata")
                arn = described[parameter.replace("Name", "Arn")]
                tags = [
                    t
                    for tag_page in sm.get_paginator("list_tags").paginate(ResourceArn=arn)
                    for t in tag_page["Tags"]
                ]
                view[arn] = {"described": described, "tags": tags}
    view["associations"] = sorted(
        (a["SourceArn"], a["DestinationArn"], a.get("AssociationType"), str(a["CreationTime"]))
        for page in sm.get_paginator("list_associations").paginate()
        for a in page["AssociationSummaries"]
    )
    view["memberships"] = sorted(
        (trial["TrialName"], tc["TrialComponentName"])
        for trials in sm.get_paginator("list_trials").paginate()
        for trial in trials["TrialSummaries"]
        for tcs in sm.get_paginator("list_trial_components").paginate(TrialName=trial["TrialName"])
        for tc in tcs["TrialComponentSummaries"]
    )
    return view
