"""One OpenLineage event into the graph: the entities and edges it implies, written together
with ``Store.apply_changes`` (one transaction), per docs/openlineage.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stemma.context import Quotas
from stemma.openlineage import mapping, merge
from stemma.openlineage.events import Dataset, Event, Job
from stemma.service.artifacts import artifact_id
from stemma.store.contract import (
    Association,
    ChangeResult,
    ChangeSet,
    Entity,
    Kind,
    Ref,
    Scope,
    Store,
    Tag,
    Upsert,
)

TAG_LIMIT = 50
SOURCE_TYPE = "OpenLineage"


@dataclass
class Plan:
    """The writes of one event, and the ref of each entity by its role."""

    changes: ChangeSet
    refs: dict[str, Ref]
    result: ChangeResult | None = None


def plan(event: Event, now_ms: int) -> Plan:
    changes = ChangeSet()
    refs: dict[str, Ref] = {}
    if event.kind == "dataset":
        assert event.dataset is not None
        refs["dataset"] = _dataset(changes, event.dataset, event, now_ms)
        return Plan(changes, refs)
    assert event.job is not None
    # The stand-in job of a run stemma emitted for a SageMaker action: no context of its own.
    stand_in = (
        event.kind == "run"
        and event.job.namespace.startswith("sagemaker://")
        and mapping.SAGEMAKER_FACET not in event.job.facets
    )
    job: Ref | None = None
    if not stand_in:
        job = refs["job"] = _job(changes, event.job, event, now_ms, mapping.job_fields(event.job))
    inputs = [_dataset(changes, d, event, now_ms) for d in event.inputs]
    outputs = [_dataset(changes, d, event, now_ms) for d in event.outputs]
    if event.kind == "job":
        assert job is not None
        _edges(changes, inputs, job, outputs, now_ms)
        return Plan(changes, refs)
    assert event.run is not None
    action = _run(changes, event, now_ms)
    refs["run"] = action
    _edges(changes, inputs, action, outputs, now_ms)
    if job is not None:
        changes.associations.append(Association(job, action, "AssociatedWith", now_ms))
    parent = mapping.parent_of(event)
    if parent is not None:
        run_id, parent_job = parent
        fields = {
            f"prop:{mapping.PREFIX}namespace": parent_job.namespace,
            f"prop:{mapping.PREFIX}name": parent_job.name,
        }
        parent_context = _job(changes, parent_job, event, now_ms, fields, minimal=True)
        name = mapping.action_name(parent_job.name, run_id)
        run_fields = {
            f"prop:{mapping.PREFIX}runId": run_id,
            f"prop:{mapping.PREFIX}job.namespace": parent_job.namespace,
            f"prop:{mapping.PREFIX}job.name": parent_job.name,
        }
        source = {"SourceUri": _job_uri(parent_job), "SourceType": SOURCE_TYPE}
        parent_action = _entity(
            changes, "action", name.lower(), name, "Run", source, run_fields, event, now_ms, []
        )
        if parent_action != action:
            changes.associations.append(
                Association(parent_context, parent_action, "AssociatedWith", now_ms)
            )
            changes.associations.append(
                Association(parent_action, action, "AssociatedWith", now_ms)
            )
    return Plan(changes, refs)


def apply_event(store: Store, scope: Scope, event: Event, quotas: Quotas, now_ms: int) -> Plan:
    """Write one event; raises the store's errors (QuotaExceeded, ...) with nothing written."""
    planned = plan(event, now_ms)
    limits: dict[str, int | None] = {
        "context": quotas.contexts,
        "action": quotas.actions,
        "artifact": quotas.artifacts,
        "association": quotas.associations,
    }
    planned.result = store.apply_changes(scope, planned.changes, limits, TAG_LIMIT)
    return planned


def summary(result: ChangeResult) -> dict[str, int]:
    counts = {"artifacts": 0, "contexts": 0, "actions": 0, "associations": len(result.associated)}
    for ref in {*result.created, *result.updated}:
        counts[f"{ref.kind}s"] = counts.get(f"{ref.kind}s", 0) + 1
    return counts


def _job_uri(job: Job) -> str:
    return mapping.dataset_uri(job.namespace, job.name)


def _edges(
    changes: ChangeSet, inputs: list[Ref], middle: Ref, outputs: list[Ref], now_ms: int
) -> None:
    for ref in inputs:
        if ref != middle:
            changes.associations.append(Association(ref, middle, "ContributedTo", now_ms))
    for ref in outputs:
        if ref != middle:
            changes.associations.append(Association(middle, ref, "Produced", now_ms))


