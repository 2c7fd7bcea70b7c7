"""Search in SQL: a ``SearchQuery`` compiled into one statement per sort phase, plus a count.

Conditions on lists (attributes, tags, metrics, memberships) become ``EXISTS`` subqueries that
seek the list's index for the record at hand; ``NotEquals`` and ``NotExists`` become ``NOT
EXISTS``, so a record without the property matches them (D70). The sort runs in phases, so that
each phase can walk an index in order: records with a numeric sort value, then those with a
text value, then those without one, whatever the direction (D71). A page's keyset position is
(phase, value, id).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from stemma.store.contract import Scope
from stemma.store.search_query import (
    Condition,
    Constant,
    Field,
    Junction,
    Nested,
    Part,
    SearchPage,
    SearchQuery,
)
from stemma.store.sql.base import ENTITY_COLUMNS, SqlBase, entity_from_row
from stemma.store.sql.entities import TEXT_KEY

COMPONENT = "'experiment-trial-component'"
_COLUMNS = ", ".join(f"e.{c}" for c in ENTITY_COLUMNS.split(", "))
_NUMERIC_COLUMNS = frozenset(("created_ms", "modified_ms"))
_STATS = {
    "min": "{s}.min",
    "max": "{s}.max",
    "mean": "{s}.mean",
    "last": "{s}.last",
    "count": "{s}.count",
    "max_ts_ms": "{s}.max_ts_ms",
    "stddev": "sqrt({s}.m2 / {s}.count)",
}
# How each list joins the record ``e``: its table and alias, the link, and the column holding
# the list's key (attribute name, tag key, metric name), if it has one.
_LISTS: dict[str, tuple[str, str, str]] = {
    "attr": (
        "entity_attrs {a}",
        "{a}.account = e.account AND {a}.region = e.region AND {a}.kind = e.kind AND {a}.id = e.id",
        "{a}.attr",
    ),
    "tag": (
        "tags {a}",
        "{a}.account = e.account AND {a}.region = e.region AND {a}.kind = e.kind AND {a}.id = e.id",
        "{a}.key",
    ),
    "metric": (
        "metric_series {a}",
        "{a}.account = e.account AND {a}.region = e.region AND {a}.tc_id = e.id",
        "{a}.name",
    ),
    "parent": (
        "trial_members {a}",
        "{a}.account = e.account AND {a}.region = e.region AND {a}.tc_id = e.id",
        "",
    ),
    "member": (
        "trial_members {a} JOIN entities {a}c ON {a}c.account = {a}.account"
        f" AND {{a}}c.region = {{a}}.region AND {{a}}c.kind = {COMPONENT}"
        " AND {a}c.id = {a}.tc_id",
        "{a}.account = e.account AND {a}.region = e.region AND {a}.trial_id = e.id",
        "",
    ),
}


class Compiler:
    """Builds SQL text and its parameters for one query; aliases are numbered as it goes."""

    def __init__(self, contains: str) -> None:
        self.params: list[Any] = []
        self._aliases = 0
        self._contains = contains  # "instr({x}, ?) > 0" or "strpos({x}, ?) > 0"

    def alias(self) -> str:
        self._aliases += 1
        return f"x{self._aliases}"

    def part(self, part: Part) -> str:
        if isinstance(part, Junction):
            joiner = " AND " if part.op == "and" else " OR "
            parts = _merge_bounds(part.parts) if part.op == "and" else list(part.parts)
            return "(" + joiner.join(self.part(p) for p in parts) + ")"
        if isinstance(part, Nested):
            return self._nested(part)
        if isinstance(part, Constant):
            return "1 = 1" if part.holds else "1 = 0"
        return self._condition(part)

    def _condition(self, cond: Condition) -> str:
        field = cond.field
        if field.source == "column":
            return self._predicate(cond, *self._column(field))
        a = self.alias()
        table, link, key = (t.format(a=a) for t in _LISTS[field.source])
        where = [link]
        if key:
            where.append(f"{key} = ?")
            self.params.append(field.name)
        if cond.op in ("ne", "notexists"):
            if cond.op == "ne":
                where.append(self._predicate(_as_eq(cond), *self._element(field, a)))
            return f"NOT EXISTS (SELECT 1 FROM {table} WHERE {' AND '.join(where)})"
        where.append(self._predicate(cond, *self._element(field, a)))
        return f"EXISTS (SELECT 1 FROM {table} WHERE {' AND '.join(where)})"

    def _nested(self, nested: Nested) -> str:
        a = self.alias()
        table, link, _ = (t.format(a=a) for t in _LISTS[nested.source])
        where = [link]
        key = _LISTS[nested.source][2].format(a=a)
        for cond in nested.conditions:
            if cond.field.key:
                where.append(self._predicate(cond, None, key))
            else:
                where.append(self._predicate(cond, *self._element(cond.field, a)))
        return f"EXISTS (SELECT 1 FROM {table} WHERE {' AND '.join(where)})"

    def _column(self, field: Field) -> tuple[str | None, str | None]:
        """(numeric expression, text expression) of an ``entities`` column."""
        if field.prefix:
            self.params.append(field.prefix)
            return None, f"(CAST(? AS TEXT) || e.{field.name})"
        if field.name in _NUMERIC_COLUMNS:
            return f"e.{field.name}", None
        return None, f"e.{field.name}"

    def _element(self, field: Field, a: str) -> tuple[str | None, str | None]:
        """(numeric expression, text expression) of a list element's value."""
        if field.source == "attr":
            return f"{a}.num", f"{a}.txt"
        if field.source == "tag":
            return None, f"{a}.value"
        if field.source == "metric":
            return _STATS[field.stat].format(s=a), None
        if field.source == "parent":
            return None, f"{a}.{field.name}"
        # member: the member trial component's column (an ARN: the prefix, then the id)
        if field.name in _NUMERIC_COLUMNS:
            return f"{a}c.{field.name}", None
        if field.prefix:
            self.params.append(field.prefix)
            return None, f"(CAST(? AS TEXT) || {a}c.{field.name})"
        return None, f"{a}c.{field.name}"

    def _predicate(self, cond: Condition, number: str | None, text: str | None) -> str:
        op = cond.op
        if op == "exists":
            present = " OR ".join(f"{x} IS NOT NULL" for x in (number, text) if x)
            return f"({present})" if present else "1 = 0"
        if op == "notexists":
            absent = " AND ".join(f"{x} IS NULL" for x in (number, text) if x)
            return f"({absent})" if absent else "1 = 1"
        if op == "ne":
            return f"CASE WHEN {self._predicate(_as_eq(cond), number, text)} THEN 0 ELSE 1 END = 1"
        if op == "eq":
            parts = []
            if number is not None and cond.number is not None:
                parts.append(f"{number} = ?")
                self.params.append(cond.number)
            if text is not None and cond.text is not None:
                if text.endswith(".txt"):  # an attribute: seek its index's prefix first
                    parts.append(f"({text}_key = ? AND {text} = ?)")
                    self.params.extend((cond.text[:TEXT_KEY], cond.text))
                else:
                    parts.append(f"{text} = ?")
                    self.params.append(cond.text)
            return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"
        if op in ("gt", "ge", "lt", "le"):
            if number is None or cond.number is None:
                return "1 = 0"
            self.params.append(cond.number)
            return f"{number} {_COMPARISONS[op]} ?"
        if text is None:
            return "1 = 0"
        if op == "contains":
            self.params.append(cond.text)
            return self._contains.format(x=text)
        self.params.extend(cond.texts)  # in
        return f"{text} IN ({', '.join('?' for _ in cond.texts)})"


