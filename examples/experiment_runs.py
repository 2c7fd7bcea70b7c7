"""A worked example: track three training runs with the SageMaker SDK's ``Run``, offline.

A small logistic regression is trained with numpy on a generated data set, three times with
different learning rates. Each training is recorded with ``sagemaker.experiments.Run`` exactly as
it would be against AWS: parameters, the input data, a metric per epoch. Then
``ExperimentAnalytics`` compares the runs, the best run's model is recorded as an artifact it
produced, and QueryLineage walks back from that model.

    stemma serve &                      # in another terminal
    pip install 'sagemaker<3'           # the SDK v2 (numpy comes with it)
    AWS_ACCESS_KEY_ID=STMA... AWS_SECRET_ACCESS_KEY=... \\
        python examples/experiment_runs.py --endpoint-url http://127.0.0.1:8754

It points the SDK at stemma through ``AWS_ENDPOINT_URL_SAGEMAKER`` and
``AWS_ENDPOINT_URL_SAGEMAKER_METRICS`` (``Run`` sends metrics to the second service), and gives
``Run`` an ``artifact_bucket`` so that nothing asks STS for a default bucket. It deletes what it
recorded at the end unless ``--keep`` is given. It takes about 20 seconds, most of them the SDK's
own pauses (one second as each run's metrics close, 1.2 s between cleanup calls).
"""

from __future__ import annotations

import argparse
import logging
import os
import warnings
from typing import Any

import numpy as np

EXPERIMENT = "churn-logreg"
RATES = (0.05, 0.5, 2.0)
EPOCHS = 8


def configure(endpoint_url: str) -> None:
    """The two variables that point unchanged SDK code at stemma (botocore reads them)."""
    os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] = endpoint_url
    os.environ["AWS_ENDPOINT_URL_SAGEMAKER_METRICS"] = endpoint_url
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    for name in ("sagemaker", "sagemaker.config"):  # the SDK's config and v2 notices
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="sagemaker")


def data(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A linearly separable-ish churn data set: 400 customers, 3 features."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(400, 3))
    churned = (features @ np.array([1.5, -2.0, 0.7]) + rng.normal(scale=0.5, size=400)) > 0
    return features, churned.astype(float)


def train(run: Any, features: np.ndarray, labels: np.ndarray, rate: float) -> float:
    """Gradient descent on the logistic loss, logging loss and accuracy per epoch."""
    weights = np.zeros(features.shape[1])
    accuracy = 0.0
    for epoch in range(EPOCHS):
        predicted = 1 / (1 + np.exp(-(features @ weights)))
        loss = float(
            -np.mean(
                labels * np.log(predicted + 1e-9) + (1 - labels) * np.log(1.0 - predicted + 1e-9)
            )
        )
        accuracy = float(np.mean((predicted > 0.5) == labels))
        run.log_metric(name="loss", value=loss, step=epoch)
        run.log_metric(name="accuracy", value=accuracy, step=epoch)
        weights -= rate * features.T @ (predicted - labels) / len(labels)
    return accuracy


def track(sessions: Any) -> None:
    from sagemaker.experiments.run import Run

    features, labels = data()
    for index, rate in enumerate(RATES):
        with Run(
            experiment_name=EXPERIMENT,
            run_name=f"lr-{index}",
            sagemaker_session=sessions,
            artifact_bucket="example-bucket",  # no default bucket: no call to STS
        ) as run:
            run.log_parameters({"learning_rate": rate, "epochs": EPOCHS, "solver": "gd"})
            run.log_artifact(name="training-data", value="s3://acme-data/churn/train.csv")
            train(run, features, labels, rate)


def compare(sessions: Any) -> Any:
    from sagemaker.analytics import ExperimentAnalytics

    frame = ExperimentAnalytics(
        experiment_name=EXPERIMENT,
        sagemaker_session=sessions,
        sort_by="metrics.loss.min",
        sort_order="Ascending",
    ).dataframe()
    print("Runs, best first (ExperimentAnalytics, sorted by metrics.loss.min):")
    for _, row in frame.iterrows():
        print(
            f"  {row['TrialComponentName']:<18} learning_rate={row['learning_rate']:<5} "
            f"loss min={row['loss - Min']:.3f}  accuracy last={row['accuracy - Last']:.3f}  "
            f"epochs logged={row['loss - Count']:.0f}"
        )
    return frame.iloc[0]


def trace(sm: Any, best: Any) -> None:
    """Record the best run's model as an artifact it produced, then walk back from the model."""
    run_arn = sm.describe_trial_component(TrialComponentName=best["TrialComponentName"])[
        "TrialComponentArn"
    ]
    model = sm.create_artifact(
        ArtifactName=f"{best['TrialComponentName']}-model",
        Source={"SourceUri": f"s3://acme-models/churn/{best['TrialComponentName']}.npz"},
        ArtifactType="Model",
    )["ArtifactArn"]
    data_set = sm.create_artifact(
        ArtifactName="churn-train",
        Source={"SourceUri": "s3://acme-data/churn/train.csv"},
        ArtifactType="DataSet",
    )["ArtifactArn"]
    sm.add_association(SourceArn=data_set, DestinationArn=run_arn, AssociationType="ContributedTo")
    sm.add_association(SourceArn=run_arn, DestinationArn=model, AssociationType="Produced")
    upstream = sm.query_lineage(StartArns=[model], Direction="Ascendants", IncludeEdges=True)
    print("\nWhere does the best model come from? (QueryLineage, Ascendants)")
    names = {model: "model", data_set: "churn-train", run_arn: best["TrialComponentName"]}
    for vertex in upstream["Vertices"][1:]:
        print(f"  {names[vertex['Arn']]:<18} {vertex['LineageType']:<15} {vertex['Type']}")
    for edge in upstream["Edges"]:
        source, target = names[edge["SourceArn"]], names[edge["DestinationArn"]]
        print(f"  {source} --{edge['AssociationType']}--> {target}")


def clean_up(sm: Any, sessions: Any) -> None:
    from sagemaker.experiments.experiment import Experiment

    for summary in sm.list_artifacts(MaxResults=100)["ArtifactSummaries"]:
        if summary.get("ArtifactName", "").startswith(("lr-", "churn-train", EXPERIMENT)):
            sm.delete_artifact(ArtifactArn=summary["ArtifactArn"])
    Experiment.load(experiment_name=EXPERIMENT, sagemaker_session=sessions)._delete_all(
        action="--force"
    )
    print("\nCleaned up (--keep leaves the runs for the explorer).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", default="http://127.0.0.1:8754")
    parser.add_argument("--keep", action="store_true", help="leave the runs and artifacts in place")
    args = parser.parse_args()
    configure(args.endpoint_url)

    import boto3
    from sagemaker.session import Session

    sessions = Session(boto_session=boto3.Session(region_name=os.environ["AWS_DEFAULT_REGION"]))
    track(sessions)
    best = compare(sessions)
    trace(sessions.sagemaker_client, best)
    if args.keep:
        print(f"\nKept the runs: see them in the explorer at {args.endpoint_url}/ui")
    else:
        clean_up(sessions.sagemaker_client, sessions)


if __name__ == "__main__":
    main()
