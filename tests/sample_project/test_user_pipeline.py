"""What a user's test module looks like: no conftest, no fixture of its own, only ``stemma``.

Run by tests/testing/test_sample_project.py with and without pytest-xdist, in the dev venv
(boto3) and in the SDK v2 client venv (the SageMaker SDK's lineage classes and ``Run``).
"""

from __future__ import annotations

import os

import boto3
import pytest


def _sdk_session() -> object:
    sagemaker = pytest.importorskip("sagemaker.session", reason="the SageMaker SDK v2")
    return sagemaker.Session(boto_session=boto3.Session())


def test_unchanged_boto3_code_reaches_stemma(stemma: object) -> None:
    sm = boto3.client("sagemaker")  # no endpoint, no credentials: the environment says
    arn = sm.create_context(
        ContextName="endpoint-ctx", Source={"SourceUri": "s3://m/model"}, ContextType="Endpoint"
    )["ContextArn"]
    assert sm.describe_context(ContextName=arn)["ContextType"] == "Endpoint"
    assert os.environ["AWS_ENDPOINT_URL_SAGEMAKER"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize("turn", range(3))
def test_each_test_sees_only_its_own_entities(stemma: object, turn: int) -> None:
    """Every turn creates the same name; any entity left by another test would show."""
    sm = boto3.client("sagemaker")
    sm.create_experiment(ExperimentName="same-name-every-time")
    names = [e["ExperimentName"] for e in sm.list_experiments()["ExperimentSummaries"]]
    assert names == ["same-name-every-time"]


def test_the_environment_is_restored_outside_the_fixture() -> None:
    """The runner sets a sentinel endpoint; a test without the fixture must see it unchanged."""
    assert os.environ.get("AWS_ENDPOINT_URL_SAGEMAKER") == "http://sentinel.invalid"


def test_lineage_with_the_sdk(stemma: object) -> None:
    session = _sdk_session()
    from sagemaker.lineage.artifact import Artifact
    from sagemaker.lineage.association import Association
    from sagemaker.lineage.context import Context

    data = Artifact.create(
        source_uri="s3://d/train.csv", artifact_type="DataSet", sagemaker_session=session
    )
    endpoint = Context.create(
        context_name="ep", source_uri="arn:ep", context_type="Endpoint", sagemaker_session=session
    )
    Association.create(
        source_arn=data.artifact_arn,
        destination_arn=endpoint.context_arn,
        sagemaker_session=session,
    )
    into = Association.list(destination_arn=endpoint.context_arn, sagemaker_session=session)
    assert [a.source_arn for a in into] == [data.artifact_arn]


def test_a_run_with_the_sdk(stemma: object) -> None:
    session = _sdk_session()
    from sagemaker.experiments.run import Run

    with Run(
        experiment_name="sample", run_name="r1", sagemaker_session=session, artifact_bucket="any"
    ) as run:
        run.log_parameter("lr", 0.1)
        for step in range(3):
            run.log_metric(name="loss", value=1.0 / (step + 1), step=step)
    described = boto3.client("sagemaker").describe_trial_component(TrialComponentName="sample-r1")
    assert described["Parameters"]["lr"] == {"NumberValue": 0.1}
    [loss] = described["Metrics"]
    assert (loss["Count"], loss["Min"], loss["Max"]) == (3, 1 / 3, 1.0)
