"""AWS JSON 1.1 and REST-JSON response encoding, driven by the operation's output shape.

Handlers return plain dicts. The serializer walks the output shape by type: absent (``None``)
members are omitted rather than sent as ``null`` (D8), and timestamps go out as JSON numbers,
epoch seconds rounded to milliseconds (D7). Members the shape does not know are never sent, so an
internal field cannot leak onto the wire. Errors are written by ``error_body``, the one place
that knows the error body format (D1, D56). Both protocols put the output members in a JSON body;
neither of the served REST operations binds an output member to a header.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson
from botocore.model import OperationModel, Shape

from stemma.protocol.errors import ServiceError
from stemma.protocol.model import modeled_error_codes
from stemma.protocol.shape_cache import ShapeCache

CONTENT_TYPE = "application/x-amz-json-1.1"
REST_CONTENT_TYPE = "application/json"

Encoder = Callable[[Any], Any]


def serialize_output(op: OperationModel, result: dict[str, Any]) -> bytes:
    shape = op.output_shape
    if shape is None:
        return b"{}"
    return orjson.dumps(encoder_for(shape)(result))


def error_body(error: ServiceError, rest: bool = False) -> bytes:
    """``{"__type": code, "message": ...}``, plus ``Message`` for modeled errors (D1), and for
    every REST-JSON error (D56).

    botocore reads the code from ``__type`` only and the message from ``message`` first; for the
    four error shapes the model declares it also copies the shape's ``Message`` member to the
    top-level ``Message`` of the response. For REST-JSON it reads the code from the
    ``X-Amzn-ErrorType`` header first, which every error answer carries.
    """
    body: dict[str, str] = {"__type": error.code, "message": error.message}
    if rest or error.code in modeled_error_codes():
        body["Message"] = error.message
    return orjson.dumps(body)


def encoder_for(shape: Shape) -> Encoder:
    return _ENCODERS.get(shape)


def _build(shape: Shape) -> Encoder:
    return _BUILDERS.get(shape.type_name, _build_passthrough)(shape)


def _converts(shape: Shape) -> bool:
    """Whether values of ``shape`` need converting for the wire: structures (which drop what
    the shape does not have) and timestamps, or collections holding them. The rest goes out as
    it is, without a call per value."""
    if shape.type_name in ("structure", "timestamp"):
        return True
    if shape.type_name == "list":
        return _converts(shape.member)
    if shape.type_name == "map":
        return _converts(shape.value)
    return False


def _build_structure(shape: Shape) -> Encoder:
    members = [
        (name, encoder_for(member) if _converts(member) else None)
        for name, member in shape.members.items()
    ]

    def encode(value: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, member_encoder in members:
            item = value.get(name)
            if item is not None:
                out[name] = item if member_encoder is None else member_encoder(item)
        return out

    return encode


def _build_list(shape: Shape) -> Encoder:
    if not _converts(shape.member):
        return _identity
    member = encoder_for(shape.member)
    return lambda value: [member(v) for v in value]


def _build_map(shape: Shape) -> Encoder:
    if not _converts(shape.value):
        return _identity
    member = encoder_for(shape.value)
    return lambda value: {k: member(v) for k, v in value.items()}


def _identity(value: Any) -> Any:
    return value


def _build_timestamp(shape: Shape) -> Encoder:
    def encode(value: Any) -> float | int:
        if isinstance(value, dt.datetime):
            value = value.timestamp()
        seconds = round(float(value), 3)
        return int(seconds) if seconds.is_integer() else seconds

    return encode


def _build_passthrough(shape: Shape) -> Encoder:
    return lambda value: value


_BUILDERS: dict[str, Callable[[Shape], Encoder]] = {
    "structure": _build_structure,
    "list": _build_list,
    "map": _build_map,
    "timestamp": _build_timestamp,
}

_ENCODERS: ShapeCache[Encoder] = ShapeCache(_build)
