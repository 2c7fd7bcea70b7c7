"""Tenancy for experiments, trials and trial components (issue #14; D16, D19, D57): another
account, or the same account in another region, can neither see nor touch them, by name or by
full ARN, and names are per scope."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.auth.support import OTHER_ACCOUNT, ROOT, client, create_key
from tests.awsjson import error_message
from tests.conftest import Backend, Server, launch


@dataclass
class Owned:
    region: str
    owner: Any
    experiment_arn: str
    trial_arn: str
    component_arn: str
    artifact_arn: str


@pytest.fixture(scope="module")
def tenants(
    tmp_path_factory: pytest.TempPathFactory, backend: Backend
) -> Iterator[tuple[Server, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp(f"exp-tenancy-{backend.name}") / "data"
    data_dir.mkdir()
    other = create_key(data_dir, backend.db_url(data_dir), OTHER_ACCOUNT)
    server = launch(data_dir, backend=backend)
    yield server, other
    server.stop()


@pytest.fixture
def owned(tenants: tuple[Server, dict[str, str]]) -> Owned:
    region = f"iso-{uuid.uuid4().hex[:10]}"
    owner = client(tenants[0].url, ROOT, region)
    tag = [{"Key": "owner", "Value": "a"}]
    experiment_arn = owner.create_experiment(ExperimentName="Exp", Tags=tag)["ExperimentArn"]
    trial_arn = owner.create_trial(TrialName="Trial", ExperimentName="exp", Tags=tag)["TrialArn"]
    component_arn = owner.create_trial_component(
        TrialComponentName="Run", Parameters={"p": {"NumberValue": 1.0}}, Tags=tag
    )["TrialComponentArn"]
    owner.associate_trial_component(TrialName="trial", TrialComponentName="run")
    artifact_arn = owner.create_artifact(Source={"SourceUri": "s3://m"}, ArtifactType="Model")[
        "ArtifactArn"
    ]
    owner.add_association(SourceArn=component_arn, DestinationArn=artifact_arn)
    return Owned(region, owner, experiment_arn, trial_arn, component_arn, artifact_arn)


@pytest.fixture(params=["other-account", "other-region"])
def intruder(
    request: pytest.FixtureRequest, tenants: tuple[Server, dict[str, str]], owned: Owned
) -> Any:
    if request.param == "other-account":
        return client(tenants[0].url, tenants[1], owned.region)
    return client(tenants[0].url, ROOT, f"iso-{uuid.uuid4().hex[:10]}")


def test_the_intruder_sees_nothing(owned: Owned, intruder: Any) -> None:
    assert intruder.list_experiments()["ExperimentSummaries"] == []
    assert intruder.list_trials()["TrialSummaries"] == []
    assert intruder.list_trial_components()["TrialComponentSummaries"] == []
    error_message("ResourceNotFound", intruder.describe_experiment, ExperimentName="exp")
    error_message("ResourceNotFound", intruder.describe_trial, TrialName="trial")
    for name in ("run", owned.component_arn):
        error_message(
            "ResourceNotFound", intruder.describe_trial_component, TrialComponentName=name
        )
    error_message("ResourceNotFound", intruder.list_trials, ExperimentName="exp")
    error_message("ResourceNotFound", intruder.list_trial_components, TrialName="trial")
    for arn in (owned.experiment_arn, owned.trial_arn, owned.component_arn):
        text = error_message("ValidationException", intruder.list_tags, ResourceArn=arn)
        assert text == "Resource does not exist"
    error_message("ResourceNotFound", intruder.query_lineage, StartArns=[owned.component_arn])
    listed = intruder.list_associations(SourceArn=owned.component_arn)
    assert listed["AssociationSummaries"] == []


def test_the_intruder_changes_nothing(owned: Owned, intruder: Any) -> None:
    error_message(
        "ResourceNotFound", intruder.update_experiment, ExperimentName="exp", Description="x"
    )
    error_message(
        "ResourceNotFound",
        intruder.update_trial_component,
        TrialComponentName="run",
        Parameters={"p": {"NumberValue": 2.0}},
    )
    error_message(
        "ResourceNotFound",
        intruder.disassociate_trial_component,
        TrialName="trial",
        TrialComponentName="run",
    )
    error_message("ResourceNotFound", intruder.delete_trial, TrialName="trial")
    error_message(
        "ValidationException",
        intruder.add_tags,
        ResourceArn=owned.experiment_arn,
        Tags=[{"Key": "owner", "Value": "b"}],
    )
    error_message(
        "ResourceNotFound",
        intruder.add_association,
        SourceArn=owned.component_arn,
        DestinationArn=owned.artifact_arn,
    )
    # Names are per scope: the intruder's own entities of the same names are its own.
    intruder.create_experiment(ExperimentName="Exp")
    intruder.create_trial(TrialName="Trial", ExperimentName="Exp")
    intruder.create_trial_component(TrialComponentName="Run")
    intruder.associate_trial_component(TrialName="trial", TrialComponentName="run")
    owner = owned.owner
    assert "Description" not in owner.describe_experiment(ExperimentName="exp")
    component = owner.describe_trial_component(TrialComponentName="run")
    assert component["Parameters"] == {"p": {"NumberValue": 1.0}}
    members = owner.list_trial_components(TrialName="trial")["TrialComponentSummaries"]
    assert [m["TrialComponentArn"] for m in members] == [owned.component_arn]
    assert owner.list_tags(ResourceArn=owned.experiment_arn)["Tags"] == [
        {"Key": "owner", "Value": "a"}
    ]
    edges = owner.list_associations(SourceArn=owned.component_arn)["AssociationSummaries"]
    assert [e["DestinationArn"] for e in edges] == [owned.artifact_arn]


def test_search_and_metrics_stay_in_their_scope(
    tenants: tuple[Server, dict[str, str]], owned: Owned, intruder: Any
) -> None:
    import time

    import boto3

    assert intruder.search(Resource="ExperimentTrialComponent")["Results"] == []
    assert intruder.search(Resource="Experiment")["TotalHits"]["Value"] == 0
    found = intruder.search(
        Resource="ExperimentTrialComponent",
        SearchExpression={"Filters": [{"Name": "TrialComponentArn", "Value": owned.component_arn}]},
    )
    assert found["Results"] == []
    credentials = intruder._request_signer._credentials
    metrics = boto3.client(
        "sagemaker-metrics",
        endpoint_url=tenants[0].url,
        region_name=intruder.meta.region_name,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
    )
    point = {"MetricName": "m", "Timestamp": time.time(), "Value": 1.0}
    try:
        metrics.batch_put_metrics(TrialComponentName="run", MetricData=[point])
    except Exception as error:  # botocore raises a plain ClientError for this service
        assert "ResourceNotFound" in str(error)
    else:
        raise AssertionError("the intruder stored metrics on the owner's trial component")
    results = metrics.batch_get_metrics(
        MetricQueries=[
            {
                "MetricName": "m",
                "ResourceArn": owned.component_arn,
                "MetricStat": "Count",
                "Period": "OneHour",
                "XAxisType": "Timestamp",
            }
        ]
    )["MetricQueryResults"]
    assert results[0]["Status"] == "ValidationError"
    assert owned.owner.describe_trial_component(TrialComponentName="run")["Metrics"] == []
    assert owned.owner.search(Resource="ExperimentTrialComponent")["TotalHits"]["Value"] == 1