def _dataset(changes: ChangeSet, dataset: Dataset, event: Event, now_ms: int) -> Ref:
    uri = mapping.dataset_uri(dataset.namespace, dataset.name)
    own = mapping.sagemaker_facet(dataset.facets)
    types = own.get("sourceTypes")
    source: dict[str, Any] = {"SourceUri": uri, "SourceTypes": []}
    if isinstance(types, list) and all(
        isinstance(t, dict) and isinstance(t.get("SourceIdType"), str) for t in types
    ):
        source["SourceTypes"] = [
            {"SourceIdType": t["SourceIdType"], "Value": str(t.get("Value", ""))} for t in types
        ]
    entity_id = artifact_id(source)
    fields = mapping.dataset_fields(dataset)
    name = fields.pop("name", None)
    kind_type = fields.pop("type")
    if mapping.sagemaker_facet(dataset.facets).get("type"):
        fields["type"] = kind_type
    if name is not None:
        fields["name"] = name
    return _entity(
        changes,
        "artifact",
        entity_id,
        own.get("name") if own else mapping.slug(dataset.name, mapping.MAX_NAME),
        kind_type,
        source,
        fields,
        event,
        now_ms,
        mapping.tags_of(dataset.facets),
    )


def _job(
    changes: ChangeSet,
    job: Job,
    event: Event,
    now_ms: int,
    fields: dict[str, Any],
    minimal: bool = False,
) -> Ref:
    name = mapping.own_name(job.facets, mapping.context_name(job.namespace, job.name))
    source = mapping.own_source(job.facets, {"SourceUri": _job_uri(job), "SourceType": SOURCE_TYPE})
    tags = [] if minimal else mapping.tags_of(job.facets)
    return _entity(
        changes, "context", name.lower(), name, "Job", source, fields, event, now_ms, tags
    )


def _run(changes: ChangeSet, event: Event, now_ms: int) -> Ref:
    assert event.run is not None and event.job is not None
    default = mapping.action_name(event.job.name, event.run.run_id)
    name = mapping.own_name(event.run.facets, default)
    source = mapping.own_source(
        event.run.facets, {"SourceUri": _job_uri(event.job), "SourceType": SOURCE_TYPE}
    )
    fields = mapping.run_fields(event)
    tags = mapping.tags_of(event.run.facets)
    return _entity(
        changes, "action", name.lower(), name, "Run", source, fields, event, now_ms, tags
    )


def _entity(
    changes: ChangeSet,
    kind: Kind,
    entity_id: str,
    name: str | None,
    entity_type: str,
    source: dict[str, Any],
    fields: dict[str, Any],
    event: Event,
    now_ms: int,
    tags: list[tuple[str, str]],
) -> Ref:
    """Queue the upsert of one entity (merged with an earlier upsert of it in the same event)."""
    ref = Ref(kind, entity_id)
    for upsert in changes.upserts:
        if (upsert.kind, upsert.id) == ref:
            upsert.merge = _chain(
                upsert.merge,
                _merger(kind, entity_id, name, entity_type, source, fields, event, now_ms),
            )
            upsert.tags.extend(Tag(k, v) for k, v in tags)
            return ref
    merger = _merger(kind, entity_id, name, entity_type, source, fields, event, now_ms)
    changes.upserts.append(Upsert(kind, entity_id, merger, [Tag(k, v) for k, v in tags]))
    return ref


Merge = Callable[[Entity | None], Entity | None]


def _merger(
    kind: Kind,
    entity_id: str,
    name: str | None,
    entity_type: str,
    source: dict[str, Any],
    fields: dict[str, Any],
    event: Event,
    now_ms: int,
) -> Merge:
    def merge_one(stored: Entity | None) -> Entity | None:
        fresh = Entity(
            kind=kind,
            id=entity_id,
            name=name,
            entity_type=entity_type,
            source_uri=source["SourceUri"],
            body={"Source": source, "Properties": {}},
            created_ms=now_ms,
            modified_ms=now_ms,
        )
        return merge.apply(stored, fresh, fields, event, now_ms)

    return merge_one


def _chain(first: Merge, second: Merge) -> Merge:
    def both(stored: Entity | None) -> Entity | None:
        after_first = first(stored)
        current = after_first if after_first is not None else stored
        after_second = second(current)
        return after_second if after_second is not None else after_first

    return both
