"""Invalid requests for every served operation, generated from the service model.

The operations are the dispatch table's (``stemma.service.HANDLERS``, or ``SERVICE_OF`` where it
exists), each with its input shape from the model; nothing here names an operation or a member,
so an operation added later is attacked as soon as it is served. For each member, down to
``DEPTH`` levels, the values are chosen by shape type to break one constraint at a time (type,
length, range, enum, pattern, required), plus bodies that are not the JSON object wanted at all.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from botocore.model import OperationModel, Shape

from stemma.protocol import model
from stemma.service import HANDLERS

DEPTH = 3
WRONG_TYPES: list[Any] = [123, -1, 1.5e308, "x", [], {}, True, None, [[[]]], {"a": {"b": []}}]
BAD_STRINGS = ["", "\x00", "\n", "\r\n", "\u2028", "\ud83d", "\ufffe", "!!", "a" * 70_000, "é" * 3]
BODIES: list[bytes] = [
    b"",
    b"{",
    b"[]",
    b"null",
    b"1e999999",
    b'"text"',
    b"\xff\xfe\x00",
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b"[" * 50_000 + b"]" * 50_000,
    b'{"\\ud800": 1}',
    b'{"x": 1, "x": 2}',
]


def served() -> list[tuple[str, OperationModel]]:
    """Every served operation with its model, whichever service serves it."""
    try:
        from stemma.service.dispatch import SERVICE_OF  # type: ignore[attr-defined]
    except ImportError:  # a branch without other services: everything is SageMaker
        SERVICE_OF = {}
    found = []
    for name in sorted(HANDLERS):
        service = SERVICE_OF.get(name)
        op = model.operation(name) if service is None else model.operation(name, service)  # type: ignore[call-arg]
        assert op is not None, f"{name} is served but not in the model"
        found.append((name, op))
    return found


def plausible(shape: Shape, depth: int = 0) -> Any:
    """A value of the right type (not necessarily valid) to carry an invalid sibling."""
    kind = shape.type_name
    if kind == "structure":
        if depth >= DEPTH:
            return {}
        required = shape.metadata.get("required", [])
        return {m: plausible(shape.members[m], depth + 1) for m in required}
    if kind == "list":
        return [plausible(shape.member, depth + 1)] if depth < DEPTH else []
    if kind == "map":
        return {}
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum:
            return enum[0]
        return "a" * max(1, shape.metadata.get("min", 1))
    if kind in ("integer", "long"):
        return max(1, int(shape.metadata.get("min", 1)))
    if kind in ("float", "double"):
        return 1.0
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return 1_700_000_000
    return "YQ=="  # blob


def breaking(shape: Shape) -> Iterator[Any]:
    """Values that break ``shape``'s own constraints or type."""
    kind, meta = shape.type_name, shape.metadata
    yield from (v for v in WRONG_TYPES if not _fits(kind, v))
    if kind == "string":
        yield from BAD_STRINGS
        if "max" in meta:
            yield "a" * (meta["max"] + 1)
            yield "\U00020000" * (meta["max"] + 1)
        if meta.get("enum"):
            yield meta["enum"][0].lower() + "-not-a-value"
    elif kind in ("integer", "long", "float", "double"):
        yield from (2**63, -(2**63) - 1, 10**400, "1", 0.5)
        if "min" in meta:
            yield meta["min"] - 1
        if "max" in meta:
            yield meta["max"] + 1
    elif kind == "timestamp":
        yield from ("not-a-date", "2020-13-45T99:00:00Z", 1e20, -1e20, "")
    elif kind == "list":
        yield [None]
        yield [WRONG_TYPES[0]] * (meta.get("max", 100) + 1)
    elif kind == "map":
        yield {"": None}
        yield {"k" * 3000: "v"}
        yield {f"k{i}": "v" for i in range(meta.get("max", 200) + 1)}


def _fits(kind: str, value: Any) -> bool:
    if kind == "structure" or kind == "map":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind == "string" or kind == "blob":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


def invalid_bodies(op: OperationModel) -> Iterator[tuple[str, bytes]]:
    """(description, body) pairs: every systematic variant for ``op``, one broken part each."""
    shape = op.input_shape
    for raw in BODIES:
        yield "body", raw
    if shape is None:
        return
    base = plausible(shape)
    for path, value in _variants(shape, base, (), 0):
        yield path, json.dumps(value).encode()
    for member in shape.metadata.get("required", []):
        yield f"-{member}", json.dumps({k: v for k, v in base.items() if k != member}).encode()


def _variants(
    shape: Shape, base: dict[str, Any], path: tuple[str, ...], depth: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, member in shape.members.items():
        for value in breaking(member):
            yield ".".join((*path, name)), {**base, name: value}
        if member.type_name == "structure" and depth < DEPTH:
            inner = base.get(name) or plausible(member, depth + 1)
            for sub, changed in _variants(member, inner, (*path, name), depth + 1):
                yield sub, {**base, name: changed}


def random_body(op: OperationModel, rng: random.Random) -> bytes:
    """A body with several members broken at once, or garbage; for the long runs."""
    shape = op.input_shape
    if shape is None or rng.random() < 0.1:
        return rng.choice(BODIES)
    body = plausible(shape)
    members = list(shape.members.items())
    for name, member in rng.sample(members, k=min(len(members), rng.randint(1, 3))):
        options = [*list(breaking(member)), plausible(member)]
        body[name] = rng.choice(options)
    return json.dumps(body).encode()