_COMPARISONS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
# Lists that hold at most one element per record and key: two bounds on one of them can be
# checked on the same element, in one subquery that seeks the range (Parameters.lr >= a AND
# Parameters.lr < b).
_SINGLE = frozenset(("attr", "tag", "metric"))


def _merge_bounds(parts: tuple[Part, ...]) -> list[Part]:
    """AND-ed comparisons on the same single-valued field, as one nested condition."""
    bounds: dict[Field, list[Condition]] = {}
    rest: list[Part] = []
    for part in parts:
        if (
            isinstance(part, Condition)
            and part.op in _COMPARISONS
            and part.field.source in _SINGLE
            and not part.field.key
        ):
            bounds.setdefault(part.field, []).append(part)
        else:
            rest.append(part)
    merged: list[Part] = []
    for field, conditions in bounds.items():
        if len(conditions) == 1:
            merged.append(conditions[0])
        else:
            key = Condition(Field(field.source, key=True), "eq", text=field.name)
            element = [
                Condition(Field(field.source, stat=field.stat), c.op, c.number) for c in conditions
            ]
            merged.append(Nested(field.source, (key, *element)))
    return [*merged, *rest]


def _as_eq(cond: Condition) -> Condition:
    return Condition(cond.field, "eq", cond.number, cond.text, cond.texts)


