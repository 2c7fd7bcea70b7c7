"""Server-side validation of decoded requests against the model's constraints.

botocore checks only ``required``, types and ``min`` on the client (and not at all with
``param_validation=False``), so everything the model states is enforced here: required members,
lengths (in code points, D10), full-match patterns (with ``regex`` for the ``\\p{..}`` classes
that ``re`` cannot compile; ``re`` matches the rest faster; ``.`` as Java means it, since AWS
checks patterns with Java's regex),
enums (exact, D11), list and map sizes, numeric ranges. Every violation is collected, in model
member order, depth-first, and reported in AWS's Coral format (D9)::

    2 validation errors detected: Value 'x!' at 'contextName' failed to satisfy constraint: ...; ...

Echoed values are cut at ``ECHO_LIMIT`` characters, so an answer stays small whatever was sent.

Checkers are compiled once per shape; a request costs one walk of its own values. Each scalar
shape also has a ``passes`` predicate that tests every constraint at once; only a value that
fails it goes through the tests one by one, to name the constraints it broke.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import regex
from botocore.model import OperationModel, Shape

from stemma.protocol.errors import ValidationException
from stemma.protocol.shape_cache import ShapeCache

# check(value, path, errors): appends one message item per violation.
Checker = Callable[[Any, str, list[str]], None]
# A scalar test: returns the constraint text when the value violates it, else None.
ScalarTest = Callable[[Any], str | None]
# passes(value): True when a (non-null) scalar value meets every constraint of its shape.
Passes = Callable[[Any], bool]

NOT_NULL = "Member must not be null"
# Characters of a value a message echoes; a longer value is cut there and marked "...". A 1 MB
# invalid value, echoed once per constraint it breaks, would otherwise come back as 2 MB. No
# published AWS limit was found (some services echo 50 KB values whole), so the limit is
# stemma's: above the longest string any served shape allows (8,192), so that a value just past
# a model limit, or a collection holding one, is still echoed whole as AWS echoes it.
ECHO_LIMIT = 10 * 1024


def validate(op: OperationModel, params: dict[str, Any]) -> None:
    """Raise ``ValidationException`` listing every violation in ``params``."""
    shape = op.input_shape
    if shape is None:
        return
    errors: list[str] = []
    checker_for(shape)(params, "", errors)
    if errors:
        raise ValidationException(format_errors(errors))


def format_errors(errors: list[str]) -> str:
    count = len(errors)
    noun = "validation error" if count == 1 else "validation errors"
    return f"{count} {noun} detected: " + "; ".join(errors)


def violation(value: Any, path: str, constraint: str) -> str:
    if value is None:
        return f"Value null at '{path}' failed to satisfy constraint: {constraint}"
    text = render(value)
    if len(text) > ECHO_LIMIT:
        text = text[:ECHO_LIMIT] + "..."
    return f"Value '{text}' at '{path}' failed to satisfy constraint: {constraint}"


def render(value: Any) -> str:
    """Render a value as AWS's (Java) messages do: raw strings, ``[a, b]``, ``{k=v}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def camel(name: str) -> str:
    """AWS error paths use lowerCamelCase member names: ``ContextName`` -> ``contextName``."""
    return name[:1].lower() + name[1:]


def checker_for(shape: Shape) -> Checker:
    return _CHECKERS.get(shape)


def _build(shape: Shape) -> Checker:
    if shape.type_name == "structure":
        return _build_structure(shape)
    if shape.type_name == "list":
        return _build_list(shape)
    if shape.type_name == "map":
        return _build_map(shape)
    return _build_scalar(shape)


def _build_structure(shape: Shape) -> Checker:
    required = set(shape.required_members)
    members = [
        (name, camel(name), name in required, checker_for(member), _passes(member))
        for name, member in shape.members.items()
    ]

    def check(value: Any, path: str, errors: list[str]) -> None:
        for name, wire, is_required, member_check, passes in members:
            item = value.get(name)
            if item is None:
                if is_required:
                    errors.append(violation(None, f"{path}.{wire}" if path else wire, NOT_NULL))
            elif passes is None or not passes(item):
                member_check(item, f"{path}.{wire}" if path else wire, errors)

    return check


def _at_most(limit: int, text: str, measure: Callable[[Any], Any]) -> ScalarTest:
    return lambda value: text if measure(value) > limit else None


def _at_least(limit: int, text: str, measure: Callable[[Any], Any]) -> ScalarTest:
    return lambda value: text if measure(value) < limit else None


def _matches(compiled: Any, text: str) -> ScalarTest:
    return lambda value: None if compiled.fullmatch(value) else text


