"""sagemaker-core 2.x (``sagemaker.core.resources``): experiments resources against stemma.

Runs in the ``sdk3`` client venv; see README.md here. The tests are in ``experiments_core.py``.
sagemaker-core 2.x caches one client per region and each resource keeps the region it was made
with, so ``region=`` on the class methods is enough to keep a test in its own namespace.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.clients.conftest import Server, unique
from tests.clients.experiments_core import ExperimentsCoreContract, Requests


@pytest.fixture(scope="module")
def core(server: Server) -> Iterator[ModuleType]:
    """``sagemaker.core.resources``, with the endpoint set before any client exists."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", server.url)
        from sagemaker.core import resources
        from sagemaker.core.utils.utils import SageMakerClient

        SageMakerClient.reset()  # drop clients another module may have made without the variable
        yield resources
        SageMakerClient.reset()


@pytest.fixture(scope="module")
def shapes(core: ModuleType) -> ModuleType:
    from sagemaker.core import shapes

    return shapes


@pytest.fixture
def requests(core: ModuleType, region: str) -> Requests:
    """``requests(op)`` records the parameters of every ``op`` request sent in this region."""
    from sagemaker.core.utils.utils import SageMakerClient

    def record(operation: str) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        client = SageMakerClient(region_name=region).get_client("sagemaker")
        client.meta.events.register(
            f"provide-client-params.sagemaker.{operation}",
            lambda params, **_: sent.append(dict(params)),
        )
        return sent

    return record


class TestExperimentsCoreV2(ExperimentsCoreContract):
    pass


def test_trial_component_vertex_to_lineage_object(
    core: Any, shapes: Any, server: Server, region: str
) -> None:
    """The SDK v3 lineage (``sagemaker.core.lineage``) reads a trial-component vertex (§7.4, §9.5).

    The component comes from the sagemaker-core resource; the lineage classes use a ``Session``
    with an explicit ``endpoint_url``, as in ``test_sagemaker_sdk_v3.py``.
    """
    import boto3
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.core.lineage.artifact import Artifact, DatasetArtifact
    from sagemaker.core.lineage.association import Association
    from sagemaker.core.lineage.lineage_trial_component import LineageTrialComponent
    from sagemaker.core.lineage.query import LineageQuery, LineageQueryDirectionEnum

    boto_session = boto3.Session(region_name=region)
    session = Session(
        boto_session=boto_session,
        sagemaker_client=boto_session.client("sagemaker", endpoint_url=server.url),
    )
    name = unique("Train-Run")
    component = core.TrialComponent.create(
        trial_component_name=name,
        parameters={"eta": shapes.TrialComponentParameterValue(number_value=0.1)},
        region=region,
    )
    tc_arn = component.trial_component_arn
    # DescribeTrialComponent also takes the ARN (§3.3).
    by_arn = core.TrialComponent.get(trial_component_name=tc_arn, region=region)
    assert by_arn.trial_component_name == name
    dataset = Artifact.create(
        artifact_name="train-data",
        source_uri=f"s3://b/{name}/train.csv",
        artifact_type="DataSet",
        sagemaker_session=session,
    )
    Association.create(
        source_arn=dataset.artifact_arn,
        destination_arn=tc_arn,
        association_type="ContributedTo",
        sagemaker_session=session,
    )

    result = LineageQuery(session).query(
        start_arns=[dataset.artifact_arn],
        direction=LineageQueryDirectionEnum.DESCENDANTS,
        include_edges=False,
    )
    (vertex,) = result.vertices
    assert (vertex.arn, vertex.lineage_entity, vertex.lineage_source) == (
        tc_arn,
        "TrialComponent",
        "ExperimentTrialComponent",
    )
    lineage_tc = vertex.to_lineage_object()
    assert isinstance(lineage_tc, LineageTrialComponent)
    assert (lineage_tc.trial_component_name, lineage_tc.trial_component_arn) == (name, tc_arn)
    assert lineage_tc.parameters == {"eta": {"NumberValue": 0.1}}
    datasets = lineage_tc.dataset_artifacts()
    assert [(type(a), a.artifact_arn) for a in datasets] == [
        (DatasetArtifact, dataset.artifact_arn)
    ]
