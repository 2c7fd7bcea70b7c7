"""Fields set by events, merged so that arrival order never matters.

Every field an event sets on an entity is kept with the clock of the event that set it, in the
body member ``STATE`` (no output shape carries it, so the API never shows it). A field changes
only for a higher (clock, value): a last-writer-wins register per field, which is commutative,
associative and idempotent, so a COMPLETE that arrives before its START, or an event replayed,
ends in the same state. The entity's visible members are then rendered from the state, within
SageMaker's limits (docs/openlineage.md, "Limits").
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from stemma.openlineage.events import Event
from stemma.store.contract import Entity, Kind

STATE = "_openlineage"
RANK = {None: 0, "START": 1, "RUNNING": 2, "OTHER": 3, "COMPLETE": 4, "FAIL": 4, "ABORT": 4}
MAX_PROPERTIES = 30
MAX_KEY = 2500
MAX_VALUE: dict[Kind, int] = {"artifact": 4096}
DEFAULT_MAX_VALUE = 2500
# Properties shown first when there are more than MAX_PROPERTIES (docs/openlineage.md).
PRIORITY = tuple(
    f"openlineage.{k}"
    for k in (
        "namespace",
        "name",
        "runId",
        "job.namespace",
        "job.name",
        "errorMessage",
        "errorLanguage",
        "startedAt",
        "endedAt",
        "schema",
        "version",
        "integration",
        "processingType",
        "sql",
        "sourceCodeUrl",
        "nominalStartTime",
        "engine",
        "dataSource",
    )
)
_RANKED = {key: i for i, key in enumerate(PRIORITY)}


def clock(field: str, event: Event) -> list[int]:
    rank = RANK[event.event_type]
    if field == "Status":
        return [rank, event.event_time_ms]
    return [event.event_time_ms, rank]


def merge_state(state: dict[str, Any], fields: dict[str, Any], event: Event) -> dict[str, Any]:
    """The state with ``fields`` merged in (a new dict; ``state`` is left alone)."""
    merged = dict(state)
    for name, value in fields.items():
        new = [clock(name, event), value]
        old = merged.get(name)
        if old is None or _order(new) > _order(old):
            merged[name] = new
    return merged


def _order(entry: list[Any]) -> tuple[list[int], bytes]:
    return entry[0], orjson.dumps(entry[1])


def apply(
    stored: Entity | None,
    fresh: Entity,
    fields: dict[str, Any],
    event: Event,
    now_ms: int,
) -> Entity | None:
    """The entity after an event sets ``fields`` on it; ``fresh`` is what to create when there
    is none. None when nothing changes."""
    entity = copy.deepcopy(stored) if stored is not None else fresh
    state: dict[str, Any] = entity.body.get(STATE) or {}
    merged = merge_state(state, fields, event)
    if stored is not None and merged == state:
        return None
    managed_before = {k[5:] for k in state if k.startswith("prop:")}
    user = {
        k: v for k, v in (entity.body.get("Properties") or {}).items() if k not in managed_before
    }
    if "type" in merged:
        entity.entity_type = str(merged["type"][1])[:256]
    if "name" in merged:
        entity.name = merged["name"][1]
    if "Status" in merged and entity.kind in ("action", "experiment-trial-component"):
        entity.body["Status"] = merged["Status"][1]
    if "Description" in merged and entity.kind in ("action", "context"):
        entity.body["Description"] = merged["Description"][1]
    entity.body["Properties"] = properties(entity.kind, user, merged)
    entity.body[STATE] = merged
    if stored is not None:
        entity.modified_ms = now_ms
    return entity


def properties(kind: Kind, user: dict[str, str], state: dict[str, Any]) -> dict[str, str]:
    """The visible Properties: the user's own first, then the managed ones by priority (the
    ``sagemaker`` facet's, then ``PRIORITY``, then the rest by name), 30 at most, each cut to
    the model's limits."""
    limit = MAX_VALUE.get(kind, DEFAULT_MAX_VALUE)
    result = dict(user)
    managed = sorted((k[5:] for k in state if k.startswith("prop:")), key=_priority)
    for key in managed:
        if len(result) >= MAX_PROPERTIES:
            break
        if key in result or len(key) > MAX_KEY:
            continue
        result[key] = cut(str(state[f"prop:{key}"][1]), limit)
    return result


def _priority(key: str) -> tuple[int, int, str]:
    if not key.startswith("openlineage."):
        return 0, 0, key
    if key in _RANKED:
        return 1, _RANKED[key], key
    return 2, 0, key


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
