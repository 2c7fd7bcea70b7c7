"""A SearchExpression, checked and turned into the store's query tree (§5.4, §5.5, D70).

Filters AND or OR with nested filters and sub-expressions; a nested filter holds when one
element of a list satisfies all its filters. Every check happens here, before the store sees
anything: the element limit, property paths, operators against the value's kind, values that
must parse, and the one-``Contains`` rule, each with the reference's text (§5.8).
"""

from __future__ import annotations

from typing import Any

from stemma.context import RequestContext
from stemma.protocol.errors import ValidationException
from stemma.protocol.timestamps import parse_timestamp_string
from stemma.service import arns
from stemma.service.search.properties import (
    CONTAINS_UNLIMITED,
    STATS,
    Property,
    first_segment,
    resolve,
    static_paths,
)
from stemma.store.contract import Kind
from stemma.store.search_query import Condition, Constant, Field, Junction, Nested, Op, Part

MAX_ELEMENTS = 50
OPERATORS: dict[str, Op] = {
    "Equals": "eq",
    "NotEquals": "ne",
    "GreaterThan": "gt",
    "GreaterThanOrEqualTo": "ge",
    "LessThan": "lt",
    "LessThanOrEqualTo": "le",
    "Contains": "contains",
    "In": "in",
    "Exists": "exists",
    "NotExists": "notexists",
}
ALLOWED: dict[str, frozenset[Op]] = {
    "text": frozenset(("eq", "ne", "contains", "in", "exists", "notexists")),
    "number": frozenset(("eq", "ne", "gt", "ge", "lt", "le", "exists", "notexists")),
    "timestamp": frozenset(("eq", "ne", "gt", "ge", "lt", "le", "exists", "notexists")),
    "mixed": frozenset(OPERATORS.values()),
}
# NestedPropertyName -> (the list it walks, the kinds that have it)
NESTED: dict[str, tuple[str, tuple[Kind, ...]]] = {
    "parents": ("parent", ("experiment-trial-component",)),
    "metrics": ("metric", ("experiment-trial-component",)),
    "tags": ("tag", ("experiment", "experiment-trial", "experiment-trial-component")),
    "trialcomponentsummaries": ("member", ("experiment-trial",)),
}


