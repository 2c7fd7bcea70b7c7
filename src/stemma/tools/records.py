"""The export format: newline-delimited JSON, one record per line (format version 1).

Line 1 is the header, ``{"type": "header", "format": "stemma-export", "version": 1, ...}``; the
last line is ``{"type": "end", "records": N}``, N counting every line before it, so a stream cut
short at a line boundary is told from a complete one. Between them, for each scope a ``scope``
record, then its ``entity`` records (tags inline, in order), ``association``, ``membership`` and
``metric`` records (consecutive points of one series from arrival number ``first_seq``), and
finally ``key`` records when keys were exported (secrets sealed with the source's master key).
A reader refuses a version newer than ``VERSION``; a newer minor addition must come as new
optional members or record types that version 1 readers may then reject by name.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from stemma.store.contract import (
    LINEAGE_KINDS,
    PARENT_KINDS,
    Association,
    Dumped,
    Entity,
    Kind,
    Membership,
    MetricRun,
    Ref,
    Scope,
    ScopeStart,
    StoredKey,
    Tag,
    TaggedEntity,
)

FORMAT = "stemma-export"
VERSION = 1
KINDS: frozenset[str] = frozenset(
    (*LINEAGE_KINDS, "experiment", "experiment-trial", "experiment-trial-component")
)


class RecordError(ValueError):
    """A line that is not a valid record; the reader adds its line number."""


def header(scope: Scope | None, keys: bool, master_check: bytes | None, version: str) -> bytes:
    record: dict[str, Any] = {
        "type": "header",
        "format": FORMAT,
        "version": VERSION,
        "stemma": version,
        "scope": list(scope) if scope else None,
        "keys": keys,
    }
    if keys and master_check is not None:
        record["master_check"] = base64.b64encode(master_check).decode()
    return orjson.dumps(record) + b"\n"


def end(records: int) -> bytes:
    return orjson.dumps({"type": "end", "records": records}) + b"\n"


def encode(item: Dumped) -> bytes:
    """One record, with its newline."""
    record: dict[str, Any]
    if isinstance(item, TaggedEntity):
        e = item.entity
        record = {
            "type": "entity",
            "kind": e.kind,
            "id": e.id,
            "name": e.name,
            "entity_type": e.entity_type,
            "source_uri": e.source_uri,
            "body": e.body,
            "created_ms": e.created_ms,
            "modified_ms": e.modified_ms,
            "parent": e.parent,
            "tags": [[t.key, t.value] for t in item.tags],
        }
    elif isinstance(item, Association):
        record = {
            "type": "association",
            "source": list(item.source),
            "destination": list(item.destination),
            "association_type": item.association_type,
            "created_ms": item.created_ms,
        }
    elif isinstance(item, Membership):
        record = {
            "type": "membership",
            "trial": item.trial_id,
            "component": item.tc_id,
            "counted": item.counted,
            "created_ms": item.created_ms,
        }
    elif isinstance(item, MetricRun):
        record = {
            "type": "metric",
            "component": item.tc_id,
            "name": item.name,
            "first_seq": item.first_seq,
            "points": item.points,
        }
    elif isinstance(item, ScopeStart):
        record = {
            "type": "scope",
            "account": item.scope.account,
            "region": item.scope.region,
            "lineage_group_created_ms": item.lineage_group_created_ms,
        }
    else:
        record = {
            "type": "key",
            "access_key_id": item.access_key_id,
            "account": item.account,
            "sealed_secret": base64.b64encode(item.sealed_secret).decode(),
            "is_root": item.is_root,
            "created_ms": item.created_ms,
        }
    return orjson.dumps(record) + b"\n"


def parse(line: bytes) -> dict[str, Any]:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"not JSON ({exc})") from None
    if not isinstance(record, dict) or not isinstance(record.get("type"), str):
        raise RecordError("not a record: expected a JSON object with a 'type'")
    return record


def check_header(record: dict[str, Any]) -> None:
    if record.get("type") != "header" or record.get("format") != FORMAT:
        raise RecordError(f"not a {FORMAT} stream: the first line must be its header")
    version = record.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise RecordError("the header's version must be a whole number")
    if version > VERSION:
        raise RecordError(
            f"format version {version} is newer than this stemma reads (version {VERSION});"
            f" import it with the stemma that wrote it (stemma {record.get('stemma', '?')})"
            " or a newer one"
        )


def decode(record: dict[str, Any]) -> Dumped:
    """The store row a record stands for; raises RecordError naming what is wrong."""
    kind = record["type"]
    try:
        if kind == "entity":
            return _entity(record)
        if kind == "association":
            return Association(
                _ref(record["source"]),
                _ref(record["destination"]),
                _opt_str(record["association_type"], "association_type"),
                _int(record["created_ms"], "created_ms"),
            )
        if kind == "membership":
            return Membership(
                _str(record["trial"], "trial"),
                _str(record["component"], "component"),
                _bool(record["counted"], "counted"),
                _int(record["created_ms"], "created_ms"),
            )
        if kind == "metric":
            points = record["points"]
            if not isinstance(points, list) or not points:
                raise RecordError("points must be a non-empty list")
            return MetricRun(
                _str(record["component"], "component"),
                _str(record["name"], "name"),
                _int(record["first_seq"], "first_seq"),
                [_point(p) for p in points],
            )
        if kind == "scope":
            group = record["lineage_group_created_ms"]
            return ScopeStart(
                Scope(_str(record["account"], "account"), _str(record["region"], "region")),
                None if group is None else _int(group, "lineage_group_created_ms"),
            )
        if kind == "key":
            try:
                sealed = base64.b64decode(record["sealed_secret"], validate=True)
            except (ValueError, TypeError):
                raise RecordError("sealed_secret must be base64") from None
            return StoredKey(
                _str(record["access_key_id"], "access_key_id"),
                _str(record["account"], "account"),
                sealed,
                _bool(record["is_root"], "is_root"),
                _int(record["created_ms"], "created_ms"),
            )
    except KeyError as exc:
        raise RecordError(f"{kind} record without {exc.args[0]!r}") from None
    raise RecordError(f"unknown record type {kind!r}")


def _entity(record: dict[str, Any]) -> TaggedEntity:
    kind = record["kind"]
    if kind not in KINDS:
        raise RecordError(f"unknown entity kind {kind!r}")
    body = record["body"]
    if not isinstance(body, dict):
        raise RecordError("body must be an object")
    tags = record["tags"]
    if not isinstance(tags, list):
        raise RecordError("tags must be a list of [key, value]")
    entity = Entity(
        kind=_kind(kind),
        id=_str(record["id"], "id"),
        name=_opt_str(record["name"], "name"),
        entity_type=_str(record["entity_type"], "entity_type"),
        source_uri=_str(record["source_uri"], "source_uri"),
        body=body,
        created_ms=_int(record["created_ms"], "created_ms"),
        modified_ms=_int(record["modified_ms"], "modified_ms"),
        parent=_opt_str(record["parent"], "parent"),
    )
    if not entity.id:
        raise RecordError("id must not be empty")
    if (entity.parent is None) != (kind not in PARENT_KINDS):
        raise RecordError(f"a {kind} {'needs' if kind in PARENT_KINDS else 'has no'} parent")
    pairs = []
    for tag in tags:
        if not (isinstance(tag, list) and len(tag) == 2 and all(isinstance(x, str) for x in tag)):
            raise RecordError("tags must be a list of [key, value] strings")
        pairs.append(Tag(tag[0], tag[1]))
    return TaggedEntity(entity, pairs)


def _kind(value: str) -> Kind:
    for kind in KINDS:
        if kind == value:
            return kind  # type: ignore[return-value]  # a member of KINDS is a Kind
    raise RecordError(f"unknown entity kind {value!r}")


def _ref(value: Any) -> Ref:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(x, str) for x in value)):
        raise RecordError("an association end must be [kind, id]")
    return Ref(_kind(value[0]), value[1])


def _point(value: Any) -> tuple[int, int | None, float]:
    if not (isinstance(value, list) and len(value) == 3):
        raise RecordError("a point must be [timestamp_ms, step, value]")
    ts, step, number = value
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise RecordError("a point's value must be a number")
    return (_int(ts, "timestamp"), None if step is None else _int(step, "step"), float(number))


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{what} must be a whole number")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{what} must be a string")
    return value


def _opt_str(value: Any, what: str) -> str | None:
    return None if value is None else _str(value, what)


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise RecordError(f"{what} must be true or false")
    return value
