"""``--upstream`` (issue #17): operations stemma does not serve go, unchanged, to another
SageMaker-compatible endpoint, here a real moto server; stemma's own stay with stemma."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from stemma.testing import serve
from tests.awsjson import call
from tests.conftest import Server

TRAINING_JOB = {
    "TrainingJobName": "churn-train-1",
    "AlgorithmSpecification": {"TrainingImage": "img:latest", "TrainingInputMode": "File"},
    "RoleArn": "arn:aws:iam::123456789012:role/sm",
    "OutputDataConfig": {"S3OutputPath": "s3://out/"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 60},
}


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    yield f"http://127.0.0.1:{moto._server.server_port}"
    moto.stop()


def direct(url: str) -> Any:
    return boto3.client(
        "sagemaker",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_unserved_operations_reach_the_upstream(moto_url: str) -> None:
    with serve(upstream=moto_url) as stemma:
        sm = boto3.client("sagemaker")  # one client for both, as pipeline code has
        arn = sm.create_training_job(**TRAINING_JOB)["TrainingJobArn"]
        assert arn.endswith(":training-job/churn-train-1")
        assert sm.describe_training_job(TrainingJobName="churn-train-1")["TrainingJobName"] == (
            "churn-train-1"
        )
        # stemma's own operations stay with stemma: moto never sees the experiment.
        sm.create_experiment(ExperimentName="churn")
        assert stemma.client().describe_experiment(ExperimentName="churn")
        with pytest.raises(ClientError):
            direct(moto_url).describe_experiment(ExperimentName="churn")
        # An upstream error is relayed as the upstream gave it.
        with pytest.raises(ClientError) as info:
            sm.describe_training_job(TrainingJobName="no-such-job")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert info.value.response["Error"]["Code"] == "ValidationException"
    assert direct(moto_url).describe_training_job(TrainingJobName="churn-train-1")


def test_a_bad_signature_is_refused_before_anything_is_relayed(moto_url: str) -> None:
    with serve(upstream=moto_url) as stemma:
        sm = stemma.client(aws_secret_access_key="wrong")
        with pytest.raises(ClientError) as info:
            sm.create_training_job(**{**TRAINING_JOB, "TrainingJobName": "never"})
        assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
    with pytest.raises(ClientError):
        direct(moto_url).describe_training_job(TrainingJobName="never")


def test_without_an_upstream_unserved_operations_are_unknown(server: Server) -> None:
    response = call(server.url, "SageMaker.ListTrainingJobs", b"{}")
    assert response.status == 400
    assert response.json()["__type"] == "UnknownOperationException"


def test_stemma_serve_takes_the_upstream_flag(moto_url: str, start_server: Any) -> None:
    running = start_server("--upstream", moto_url)
    sm = running.client("us-east-1")
    assert sm.list_training_jobs()["TrainingJobSummaries"] is not None
    assert sm.list_experiments()["ExperimentSummaries"] == []  # served by stemma