class ExpressionCompiler:
    """One request's expression: counts its elements and its limited ``Contains`` uses."""

    def __init__(self, ctx: RequestContext, resource: str, kind: Kind) -> None:
        self.ctx = ctx
        self.resource = resource
        self.kind = kind
        self.elements = 0
        self.contains = 0

    def expression(self, expr: dict[str, Any]) -> Part:
        filters = expr.get("Filters") or []
        nested = expr.get("NestedFilters") or []
        subs = expr.get("SubExpressions") or []
        if not (filters or nested or subs):
            raise ValidationException(
                "You must provide at least one subexpression, filter, or nested filter."
            )
        self.elements += len(filters) + len(nested) + len(subs)
        self.elements += sum(len(n.get("Filters") or []) for n in nested)
        if self.elements > MAX_ELEMENTS:
            raise ValidationException(
                f"The search expression has {self.elements} elements; the maximum is "
                f"{MAX_ELEMENTS}."
            )
        parts: list[Part] = [self.filter(f) for f in filters]
        parts.extend(self.nested(n) for n in nested)
        parts.extend(self.expression(sub) for sub in subs)
        return Junction("or" if expr.get("Operator") == "Or" else "and", tuple(parts))

    def filter(self, item: dict[str, Any]) -> Condition | Constant:
        name = item["Name"]
        return self.condition(name, resolve(self.resource, self.kind, name), item)

    def condition(self, name: str, prop: Property, item: dict[str, Any]) -> Condition | Constant:
        """A filter on ``prop``: its operator checked against the value's kind, its value
        parsed as that kind."""
        operator = item.get("Operator", "Equals")
        op = OPERATORS[operator]
        value = item.get("Value")
        if op not in ALLOWED[prop.kind]:
            raise ValidationException(
                f"Operator {operator} is not supported for property '{name}'."
            )
        if op == "contains" and first_segment(name) not in CONTAINS_UNLIMITED:
            self.contains += 1
            if self.contains > 1:
                raise ValidationException("'CONTAINS' operator usage limit of 1 exceeded.")
        if prop.constant:
            return _constant(op, value, arns.lineage_group(self.ctx).lower())
        if op in ("exists", "notexists"):
            return Condition(prop.field, op)
        if value is None:
            raise ValidationException(
                f"Filter on '{name}' requires a Value for operator {operator}."
            )
        if prop.kind == "number":
            return Condition(prop.field, op, number=_number(value, name))
        if prop.kind == "timestamp":
            return Condition(prop.field, op, number=_timestamp_ms(value, name))
        texts: tuple[str, ...] = ()
        if op == "in":
            texts = tuple(t.strip() for t in value.split(","))
        if prop.folded:
            value, texts = value.lower(), tuple(t.lower() for t in texts)
        field = prop.field
        if prop.arn:
            kind: Kind = self.kind if field.source == "column" else "experiment-trial-component"
            field = Field(field.source, field.name, prefix=arns.build(self.ctx, kind, ""))
        number = _number_or_none(value) if prop.kind == "mixed" else None
        return Condition(field, op, number=number, text=value, texts=texts)

    def nested(self, item: dict[str, Any]) -> Nested:
        list_name = item["NestedPropertyName"]
        known = NESTED.get(list_name.lower())
        if known is None or self.kind not in known[1]:
            if list_name.lower() in ("inputartifacts", "outputartifacts"):
                raise ValidationException(
                    f"NestedFilters on '{list_name}' are not supported by this server; "
                    f"filter on '{list_name}.<key>' instead."
                )
            raise ValidationException(
                f"'{list_name}' is not a valid property for resource {self.resource}."
            )
        source = known[0]
        conditions = []
        for f in item["Filters"]:
            name = f["Name"]
            head, dot, rest = name.partition(".")
            if not dot or head.lower() != list_name.lower():
                raise ValidationException(f"Filter '{name}' must start with '{list_name}.'.")
            conditions.append(self.condition(name, self._element(source, name, rest), f))
        return Nested(source, tuple(conditions))  # type: ignore[arg-type]  # a list source

    def _element(self, source: str, name: str, rest: str) -> Property:
        """A field of one element of a nested filter's list."""
        field = rest.lower()
        if source == "parent" and field in ("trialname", "experimentname"):
            column = "trial_id" if field == "trialname" else "experiment_id"
            return Property(Field("parent", column), "text", folded=True)
        if source == "tag" and field in ("key", "value"):
            return Property(Field("tag", key=field == "key"), "text")
        if source == "metric":
            if field == "metricname":
                return Property(Field("metric", key=True), "text")
            if field in STATS:
                stat = STATS[field]
                return Property(
                    Field("metric", stat=stat), "timestamp" if stat == "max_ts_ms" else "number"
                )
        if source == "member":
            found = static_paths(self.kind).get(f"trialcomponentsummaries.{field}")
            if found is not None:
                return found
        raise ValidationException(f"'{name}' is not a valid property for resource {self.resource}.")


def _constant(op: Op, value: str | None, actual: str) -> Constant:
    """A filter on a property every record holds with the same value (``actual``)."""
    given = (value or "").lower()
    outcomes = {
        "eq": given == actual,
        "ne": given != actual,
        "contains": given in actual,
        "in": actual in (t.strip() for t in given.split(",")),
        "exists": True,
        "notexists": False,
    }
    return Constant(outcomes.get(op, False))


def _number(value: str, name: str) -> float:
    number = _number_or_none(value)
    if number is None:
        raise ValidationException(f"Value '{value}' is not a valid number for property '{name}'.")
    return number


def _number_or_none(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _timestamp_ms(value: str, name: str) -> float:
    """ISO 8601 (``YYYY-mm-ddTHH:MM:SS``, fractions and offsets allowed, UTC by default) or
    epoch seconds, as milliseconds."""
    seconds = parse_timestamp_string(value)
    if seconds is None:
        raise ValidationException(
            f"Value '{value}' is not a valid timestamp for property '{name}'."
        )
    return seconds * 1000