def _one_of(allowed: frozenset[str], text: str) -> ScalarTest:
    return lambda value: None if value in allowed else text


def _identity(value: Any) -> Any:
    return value


def _size_tests(shape: Shape) -> list[ScalarTest]:
    """Length tests for strings, lists and maps (``len`` counts code points for str, D10)."""
    tests: list[ScalarTest] = []
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if high is not None:
        text = f"Member must have length less than or equal to {high}"
        tests.append(_at_most(high, text, len))
    if low is not None and low > 0:
        text = f"Member must have length greater than or equal to {low}"
        tests.append(_at_least(low, text, len))
    return tests


# No string may carry U+0000: PostgreSQL cannot store it, and no AWS identifier or text field
# has a use for it. A rule the model does not state, applied to every string alike.
NO_NUL = "Member must not contain the character U+0000"


def _no_nul(value: Any) -> str | None:
    return NO_NUL if "\x00" in value else None


def _scalar_tests(shape: Shape) -> list[ScalarTest]:
    meta = shape.metadata
    tests: list[ScalarTest] = []
    if shape.type_name == "string":
        tests.append(_no_nul)
        tests.extend(_size_tests(shape))
        pattern = meta.get("pattern")
        if pattern is not None:
            text = f"Member must satisfy regular expression pattern: {pattern}"
            tests.append(_matches(_compile(pattern), text))
        enum = shape.enum
        if enum:
            text = "Member must satisfy enum value set: [" + ", ".join(enum) + "]"
            tests.append(_one_of(frozenset(enum), text))
    elif shape.type_name in ("integer", "long", "float", "double"):
        low, high = meta.get("min"), meta.get("max")
        if high is not None:
            text = f"Member must have value less than or equal to {high}"
            tests.append(_at_most(high, text, _identity))
        if low is not None:
            text = f"Member must have value greater than or equal to {low}"
            tests.append(_at_least(low, text, _identity))
    return tests


# Class escapes whose meaning differs between ``re`` and ``regex`` (their Unicode tables differ:
# U+001C-U+001F are ``\s`` to ``re`` only, combining marks are ``\w`` to ``regex`` only).
_DIFFERING_CLASSES = re.compile(r"\\[wWsSbBdD]")


# What Java's "." matches: anything but its line terminators (java.util.regex.Pattern, "Line
# terminators"). Python's "." refuses only "\n"; AWS checks the model's patterns with Java's.
_JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"


def java_dots(pattern: str) -> str:
    """``pattern`` with each "." that means "any character" (unescaped, outside a class)
    replaced by Java's meaning of it. (Java's ``\\w``, ``\\s`` and ``\\d`` are ASCII-only, another
    difference; no served shape's pattern uses them.)"""
    if "." not in pattern:
        return pattern
    out: list[str] = []
    depth = 0  # inside a character class (Java nests them)
    escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        elif char == "." and not depth:
            out.append(_JAVA_DOT)
            continue
        out.append(char)
    return "".join(out)


def _compile(pattern: str) -> Any:
    """``re`` (2.5x faster) where it compiles the pattern and means the same; else ``regex``.
    Either way "." means what it means to Java (``java_dots``)."""
    pattern = java_dots(pattern)
    if _DIFFERING_CLASSES.search(pattern) is None:
        try:
            return re.compile(pattern)
        except re.error:
            pass
    return regex.compile(pattern)  # \p{..} classes and the like


def _passes(shape: Shape) -> Passes | None:
    """All of a scalar shape's constraints as one predicate; None for other shapes."""
    if shape.type_name not in ("string", "integer", "long", "float", "double", "boolean"):
        return None
    if shape.type_name != "string":
        tests = _scalar_tests(shape)
        return lambda value: all(test(value) is None for test in tests)
    meta = shape.metadata
    low, high = meta.get("min", 0), meta.get("max", float("inf"))
    pattern = meta.get("pattern")
    fullmatch = _compile(pattern).fullmatch if pattern is not None else None
    allowed = frozenset(shape.enum) if shape.enum else None
    if allowed is not None:
        return lambda value: (
            value in allowed
            and "\x00" not in value
            and low <= len(value) <= high
            and (fullmatch is None or fullmatch(value) is not None)
        )
    if fullmatch is None:
        return lambda value: "\x00" not in value and low <= len(value) <= high
    return lambda value: (
        "\x00" not in value and low <= len(value) <= high and fullmatch(value) is not None
    )


def _build_scalar(shape: Shape) -> Checker:
    tests = _scalar_tests(shape)
    if not tests:
        return lambda value, path, errors: None

    def check(value: Any, path: str, errors: list[str]) -> None:
        for test in tests:
            text = test(value)
            if text is not None:
                errors.append(violation(value, path, text))

    return check


