"""The table from operation name to handler, filled by ``@handler`` markers in service modules.

A handler takes the request context and the parsed, validated request (a dict keyed by the
model's member names) and returns the response members as a dict, or raises a ``ServiceError``.
It never sees HTTP, status codes or wire JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stemma.context import RequestContext

Request = dict[str, Any]
Response = dict[str, Any]
Handler = Callable[[RequestContext, Request], Response]

HANDLERS: dict[str, Handler] = {}
SERVICE_OF: dict[str, str] = {}  # operation -> the service model that defines it


def handler(operation: str, service: str = "sagemaker") -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``operation`` of ``service``."""

    def register(fn: Handler) -> Handler:
        if operation in HANDLERS:
            raise RuntimeError(f"two handlers for {operation}")
        HANDLERS[operation] = fn
        SERVICE_OF[operation] = service
        return fn

    return register
