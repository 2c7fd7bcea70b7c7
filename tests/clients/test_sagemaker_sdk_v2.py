"""SageMaker Python SDK v2 (``sagemaker<3``): ``sagemaker.lineage`` against stemma.

Runs in the ``sdk2`` client venv; see README.md here. The tests are in ``lineage_sdk.py``.
"""

from __future__ import annotations

from sagemaker.lineage.action import Action
from sagemaker.lineage.artifact import Artifact, DatasetArtifact, ModelArtifact
from sagemaker.lineage.association import Association
from sagemaker.lineage.context import Context, EndpointContext
from sagemaker.lineage.query import (
    LineageEntityEnum,
    LineageFilter,
    LineageQuery,
    LineageQueryDirectionEnum,
    LineageSourceEnum,
)
from sagemaker.lineage.visualizer import LineageTableVisualizer
from sagemaker.session import Session

from tests.clients.lineage_sdk import LineageApi, LineageSdkContract


class TestSageMakerSdkV2Lineage(LineageSdkContract):
    api = LineageApi(
        Session=Session,
        Context=Context,
        EndpointContext=EndpointContext,
        Artifact=Artifact,
        DatasetArtifact=DatasetArtifact,
        ModelArtifact=ModelArtifact,
        Action=Action,
        Association=Association,
        LineageQuery=LineageQuery,
        LineageFilter=LineageFilter,
        LineageEntityEnum=LineageEntityEnum,
        LineageSourceEnum=LineageSourceEnum,
        LineageQueryDirectionEnum=LineageQueryDirectionEnum,
        LineageTableVisualizer=LineageTableVisualizer,
    )
