"""sagemaker-core 1.x (``sagemaker_core.main.resources``): experiments resources against stemma.

Runs in the ``sdk2`` client venv, since the SDK v2 (``sagemaker<3``) depends on sagemaker-core 1.x;
see README.md here. The tests are in ``experiments_core.py``.

sagemaker-core 1.x keeps a single process-wide ``SageMakerClient``: the first one made fixes the
region, later ``region=`` arguments are ignored, and the instance methods (``refresh``,
``update``, ``delete``) use it as is. Each test therefore drops that singleton and makes it anew
for its own region, with ``AWS_ENDPOINT_URL_SAGEMAKER`` set first (reference §9.1).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.clients.conftest import Server
from tests.clients.experiments_core import ExperimentsCoreContract, Requests


def test_sagemaker_core_is_1x() -> None:
    from importlib.metadata import version

    assert version("sagemaker-core").startswith("1."), version("sagemaker-core")


@pytest.fixture
def core(server: Server, region: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``sagemaker_core.main.resources``, its singleton client made for this test's region."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", server.url)
    from sagemaker_core.main import resources
    from sagemaker_core.main.utils import SageMakerClient, SingletonMeta

    SingletonMeta._instances.pop(SageMakerClient, None)
    SageMakerClient(region_name=region)
    yield resources
    SingletonMeta._instances.pop(SageMakerClient, None)


@pytest.fixture
def shapes(core: ModuleType) -> ModuleType:
    from sagemaker_core.main import shapes

    return shapes


@pytest.fixture
def requests(core: ModuleType) -> Requests:
    """``requests(op)`` records the parameters of every ``op`` request the resources send."""
    from sagemaker_core.main.utils import SageMakerClient

    def record(operation: str) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        SageMakerClient().get_client("sagemaker").meta.events.register(
            f"provide-client-params.sagemaker.{operation}",
            lambda params, **_: sent.append(dict(params)),
        )
        return sent

    return record


class TestExperimentsCoreV1(ExperimentsCoreContract):
    pass
