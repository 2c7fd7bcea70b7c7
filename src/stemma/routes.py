"""Which operation a request calls: two services on one port (D55).

A request with ``X-Amz-Target: SageMaker.<Op>`` is AWS JSON 1.1, on any path, ``POST`` only
(D2, D3). Without the header, the last segment of the path and the method select a REST-JSON
operation of ``sagemaker-metrics`` (``PUT /BatchPutMetrics``, ``POST /BatchGetMetrics``), read
from the model's ``http`` traits; a path prefix before that segment is ignored, since endpoint
URLs may carry one. Anything else is ``UnknownOperationException``.
"""

from __future__ import annotations

from typing import NamedTuple

from stemma.protocol import model
from stemma.protocol.errors import UnknownOperationException

TARGET_PREFIX = "SageMaker."


class Route(NamedTuple):
    operation: str  # the model's operation name; "" when the target names none
    service: str  # the service model that defines it
    rest: bool  # REST-JSON: answers and errors as application/json (D56)
    target: str = ""  # X-Amz-Target as sent, for messages
    refusal: UnknownOperationException | None = None  # no operation takes this method and path


def route(method: str, path: str, target: str) -> Route:
    """The route of a request. A missing or unknown ``X-Amz-Target`` is reported later, after
    authentication (D14); a method that no operation takes is the ``refusal``."""
    if target:
        name = target.removeprefix(TARGET_PREFIX) if target.startswith(TARGET_PREFIX) else ""
        refusal = None if method == "POST" else _post_only(method, path)
        return Route(name, model.SAGEMAKER, False, target, refusal)
    segment = path.rstrip("/").rsplit("/", 1)[-1]
    methods = model.rest_routes(model.METRICS).get(segment)
    if methods is None:
        # POST without a target: answered UnknownOperationException once authenticated (D14).
        refusal = None if method == "POST" else _post_only(method, path)
        return Route("", model.SAGEMAKER, False, refusal=refusal)
    operation = methods.get(method)
    if operation is None:
        allowed = " or ".join(sorted(methods))
        text = f"{segment} takes {allowed} requests only; got {method}."
        return Route("", model.METRICS, True, refusal=UnknownOperationException(text, status=405))
    return Route(operation, model.METRICS, True)


def _post_only(method: str, path: str) -> UnknownOperationException:
    return UnknownOperationException(
        f"stemma answers POST requests only; got {method} {path}.", status=405
    )


def unknown_operation(target: str, in_model: bool) -> UnknownOperationException:
    """The error for a target stemma does not serve: in the model or not, or no target at all."""
    if not target:
        return UnknownOperationException("Missing X-Amz-Target header.")
    if in_model:
        return UnknownOperationException(
            f"Operation {target.removeprefix(TARGET_PREFIX)} is not supported by stemma, "
            "which serves the SageMaker ML Lineage Tracking and Experiments APIs."
        )
    return UnknownOperationException(f"Operation {target} is not recognized.")
