"""The service models, loaded from botocore and corrected by a data file.

botocore ships ``sagemaker/2017-07-24/service-2.json`` (AWS JSON 1.1) and
``sagemaker-metrics/2022-09-30/service-2.json`` (REST-JSON); they are stemma's source of truth for
every shape. Where a model leaves a gap that real SageMaker fills (a minimum the model does not
state, a constraint that older models were looser on), the fix is an entry in
``model-patches.json`` beside this file, applied at load time, never an ``if`` in a handler.
Loading takes about a second, so it happens once per process.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

SAGEMAKER = "sagemaker"
METRICS = "sagemaker-metrics"
API_VERSIONS = {SAGEMAKER: "2017-07-24", METRICS: "2022-09-30"}


def _apply_patches(raw: dict[str, Any], service: str, patches: list[dict[str, Any]]) -> None:
    """Apply ``{"service": name, "shape": name, "set": {key: value}}`` entries (``service``
    defaults to ``sagemaker``) to the raw model's shapes."""
    for patch in patches:
        if patch.get("service", SAGEMAKER) == service:
            raw["shapes"][patch["shape"]].update(patch["set"])


@functools.cache
def service_model(service: str = SAGEMAKER) -> ServiceModel:
    """The patched model of ``service`` (cached for the life of the process)."""
    raw = Loader().load_service_model(service, "service-2", API_VERSIONS[service])
    text = resources.files(__package__).joinpath("model-patches.json").read_text("utf-8")
    _apply_patches(raw, service, json.loads(text)["patches"])
    return ServiceModel(raw, service_name=service)


def operation(name: str, service: str = SAGEMAKER) -> OperationModel | None:
    """The operation called ``name``, or None when the model has no such operation."""
    return _operations(service).get(name)


@functools.cache
def _operations(service: str) -> dict[str, OperationModel]:
    # operation_names is a list of several hundred; a dict keeps the lookup O(1) per request.
    model = service_model(service)
    return {name: model.operation_model(name) for name in model.operation_names}


@functools.cache
def rest_routes(service: str = METRICS) -> dict[str, dict[str, str]]:
    """A REST service's operations by the last segment of their path, then by HTTP method:
    ``{"BatchPutMetrics": {"PUT": "BatchPutMetrics"}}``, from each operation's ``http`` trait."""
    routes: dict[str, dict[str, str]] = {}
    for name, op in _operations(service).items():
        segment = op.http["requestUri"].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        routes.setdefault(segment, {})[op.http["method"]] = name
    return routes


@functools.cache
def modeled_error_codes(service: str = SAGEMAKER) -> frozenset[str]:
    """Error codes the model declares as shapes; their bodies carry ``Message`` too."""
    return frozenset(shape.name for shape in service_model(service).error_shapes)


def shape_limit(shape_name: str, key: str, service: str = SAGEMAKER) -> int:
    """A numeric constraint (``min``/``max``) of a named shape, for rules applied after a merge."""
    value = service_model(service).shape_for(shape_name).metadata[key]
    return int(value)
