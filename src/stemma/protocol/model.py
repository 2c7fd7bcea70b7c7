"""The SageMaker service model, loaded from botocore and corrected by a data file.

botocore ships ``sagemaker/2017-07-24/service-2.json``; it is stemma's source of truth for every
shape. Where the model leaves a gap that real SageMaker fills (a minimum the model does not state,
say), the fix is an entry in ``model-patches.json`` beside this file, applied at load time, never an
``if`` in a handler. Loading takes about a second, so it happens once per process.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

SERVICE_NAME = "sagemaker"
API_VERSION = "2017-07-24"


def _apply_patches(raw: dict[str, Any], patches: list[dict[str, Any]]) -> None:
    """Apply ``{"shape": name, "set": {key: value}}`` entries to the raw model's shapes."""
    for patch in patches:
        shape = raw["shapes"][patch["shape"]]
        shape.update(patch["set"])


@functools.cache
def service_model() -> ServiceModel:
    """The patched SageMaker service model (cached for the life of the process)."""
    raw = Loader().load_service_model(SERVICE_NAME, "service-2", API_VERSION)
    text = resources.files(__package__).joinpath("model-patches.json").read_text("utf-8")
    _apply_patches(raw, json.loads(text)["patches"])
    return ServiceModel(raw, service_name=SERVICE_NAME)


def operation(name: str) -> OperationModel | None:
    """The operation called ``name``, or None when the model has no such operation."""
    return _operations().get(name)


@functools.cache
def _operations() -> dict[str, OperationModel]:
    # operation_names is a list of several hundred; a dict keeps the lookup O(1) per request.
    model = service_model()
    return {name: model.operation_model(name) for name in model.operation_names}


@functools.cache
def modeled_error_codes() -> frozenset[str]:
    """Error codes the model declares as shapes; their bodies carry ``Message`` too."""
    return frozenset(shape.name for shape in service_model().error_shapes)


def shape_limit(shape_name: str, key: str) -> int:
    """A numeric constraint (``min``/``max``) of a named shape, for rules applied after a merge."""
    value = service_model().shape_for(shape_name).metadata[key]
    return int(value)
