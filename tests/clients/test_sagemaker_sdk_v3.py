"""SageMaker Python SDK v3 lineage (sagemaker-core 2.x): ``sagemaker.core.lineage`` against stemma.

Runs in the ``sdk3`` client venv; see README.md here. The tests are in ``lineage_sdk.py``.
"""

from __future__ import annotations

from sagemaker.core.helper.session_helper import Session
from sagemaker.core.lineage.action import Action
from sagemaker.core.lineage.artifact import Artifact, DatasetArtifact, ModelArtifact
from sagemaker.core.lineage.association import Association
from sagemaker.core.lineage.context import Context, EndpointContext
from sagemaker.core.lineage.query import (
    LineageEntityEnum,
    LineageFilter,
    LineageQuery,
    LineageQueryDirectionEnum,
    LineageSourceEnum,
)
from sagemaker.core.lineage.visualizer import LineageTableVisualizer

from tests.clients.lineage_sdk import LineageApi, LineageSdkContract


class TestSageMakerSdkV3Lineage(LineageSdkContract):
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
