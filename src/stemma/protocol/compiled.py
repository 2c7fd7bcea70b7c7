"""Compile the decoders, checkers and encoders of the served operations' shapes before serving,
so no request pays for a first use (``stemma.testing`` compiles them lazily instead)."""

from __future__ import annotations

from collections.abc import Iterable

from stemma.protocol import model
from stemma.protocol.parser import decoder_for
from stemma.protocol.serializer import encoder_for
from stemma.protocol.validator import checker_for


def compile_shapes(operations: Iterable[tuple[str, str]]) -> None:
    """Compile the shapes of each (operation, service) pair."""
    for name, service in operations:
        op = model.operation(name, service)
        if op is None:
            raise RuntimeError(f"served operation {name} is not in the service model")
        if op.input_shape is not None:
            decoder_for(op.input_shape)
            checker_for(op.input_shape)
        if op.output_shape is not None:
            encoder_for(op.output_shape)
