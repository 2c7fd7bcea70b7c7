"""The store contract's half of Search: a query as data, which each store compiles itself.

The service parses and validates a SearchExpression against the resource's properties and hands
the store this tree: conditions on typed fields, joined by And/Or, and nested conditions that
one element of a list must satisfy together. The store runs it in SQL (index-backed, never by
loading records into Python); nothing here knows the wire format or property paths.

Fields name where a value lives:

- ``column``: an ``entities`` column (``id``, ``name``, ``parent``, ``source_uri``,
  ``entity_type``, ``created_ms``, ``modified_ms``); with ``prefix``, the text ``prefix || id``
  (an ARN, built by the service);
- ``attr``: a searchable attribute the service stored with the entity (``entity_attrs``);
- ``tag``: a tag's value by key;
- ``metric``: a statistic of a trial component's metric series, by metric name;
- ``parent``: a trial component's memberships (``trial_id``, ``experiment_id``);
- ``member``: a trial's trial components (their ``id``, ``created_ms``, ``source_uri``, ...).

Inside a ``Nested``, a field with ``key`` set addresses the element's key (a tag's key, a
metric's name) instead of its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from stemma.store.contract import Kind

Source = Literal["column", "attr", "tag", "metric", "parent", "member"]
Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "contains", "in", "exists", "notexists"]
# The statistics of a metric series a condition or sort may use.
Stat = Literal["min", "max", "mean", "last", "count", "stddev", "max_ts_ms"]


@dataclass(frozen=True)
class Field:
    source: Source
    name: str = ""  # the column, attribute, tag key, metric name, parent or member field
    stat: Stat | Literal[""] = ""  # for metrics
    prefix: str = ""  # for the id column: compare ``prefix || id`` (an ARN)
    key: bool = False  # in a Nested: the element's key rather than its value


@dataclass(frozen=True)
class Condition:
    """``field op value``. ``number`` and ``text`` are the value as a number (when it parses
    as one) and as text; a field holding numbers compares ``number``, one holding text
    ``text``, and attributes, which may hold either per record, whichever they hold."""

    field: Field
    op: Op
    number: float | None = None
    text: str | None = None
    texts: tuple[str, ...] = ()  # for ``in``


@dataclass(frozen=True)
class Nested:
    """Conditions that one element of a list (``tag``, ``metric``, ``parent``, ``member``)
    must satisfy together; their fields' names are the element's own (``key``/``value`` for
    tags, the metric name as ``name``, ...)."""

    source: Source
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Constant:
    """A condition the service decided itself, for a property that is the same on every
    record of the scope (a trial component's ``LineageGroupArn``)."""

    holds: bool


@dataclass(frozen=True)
class Junction:
    op: Literal["and", "or"]
    parts: tuple[Part, ...]


Part = Condition | Nested | Constant | Junction


@dataclass
class SearchQuery:
    """One page of a Search: matches of ``where`` (everything when None), sorted by ``sort``
    with records lacking it last, ties by id, after the keyset position ``after``."""

    kind: Kind
    where: Part | None
    sort: Field
    descending: bool
    limit: int
    after: list[Any] | None = None  # (sort phase, sort value, id) of the last row returned
    count_limit: int = 100  # TotalHits is exact up to this many matches


@dataclass
class SearchPage:
    rows: list[Any]  # Entity rows, in order
    positions: list[list[Any]]  # each row's keyset position, for the next page's ``after``
    total: int  # matches, counted up to ``count_limit``
    total_capped: bool  # True when there are more than ``count_limit``
