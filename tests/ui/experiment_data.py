"""Experiments for the explorer's tests, recorded with boto3 as the SageMaker SDK's ``Run`` records
them (examples/experiment_runs.py, without the SDK): the experiment ``churn-logreg`` with three
runs in its run group, each with parameters, an input artifact and a loss and an accuracy per
epoch (BatchPutMetrics); the best run's model as an artifact it produced, and the training data
it used, so the runs are in the lineage graph. Plus ``sweep``, 120 runs in three trials, to page.
"""

from __future__ import annotations

import math
import time
from typing import Any

import boto3

from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY

EXPERIMENT = "churn-logreg"
RUN_GROUP = f"Default-Run-Group-{EXPERIMENT}"
RATES = (0.05, 0.5, 2.0)
EPOCHS = 8
SWEEP = "sweep"
SWEEP_TRIALS = 3
SWEEP_RUNS_PER_TRIAL = 40


def metrics_client(url: str, region: str) -> Any:
    return boto3.client(
        "sagemaker-metrics",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


def curve(rate: float, epoch: int) -> tuple[float, float]:
    """A loss that falls faster with a larger rate, and an accuracy that rises with it."""
    loss = 0.69 * math.exp(-rate * (epoch + 1) / 2) + 0.05 * rate
    return round(loss, 6), round(min(0.99, 0.5 + 0.45 * (1 - loss / 0.69)), 6)


def seed_runs(sm: Any, metrics: Any) -> dict[str, str]:
    """Record the experiments; returns ARNs by key (``run-0``..``run-2``, ``model``, ``data``)."""
    arns: dict[str, str] = {}
    sm.create_experiment(ExperimentName=EXPERIMENT, Description="Logistic regression on churn")
    sm.create_trial(TrialName=RUN_GROUP, ExperimentName=EXPERIMENT)
    now = time.time()
    for index, rate in enumerate(RATES):
        name = f"{EXPERIMENT}-lr-{index}"
        start = now - 600 + index * 120
        arns[f"run-{index}"] = sm.create_trial_component(
            TrialComponentName=name,
            DisplayName=f"lr-{index}",
            Status={"PrimaryStatus": "Completed"},
            StartTime=start,
            EndTime=start + 90,
            Parameters={
                "learning_rate": {"NumberValue": rate},
                "epochs": {"NumberValue": EPOCHS},
                "solver": {"StringValue": "gd"},
            },
            InputArtifacts={"training-data": {"Value": "s3://acme-data/churn/train.csv"}},
            Tags=[{"Key": "team", "Value": "retention"}],
        )["TrialComponentArn"]
        sm.associate_trial_component(TrialComponentName=name, TrialName=RUN_GROUP)
        data = []
        for epoch in range(EPOCHS):
            loss, accuracy = curve(rate, epoch)
            stamp = start + epoch * 10
            data.append({"MetricName": "loss", "Value": loss, "Step": epoch, "Timestamp": stamp})
            data.append(
                {"MetricName": "accuracy", "Value": accuracy, "Step": epoch, "Timestamp": stamp}
            )
        for i in range(0, len(data), 10):
            answer = metrics.batch_put_metrics(TrialComponentName=name, MetricData=data[i : i + 10])
            assert not answer.get("Errors"), answer
    best = f"{EXPERIMENT}-lr-1"
    arns["data"] = sm.create_artifact(
        ArtifactName="churn-train",
        Source={"SourceUri": "s3://acme-data/churn/train.csv"},
        ArtifactType="DataSet",
    )["ArtifactArn"]
    arns["model"] = sm.create_artifact(
        ArtifactName=f"{best}-model",
        Source={"SourceUri": f"s3://acme-models/churn/{best}.npz"},
        ArtifactType="Model",
    )["ArtifactArn"]
    sm.add_association(
        SourceArn=arns["data"], DestinationArn=arns["run-1"], AssociationType="ContributedTo"
    )
    sm.add_association(
        SourceArn=arns["run-1"], DestinationArn=arns["model"], AssociationType="Produced"
    )

    sm.create_experiment(ExperimentName=SWEEP, Description="A learning-rate and batch sweep")
    for t in range(SWEEP_TRIALS):
        trial = f"{SWEEP}-trial-{t}"
        sm.create_trial(TrialName=trial, ExperimentName=SWEEP)
        for r in range(SWEEP_RUNS_PER_TRIAL):
            n = t * SWEEP_RUNS_PER_TRIAL + r
            name = f"{SWEEP}-run-{n:03d}"
            sm.create_trial_component(
                TrialComponentName=name,
                Status={"PrimaryStatus": "Completed" if n % 7 else "Failed"},
                StartTime=now - 3000 + n,
                Parameters={
                    "learning_rate": {"NumberValue": round(0.01 * (n % 10 + 1), 3)},
                    "batch": {"NumberValue": 2 ** (n % 5 + 4)},
                },
            )
            sm.associate_trial_component(TrialComponentName=name, TrialName=trial)
            metrics.batch_put_metrics(
                TrialComponentName=name,
                MetricData=[
                    {"MetricName": "loss", "Value": 1 / (n + 1), "Step": 0, "Timestamp": now - 60}
                ],
            )
    return arns