class Phase(NamedTuple):
    """One sort phase: a join bringing the sort value (and its parameters), the value, the
    condition that puts a record in this phase (and its parameters), and the column that
    breaks ties: the record's id, spelled as the joined list's own column where there is one,
    so that the database can walk the list's index in order instead of sorting every match."""

    join: str
    join_params: tuple[Any, ...]
    value: str
    present: str
    present_params: tuple[Any, ...]
    tiebreak: str = "e.id"


def _phases(sort: Field, a: str) -> list[Phase]:
    """The sort phases, in order; the last one holds the records without the sort value."""
    if sort.source == "column":
        return [Phase("", (), f"e.{sort.name}", "1 = 1", ())]
    table, link, key = (t.format(a=a) for t in _LISTS[sort.source])
    keyed, key_params = (f" AND {key} = ?", (sort.name,)) if key else ("", ())
    join = f" JOIN {table} ON {link}{keyed}"
    absent = Phase(
        "", (), "NULL", f"NOT EXISTS (SELECT 1 FROM {table} WHERE {link}{keyed})", key_params
    )
    if sort.source == "attr":
        return [
            Phase(join, key_params, f"{a}.num", f"{a}.num IS NOT NULL", (), f"{a}.id"),
            Phase(join, key_params, f"{a}.txt", f"{a}.txt IS NOT NULL", (), f"{a}.id"),
            absent,
        ]
    if sort.source == "metric":
        value = _STATS[sort.stat].format(s=a)
        return [Phase(join, key_params, value, "1 = 1", (), f"{a}.tc_id"), absent]
    if sort.source == "tag":
        return [Phase(join, key_params, f"{a}.value", "1 = 1", (), f"{a}.id"), absent]
    # parent, member: the first element in association order decides (D71)
    column = f"{a}c.{sort.name}" if sort.source == "member" else f"{a}.{sort.name}"
    other = f"{a}.tc_id" if sort.source == "member" else f"{a}.trial_id"  # as Parents lists them
    first = f"(SELECT {column} FROM {table} WHERE {link} ORDER BY {a}.created_ms, {other} LIMIT 1)"
    return [
        Phase("", (), first, f"{first} IS NOT NULL", ()),
        Phase("", (), "NULL", f"{first} IS NULL", ()),
    ]


class SqlSearch(SqlBase):
    # The text-containment test of this dialect, case-sensitive (SQLite's LIKE is not).
    contains_sql = "instr({x}, ?) > 0"

    def search(self, scope: Scope, query: SearchQuery) -> SearchPage:
        compiler = Compiler(self.contains_sql)
        where = compiler.part(query.where) if query.where is not None else "1 = 1"
        filter_params = compiler.params
        base = ["e.account = ?", "e.region = ?", "e.kind = ?", where]
        base_params = [*scope, query.kind, *filter_params]

        count_sql = (
            f"SELECT COUNT(*) FROM (SELECT 1 FROM entities e WHERE {' AND '.join(base)}"
            " LIMIT ?) counted"
        )
        total = int(self._read(count_sql, [*base_params, query.count_limit + 1])[0][0])

        rows: list[Any] = []
        positions: list[list[Any]] = []
        direction = "DESC" if query.descending else "ASC"
        after = query.after
        for phase, (join, join_params, value, present, present_params, tiebreak) in enumerate(
            _phases(query.sort, "s0")
        ):
            if after is not None and phase < after[0]:
                continue
            need = query.limit - len(rows)
            if need <= 0:
                break
            where_parts = [*base, present]
            params: list[Any] = [*join_params, *base_params, *present_params]
            if after is not None and phase == after[0]:
                marker = "<" if query.descending else ">"
                if value == "NULL":
                    where_parts.append(f"{tiebreak} {marker} ?")
                    params.append(after[2])
                else:
                    where_parts.append(f"({value}, {tiebreak}) {marker} (?, ?)")
                    params.extend((after[1], after[2]))
            order = f"{tiebreak} {direction}"
            if value != "NULL":
                order = f"{value} {direction}, {order}"
            sql = (
                f"SELECT {_COLUMNS}, {value} FROM entities e{join}"
                f" WHERE {' AND '.join(where_parts)} ORDER BY {order} LIMIT ?"
            )
            for row in self._read(sql, [*params, need]):
                entity = entity_from_row(row[:-1])
                rows.append(entity)
                positions.append([phase, row[-1], entity.id])
        return SearchPage(rows, positions, min(total, query.count_limit), total > query.count_limit)
