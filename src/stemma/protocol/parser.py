"""AWS JSON 1.1 request decoding, driven by the operation's input shape.

The parser knows shape *types* (structure, list, map, string, integer, boolean, timestamp, ...),
never member names. It turns the body into plain Python values: unknown members are dropped and
JSON ``null`` means absent (D5); timestamps become float epoch seconds (D6). A JSON value of the
wrong type is a ``SerializationException`` (D4). Constraints (lengths, patterns, enums) are the
validator's job, not this module's.

Decoders are compiled once per shape and cached, so a request costs one walk of its own values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import orjson
from botocore.model import OperationModel, Shape

from stemma.protocol.errors import SerializationException
from stemma.protocol.shape_cache import ShapeCache
from stemma.protocol.timestamps import parse_timestamp_string

Decoder = Callable[[Any, str], Any]


def parse_body(op: OperationModel, body: bytes) -> dict[str, Any]:
    """Decode a request body for ``op``; an empty body is ``{}``."""
    if not body.strip():
        return {}
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SerializationException("Request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise SerializationException("Request body must be a JSON object.")
    shape = op.input_shape
    if shape is None:
        return {}
    result: dict[str, Any] = decoder_for(shape)(data, "")
    return result


def decoder_for(shape: Shape) -> Decoder:
    return _DECODERS.get(shape)


def _build(shape: Shape) -> Decoder:
    return _BUILDERS.get(shape.type_name, _build_passthrough)(shape)


def _mismatch(path: str, expected: str) -> SerializationException:
    where = f" at '{path}'" if path else ""
    return SerializationException(f"Expected {expected}{where}.")


def _build_structure(shape: Shape) -> Decoder:
    members = [
        (name, decoder_for(member), member.type_name == "string")
        for name, member in shape.members.items()
    ]

    def decode(value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _mismatch(path, "a JSON object")
        out: dict[str, Any] = {}
        for name, member_decoder, is_string in members:
            item = value.get(name)
            if item is None:
                continue
            if is_string and type(item) is str:
                out[name] = item  # the common case, without building a path for errors
            else:
                out[name] = member_decoder(item, f"{path}.{name}" if path else name)
        return out

    return decode


def _build_list(shape: Shape) -> Decoder:
    member = decoder_for(shape.member)

    def decode(value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise _mismatch(path, "a JSON array")
        # A null inside a list is kept as None so the validator can report it.
        return [None if v is None else member(v, f"{path}[{i}]") for i, v in enumerate(value)]

    return decode


def _build_map(shape: Shape) -> Decoder:
    value_decoder = decoder_for(shape.value)
    strings = shape.value.type_name == "string"

    def decode(value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _mismatch(path, "a JSON object")
        if strings and all(type(v) is str for v in value.values()):
            return value  # JSON object keys are strings already: nothing to convert
        return {k: None if v is None else value_decoder(v, f"{path}.{k}") for k, v in value.items()}

    return decode


def _build_string(shape: Shape) -> Decoder:
    def decode(value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise _mismatch(path, "a string")
        return value

    return decode


# Smithy's integer is 32 bits and its long 64 (https://smithy.io/2.0/spec/simple-types.html):
# a number outside is not a value of the type at all.
_BITS = {"integer": 31, "long": 63}


def _build_integer(shape: Shape) -> Decoder:
    limit = 2 ** _BITS[shape.type_name]
    expected = f"a {32 if limit == 2**31 else 64}-bit integer"

    def decode(value: Any, path: str) -> int:
        if isinstance(value, bool):
            raise _mismatch(path, expected)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and -limit <= value < limit:
            return value
        raise _mismatch(path, expected)

    return decode


# botocore (like every Smithy JSON client) sends non-finite doubles as these strings (§1.5);
# business rules then refuse them where they have no meaning.
NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _build_float(shape: Shape) -> Decoder:
    def decode(value: Any, path: str) -> float:
        if isinstance(value, str) and value in NON_FINITE:
            return NON_FINITE[value]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _mismatch(path, "a number")
        return float(value)

    return decode


def _build_boolean(shape: Shape) -> Decoder:
    def decode(value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise _mismatch(path, "a boolean")
        return value

    return decode


def _build_timestamp(shape: Shape) -> Decoder:
    def decode(value: Any, path: str) -> float:
        # botocore sends integer seconds; other SDKs send fractional doubles (D6).
        if isinstance(value, bool):
            raise _mismatch(path, "a timestamp")
        if isinstance(value, int | float):
            seconds = float(value)
        elif isinstance(value, str):
            seconds = parse_timestamp_string(value) or math.nan
        else:
            seconds = math.nan
        if not math.isfinite(seconds):
            raise _mismatch(path, "a timestamp")
        return seconds

    return decode


def _build_passthrough(shape: Shape) -> Decoder:
    return lambda value, path: value


_BUILDERS: dict[str, Callable[[Shape], Decoder]] = {
    "structure": _build_structure,
    "list": _build_list,
    "map": _build_map,
    "string": _build_string,
    "integer": _build_integer,
    "long": _build_integer,
    "float": _build_float,
    "double": _build_float,
    "boolean": _build_boolean,
    "timestamp": _build_timestamp,
}

_DECODERS: ShapeCache[Decoder] = ShapeCache(_build)
