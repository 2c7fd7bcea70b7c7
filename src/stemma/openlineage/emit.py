"""The graph as OpenLineage events (docs/openlineage.md, "Back out"): one event per entity,
read through the store contract. Actions and trial components become RunEvents, contexts
JobEvents, artifacts DatasetEvents; each carries stemma's ``sagemaker`` facet so that another
stemma ingesting it recreates the same names and types.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from stemma import __version__
from stemma.context import partition_of
from stemma.openlineage import mapping
from stemma.store.contract import Association, Entity, Ref, Scope, Store

PRODUCER = f"https://github.com/stemma-lineage/stemma/tree/v{__version__}"
SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/"
FACETS = "https://openlineage.io/spec/facets/"
SAGEMAKER_SCHEMA = f"{PRODUCER}/docs/openlineage.md#sagemaker-facet"
RUN_KINDS = ("action", "experiment-trial-component")
LABELS = {
    "context": "Context",
    "action": "Action",
    "artifact": "Artifact",
    "experiment-trial-component": "TrialComponent",
    "experiment": "Experiment",
}

Json = dict[str, Any]


def _facet(schema: str, **members: Any) -> Json:
    return {"_producer": PRODUCER, "_schemaURL": schema, **members}


def _time(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class Emitted:
    """Events built, and edges that OpenLineage cannot carry."""

    events: list[Json] = field(default_factory=list)
    skipped_edges: int = 0


class Emitter:
    """Builds the event of one entity of a scope, from its stored state and its edges."""

    def __init__(self, store: Store, scope: Scope) -> None:
        self.store = store
        self.scope = scope
        self.partition = partition_of(scope.region)

    def arn(self, ref: Ref) -> str:
        return (
            f"arn:{self.partition}:sagemaker:{self.scope.region}:{self.scope.account}:"
            f"{ref.kind}/{ref.id}"
        )

    @property
    def namespace(self) -> str:
        return f"sagemaker://{self.scope.account}/{self.scope.region}"

    def event(self, ref: Ref) -> tuple[Json | None, int]:
        """The event of ``ref`` (None if it is gone or has no OpenLineage form), and how many of
        its edges no event carries."""
        entity = self.store.get_entity(self.scope, ref.kind, ref.id)
        if entity is None:
            return None, 0
        edges = self.store.incident(self.scope, [ref], "Both")
        ends = self.store.get_entities(
            self.scope, [e.source if e.destination == ref else e.destination for e in edges]
        )
        if ref.kind in RUN_KINDS:
            return self._run_event(entity, ref, edges, ends)
        if ref.kind == "context":
            return self._job_event(entity, ref, edges, ends)
        if ref.kind == "artifact":
            dataset = self.dataset(entity, ref)
            event = self._base(entity, "DatasetEvent")
            event["dataset"] = dataset
            return event, sum(1 for e in edges if e.source.kind == e.destination.kind == "artifact")
        return None, 0

    def _base(self, entity: Entity, kind: str) -> Json:
        return {
            "eventTime": _time(entity.modified_ms),
            "producer": PRODUCER,
            "schemaURL": SPEC + kind,
        }

    def _own(self, entity: Entity, ref: Ref) -> Json:
        own = _facet(
            SAGEMAKER_SCHEMA,
            arn=self.arn(ref),
            lineageType=LABELS.get(ref.kind, ref.kind),
            type=entity.entity_type,
        )
        if entity.name and mapping.NAME_PATTERN.fullmatch(entity.name):
            own["name"] = entity.name
        own["properties"] = _user_properties(entity)
        source = entity.body.get("Source") or {}
        if ref.kind == "artifact":
            own["sourceTypes"] = list(source.get("SourceTypes") or [])
        elif source:
            own["source"] = source
        return own

    def dataset(self, entity: Entity, ref: Ref) -> Json:
        props = entity.body.get("Properties") or {}
        namespace = props.get("openlineage.namespace")
        name = props.get("openlineage.name")
        if not namespace or not name:
            namespace, name = mapping.split_uri(entity.source_uri)
        facets: Json = {"sagemaker": self._own(entity, ref)}
        schema = props.get("openlineage.schema")
        if schema:
            columns = [c.partition(":") for c in schema.split(",") if c]
            facets["schema"] = _facet(
                FACETS + "1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
                fields=[{"name": n, **({"type": t} if t else {})} for n, _, t in columns],
            )
        if props.get("openlineage.version"):
            facets["version"] = _facet(
                FACETS + "1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet",
                datasetVersion=props["openlineage.version"],
            )
        self._tags(ref, facets, "TagsDatasetFacet")
        return {"namespace": namespace, "name": name, "facets": facets}

    def _tags(self, ref: Ref, facets: Json, schema: str) -> None:
        tags = self.store.tags_of(self.scope, ref.kind, [ref.id]).get(ref.id) or []
        if tags:
            facets["tags"] = _facet(
                f"{FACETS}1-0-0/{schema}.json#/$defs/{schema}",
                tags=[{"key": t.key, "value": t.value, "source": "stemma"} for t in tags],
            )

    def job(self, entity: Entity, ref: Ref) -> Json:
        props = entity.body.get("Properties") or {}
        namespace = props.get("openlineage.namespace") or self.namespace
        name = props.get("openlineage.name") or entity.name or entity.id
        facets: Json = {"sagemaker": self._own(entity, ref)}
        if entity.entity_type and entity.entity_type != "Job":
            facets["jobType"] = _facet(
                FACETS + "2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
                processingType=props.get("openlineage.processingType") or "BATCH",
                integration=props.get("openlineage.integration") or "SAGEMAKER",
                jobType=entity.entity_type,
            )
        if entity.body.get("Description"):
            facets["documentation"] = _facet(
                FACETS + "1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet",
                description=entity.body["Description"],
            )
        self._tags(ref, facets, "TagsJobFacet")
        return {"namespace": namespace, "name": name, "facets": facets}

    def _sides(
        self, ref: Ref, edges: list[Association], ends: dict[Ref, Entity]
    ) -> tuple[list[Json], list[Json], list[Association]]:
        """Input and output datasets of ``ref``, and its other edges."""
        inputs: list[Json] = []
        outputs: list[Json] = []
        rest: list[Association] = []
        for edge in edges:
            other = edge.source if edge.destination == ref else edge.destination
            entity = ends.get(other)
            if other.kind != "artifact" or entity is None:
                rest.append(edge)
                continue
            (inputs if edge.destination == ref else outputs).append(self.dataset(entity, other))
        return inputs, outputs, rest

    def _job_event(
        self, entity: Entity, ref: Ref, edges: list[Association], ends: dict[Ref, Entity]
    ) -> tuple[Json, int]:
        inputs, outputs, rest = self._sides(ref, edges, ends)
        event = self._base(entity, "JobEvent")
        event.update(job=self.job(entity, ref), inputs=inputs, outputs=outputs)
        # A context's edges to the runs it is the job of travel in their RunEvents.
        skipped = [
            e
            for e in rest
            if not (e.source == ref and e.destination.kind in RUN_KINDS)
            and not (e.destination == ref and e.source.kind == "context")
        ]
        return event, len(skipped)

    def _run_event(
        self, entity: Entity, ref: Ref, edges: list[Association], ends: dict[Ref, Entity]
    ) -> tuple[Json, int]:
        props = entity.body.get("Properties") or {}
        inputs, outputs, rest = self._sides(ref, edges, ends)
        job: Json | None = None
        parent: Json | None = None
        skipped = 0
        for edge in rest:
            other = edge.source if edge.destination == ref else edge.destination
            other_entity = ends.get(other)
            if other_entity is None:
                continue
            if edge.destination == ref and other.kind == "context" and job is None:
                job = self.job(other_entity, other)
            elif edge.destination == ref and other.kind in RUN_KINDS and parent is None:
                parent = self._parent(other_entity, other, ends)
            elif not (edge.source == ref and other.kind in RUN_KINDS):
                skipped += 1  # a child run's parent edge travels in the child's event
        own_job = (props.get("openlineage.job.namespace"), props.get("openlineage.job.name"))
        if all(own_job) and (job is None or (job["namespace"], job["name"]) != own_job):
            job = {"namespace": own_job[0], "name": own_job[1], "facets": {}}
        if job is None:
            job = {"namespace": self.namespace, "name": entity.name or entity.id, "facets": {}}
        facets: Json = {"sagemaker": self._own(entity, ref)}
        if entity.body.get("Description"):
            facets["sagemaker"]["description"] = entity.body["Description"]
        if parent is not None:
            facets["parent"] = parent
        if props.get("openlineage.errorMessage"):
            facets["errorMessage"] = _facet(
                FACETS + "1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
                message=props["openlineage.errorMessage"],
                programmingLanguage=props.get("openlineage.errorLanguage") or "unknown",
            )
        self._tags(ref, facets, "TagsRunFacet")
        status = entity.body.get("Status")
        if isinstance(status, dict):  # a trial component's {PrimaryStatus, Message}
            status = status.get("PrimaryStatus")
        event = self._base(entity, "RunEvent")
        event.update(
            eventType=mapping.EVENT_TYPE_OF.get(str(status), "OTHER"),
            run={"runId": self.run_id(entity, ref), "facets": facets},
            job=job,
            inputs=inputs,
            outputs=outputs,
        )
        return event, skipped

    def run_id(self, entity: Entity, ref: Ref) -> str:
        run_id = (entity.body.get("Properties") or {}).get("openlineage.runId")
        if run_id:
            try:
                return str(uuid.UUID(run_id))
            except ValueError:
                pass
        return str(uuid.uuid5(uuid.NAMESPACE_URL, self.arn(ref)))

    def _parent(self, entity: Entity, ref: Ref, ends: dict[Ref, Entity]) -> Json:
        props = entity.body.get("Properties") or {}
        namespace = props.get("openlineage.job.namespace") or self.namespace
        name = props.get("openlineage.job.name") or entity.name or entity.id
        return _facet(
            FACETS + "1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
            run={"runId": self.run_id(entity, ref)},
            job={"namespace": namespace, "name": name},
        )


def _user_properties(entity: Entity) -> dict[str, str]:
    """Every property, so that a stemma ingesting the event stores exactly these (they take
    precedence over what it would derive from the standard facets)."""
    return dict(entity.body.get("Properties") or {})