def _element_passes(tests: list[ScalarTest], value: Any) -> bool:
    return value is not None and all(test(value) is None for test in tests)


def _summary(shape: Shape, nul: bool = False) -> str:
    """Every constraint of an element shape, as AWS lists them for collection elements (with
    stemma's NUL rule when that is what an element broke)."""
    texts = _constraint_texts(shape) + ([NO_NUL] if nul else [])
    return "[" + ", ".join([*texts, NOT_NULL]) + "]"


def _has_nul(values: Any) -> bool:
    return any(isinstance(v, str) and "\x00" in v for v in values)


def _constraint_texts(shape: Shape) -> list[str]:
    meta = shape.metadata
    texts: list[str] = []
    if "max" in meta:
        kind = "length" if shape.type_name == "string" else "value"
        texts.append(f"Member must have {kind} less than or equal to {meta['max']}")
    if "min" in meta:
        kind = "length" if shape.type_name == "string" else "value"
        texts.append(f"Member must have {kind} greater than or equal to {meta['min']}")
    if "pattern" in meta:
        texts.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    if shape.type_name == "string" and shape.enum:
        texts.append("Member must satisfy enum value set: [" + ", ".join(shape.enum) + "]")
    return texts


def _build_list(shape: Shape) -> Checker:
    size_tests = _size_tests(shape)
    member = shape.member
    if member.type_name in ("structure", "list", "map"):
        member_check = checker_for(member)

        def check_nested(value: Any, path: str, errors: list[str]) -> None:
            _check_size(size_tests, value, path, errors)
            for index, item in enumerate(value, start=1):
                item_path = f"{path}.{index}.member"
                if item is None:
                    errors.append(violation(None, item_path, NOT_NULL))
                else:
                    member_check(item, item_path, errors)

        return check_nested

    element_tests = _scalar_tests(member)
    element_text = "Member must satisfy constraint: " + _summary(member)
    element_nul_text = "Member must satisfy constraint: " + _summary(member, nul=True)

    def check_scalars(value: Any, path: str, errors: list[str]) -> None:
        _check_size(size_tests, value, path, errors)
        if not all(_element_passes(element_tests, item) for item in value):
            text = element_nul_text if _has_nul(value) else element_text
            errors.append(violation(value, path, text))

    return check_scalars


def _build_map(shape: Shape) -> Checker:
    size_tests = _size_tests(shape)
    if shape.value.type_name in ("structure", "list", "map"):
        return _build_map_of_shapes(shape, size_tests)
    key_tests = _scalar_tests(shape.key)
    value_tests = _scalar_tests(shape.value)
    key_texts = {
        nul: "Map keys must satisfy constraint: " + _summary(shape.key, nul)
        for nul in (False, True)
    }
    value_texts = {
        nul: "Map value must satisfy constraint: " + _summary(shape.value, nul)
        for nul in (False, True)
    }

    def check(value: Any, path: str, errors: list[str]) -> None:
        _check_size(size_tests, value, path, errors)
        if not all(_element_passes(key_tests, k) for k in value):
            errors.append(violation(value, path, key_texts[_has_nul(value)]))
        if not all(_element_passes(value_tests, v) for v in value.values()):
            errors.append(violation(value, path, value_texts[_has_nul(value.values())]))

    return check


def _build_map_of_shapes(shape: Shape, size_tests: list[ScalarTest]) -> Checker:
    """A map whose values are structures (trial component parameters and artifacts): keys as
    for any map, each value checked member by member at ``<map>.<key>.<member>``, a path form
    AWS does not document (stemma's decision, docs/operations.md)."""
    key_tests = _scalar_tests(shape.key)
    key_texts = {
        nul: "Map keys must satisfy constraint: " + _summary(shape.key, nul)
        for nul in (False, True)
    }
    value_check = checker_for(shape.value)

    def check(value: Any, path: str, errors: list[str]) -> None:
        _check_size(size_tests, value, path, errors)
        if not all(_element_passes(key_tests, k) for k in value):
            errors.append(violation(value, path, key_texts[_has_nul(value)]))
        for key, item in value.items():
            if item is None:
                errors.append(violation(None, f"{path}.{key}", NOT_NULL))
            else:
                value_check(item, f"{path}.{key}", errors)

    return check


def _check_size(tests: list[ScalarTest], value: Any, path: str, errors: list[str]) -> None:
    for test in tests:
        text = test(value)
        if text is not None:
            errors.append(violation(value, path, text))


_CHECKERS: ShapeCache[Checker] = ShapeCache(_build)
