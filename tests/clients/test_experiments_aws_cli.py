"""The AWS CLI v1's experiments commands (``aws sagemaker create-experiment ...``) against stemma.

Runs in the ``sdk2`` client venv, with the ``Cli`` runner of ``test_aws_cli.py``
(``--endpoint-url``, the CLI's own retry defaults). Each ``aws`` process costs about a second,
so the tests are few and entities that only need to exist are made with boto3.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients.conftest import ACCOUNT_ID, DEFAULT_LINEAGE_GROUP, Server, arn, unique
from tests.clients.test_aws_cli import AWS, Cli


@pytest.fixture
def cli(server: Server, region: str) -> Cli:
    assert AWS.exists(), f"the AWS CLI is not installed in this venv ({AWS})"
    return Cli(server.url, region)


def test_experiment_trial_component_lifecycle(cli: Cli, region: str) -> None:
    experiment, trial, component = unique("Exp"), unique("Trial"), unique("Run")
    experiment_arn = arn(region, "experiment", experiment)
    trial_arn = arn(region, "experiment-trial", trial)
    tc_arn = arn(region, "experiment-trial-component", component)

    assert cli.json(
        "create-experiment", "--experiment-name", experiment, "--description", "churn",
        "--tags", "Key=team,Value=ml",
    ) == {"ExperimentArn": experiment_arn}  # fmt: skip
    described = cli.json("describe-experiment", "--experiment-name", experiment.lower())
    assert set(described) == {
        "ExperimentName", "ExperimentArn", "DisplayName", "Description", "CreationTime",
        "CreatedBy", "LastModifiedTime", "LastModifiedBy",
    }  # fmt: skip
    assert (described["ExperimentName"], described["DisplayName"]) == (experiment, experiment)
    assert described["Description"] == "churn"
    assert isinstance(described["CreationTime"], int | float)  # epoch seconds, as received

    assert cli.json("create-trial", "--trial-name", trial, "--experiment-name", experiment) == {
        "TrialArn": trial_arn
    }
    assert cli.json(
        "create-trial-component", "--trial-component-name", component,
        "--parameters", '{"eta": {"NumberValue": 0.1}, "optimizer": {"StringValue": "adam"}}',
        "--input-artifacts", "train={Value=s3://data/train.csv,MediaType=text/csv}",
        "--status", "PrimaryStatus=InProgress,Message=started",
    ) == {"TrialComponentArn": tc_arn}  # fmt: skip
    assert cli.json(
        "associate-trial-component", "--trial-component-name", component, "--trial-name", trial
    ) == {"TrialComponentArn": tc_arn, "TrialArn": trial_arn}
    listed = cli.json("list-trial-components", "--trial-name", trial)
    assert [s["TrialComponentArn"] for s in listed["TrialComponentSummaries"]] == [tc_arn]
    assert listed["TrialComponentSummaries"][0]["Status"] == {
        "PrimaryStatus": "InProgress",
        "Message": "started",
    }

    assert cli.json(
        "update-trial-component", "--trial-component-name", component,
        "--parameters", '{"eta": {"NumberValue": 0.2}}', "--parameters-to-remove", "optimizer",
        "--output-artifacts", "model={Value=s3://out/model.tar.gz}",
        "--status", "PrimaryStatus=Completed",
    ) == {"TrialComponentArn": tc_arn}  # fmt: skip
    described = cli.json("describe-trial-component", "--trial-component-name", tc_arn)
    assert described["TrialComponentName"] == component
    assert described["Parameters"] == {"eta": {"NumberValue": 0.2}}
    assert described["InputArtifacts"] == {
        "train": {"Value": "s3://data/train.csv", "MediaType": "text/csv"}
    }
    assert described["OutputArtifacts"] == {"model": {"Value": "s3://out/model.tar.gz"}}
    assert described["Status"] == {"PrimaryStatus": "Completed"}
    assert described["Metrics"] == []
    assert described["LineageGroupArn"] == (
        f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{DEFAULT_LINEAGE_GROUP}"
    )

    assert cli.error("delete-experiment", "--experiment-name", experiment) == (
        "An error occurred (ValidationException) when calling the DeleteExperiment operation: "
        f"Experiment {experiment_arn} has trials; delete them first."
    )
    assert cli.json(
        "disassociate-trial-component", "--trial-component-name", component, "--trial-name", trial
    ) == {"TrialComponentArn": tc_arn, "TrialArn": trial_arn}
    assert cli.json("delete-trial-component", "--trial-component-name", component) == {
        "TrialComponentArn": tc_arn
    }
    assert cli.json("delete-trial", "--trial-name", trial) == {"TrialArn": trial_arn}
    assert cli.json("delete-experiment", "--experiment-name", experiment) == {
        "ExperimentArn": experiment_arn
    }
    assert cli.error("describe-experiment", "--experiment-name", experiment) == (
        "An error occurred (ResourceNotFound) when calling the DescribeExperiment operation: "
        f"Experiment {experiment_arn} does not exist."
    )


def test_list_experiments_and_trials_auto_paginate(cli: Cli, sm: Any) -> None:
    prefix = unique("e")
    names = [f"{prefix}-{i:02d}" for i in range(25)]
    for name in names:
        sm.create_experiment(ExperimentName=name)
    for i in range(3):
        sm.create_trial(TrialName=f"{prefix}-t{i}", ExperimentName=names[0])

    # --page-size is MaxResults; the CLI follows NextToken until the last page (3 requests).
    output, sent = cli.requests("ListExperiments", "list-experiments", "--page-size", "10")
    assert [s["ExperimentName"] for s in output["ExperimentSummaries"]] == names[::-1]
    assert "NextToken" not in output
    assert sent == 3
    first = output["ExperimentSummaries"][-1]
    assert first["ExperimentArn"] == arn(cli.region, "experiment", names[0])
    assert first["DisplayName"] == names[0]
    assert first["LastModifiedTime"] == first["CreationTime"]

    output, sent = cli.requests(
        "ListTrials", "list-trials", "--experiment-name", names[0], "--sort-by", "Name",
        "--sort-order", "Ascending", "--page-size", "2",
    )  # fmt: skip
    assert [s["TrialName"] for s in output["TrialSummaries"]] == [
        f"{prefix}-t{i}" for i in range(3)
    ]
    assert sent == 2
