"""One compiled function per model shape, built once, safely from any thread.

The parser, validator and serializer each compile a function per shape, keyed by the shape's
model and name (names are unique within a model, not across the two models stemma serves).
Building is serialized by a lock and a function is published only once it is complete, so a
request arriving while another thread compiles never sees half a function.
Recursive shapes refer to themselves through a forwarding stub that is filled in when their
build completes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from botocore.model import Shape

F = TypeVar("F", bound=Callable[..., Any])


class ShapeCache(Generic[F]):
    def __init__(self, build: Callable[[Shape], F]) -> None:
        self._build = build
        self._done: dict[tuple[int, str], F] = {}
        self._building: dict[tuple[int, str], F] = {}
        self._lock = threading.RLock()  # re-entered by the builds of member shapes

    def get(self, shape: Shape) -> F:
        # A model's shapes share its resolver, which lives as long as the (cached) model.
        key = (id(shape._shape_resolver), shape.name)
        found = self._done.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._done.get(key) or self._building.get(key)
            if found is not None:
                return found
            cell: list[F] = []

            def stub(*args: Any) -> Any:
                return cell[0](*args)

            self._building[key] = stub  # type: ignore[assignment]  # same call shape
            try:
                built = self._build(shape)
            finally:
                del self._building[key]
            cell.append(built)
            self._done[key] = built
            return built
