"""Compiled shape functions: complete before any thread can use them, recursion included."""

from __future__ import annotations

import threading
import time
from typing import Any

from botocore.model import ServiceModel, Shape

from stemma.protocol.shape_cache import ShapeCache
from stemma.protocol.validator import checker_for, format_errors

_RECURSIVE = {
    "metadata": {"protocol": "json", "apiVersion": "2020-01-01", "jsonVersion": "1.1"},
    "operations": {},
    "shapes": {
        "StemmaTestNode": {
            "type": "structure",
            "required": ["Name"],
            "members": {
                "Name": {"shape": "StemmaTestName"},
                "Children": {"shape": "StemmaTestNodes"},
            },
        },
        "StemmaTestNodes": {"type": "list", "member": {"shape": "StemmaTestNode"}},
        "StemmaTestName": {"type": "string", "max": 3},
    },
}


def test_concurrent_first_use_waits_for_the_complete_function() -> None:
    shape = ServiceModel(_RECURSIVE).shape_for("StemmaTestName")
    builds: list[int] = []

    def slow_build(built: Shape) -> Any:
        builds.append(1)
        time.sleep(0.2)  # a long compile: other threads arrive meanwhile
        return lambda value: f"ok {value}"

    cache: ShapeCache[Any] = ShapeCache(slow_build)
    results: list[str] = []
    errors: list[BaseException] = []

    def use() -> None:
        try:
            results.append(cache.get(shape)("x"))
        except BaseException as exc:  # a RecursionError here was the bug
            errors.append(exc)

    threads = [threading.Thread(target=use) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == ["ok x"] * 16
    assert builds == [1]


def test_recursive_shapes_validate_at_every_depth() -> None:
    node = ServiceModel(_RECURSIVE).shape_for("StemmaTestNode")
    value = {"Name": "a", "Children": [{"Name": "b", "Children": [{"Name": "long"}, {}]}]}
    errors: list[str] = []
    checker_for(node)(value, "", errors)
    assert format_errors(errors) == (
        "2 validation errors detected: "
        "Value 'long' at 'children.1.member.children.1.member.name' failed to satisfy "
        "constraint: Member must have length less than or equal to 3; "
        "Value null at 'children.1.member.children.2.member.name' failed to satisfy "
        "constraint: Member must not be null"
    )
