"""The mapping of docs/openlineage.md as functions: identities both ways, and facets to fields.

An OpenLineage dataset is an artifact keyed by its URI, a job a context with a hashed name, a
run an action named after its job and runId. ``*_fields`` turn facets into the fields an event
sets on an entity: ``type``, ``name``, ``Status``, ``Description`` and ``prop:KEY`` properties,
merged by ``merge.py``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

from stemma.openlineage.events import Dataset, Event, Job

MAX_URI = 2048
MAX_NAME = 120
NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}")
PREFIX = "openlineage."
STATUS_OF = {
    "START": "InProgress",
    "RUNNING": "InProgress",
    "COMPLETE": "Completed",
    "FAIL": "Failed",
    "ABORT": "Stopped",
    "OTHER": "Unknown",
}
EVENT_TYPE_OF = {
    "Completed": "COMPLETE",
    "Failed": "FAIL",
    "Stopped": "ABORT",
    "Stopping": "ABORT",
    "InProgress": "RUNNING",
}
# Facets whose content has a home of its own (the others become openlineage.facet.NAME).
KNOWN_FACETS = frozenset(
    (
        "jobType",
        "parent",
        "errorMessage",
        "documentation",
        "schema",
        "version",
        "datasetVersion",
        "tags",
        "sql",
        "sourceCodeLocation",
        "nominalTime",
        "processing_engine",
        "dataSource",
        "sagemaker",
    )
)
SAGEMAKER_FACET = "sagemaker"

Fields = dict[str, Any]


def dataset_uri(namespace: str, name: str) -> str:
    """``s3://bucket`` + ``key`` -> ``s3://bucket/key``; ``file`` + ``/x`` -> ``file:///x``."""
    if "://" in namespace:
        head, _, rest = namespace.partition("://")
        uri = f"{head}://{rest.rstrip('/')}/{name.lstrip('/')}" if rest else f"{head}:///{name}"
    else:
        uri = f"{namespace}://{'' if name.startswith('/') else '/'}{name}"
    return uri[:MAX_URI]


def split_uri(uri: str) -> tuple[str, str]:
    """A SourceUri as an OpenLineage (namespace, name): ``s3://bucket/key`` -> (``s3://bucket``,
    ``key``); ``file:///x`` -> (``file``, ``/x``); no scheme -> (``sagemaker``, uri)."""
    scheme, sep, rest = uri.partition("://")
    if not sep or not scheme:
        return "sagemaker", uri
    if rest.startswith("/"):
        return scheme, rest
    authority, slash, path = rest.partition("/")
    if not slash or not path:
        return f"{scheme}://{authority}", "/"
    return f"{scheme}://{authority}", path


def slug(text: str, limit: int) -> str:
    """The characters a SageMaker name allows: runs of anything else become one ``-``."""
    cut = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-")[:limit].strip("-")
    return cut or "x"


def _digest(*parts: str) -> str:
    return hashlib.md5("\n".join(parts).encode()).hexdigest()


def context_name(namespace: str, name: str) -> str:
    return f"{slug(name, 111)}-{_digest(namespace, name)[:8]}"


def action_name(job_name: str, run_id: str) -> str:
    return f"{slug(job_name, 83)}-{run_id.lower()}"


def sagemaker_facet(facets: dict[str, Any]) -> dict[str, Any]:
    value = facets.get(SAGEMAKER_FACET)
    return value if isinstance(value, dict) else {}


def own_name(facets: dict[str, Any], default: str) -> str:
    """The entity name stemma's ``sagemaker`` facet carries, when it is a valid name."""
    name = sagemaker_facet(facets).get("name")
    if isinstance(name, str) and NAME_PATTERN.fullmatch(name):
        return name
    return default


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k not in ("_producer", "_schemaURL")}
    return orjson.dumps(value).decode()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _generic(facets: dict[str, Any], fields: Fields) -> None:
    """Other facets as properties; but an entity stemma emitted carries its exact properties in
    the ``sagemaker`` facet, and those replace every derived one."""
    own = sagemaker_facet(facets)
    exact = own.get("properties")
    if isinstance(exact, dict):
        for key in [k for k in fields if k.startswith("prop:")]:
            del fields[key]
        for key, value in exact.items():
            if isinstance(key, str) and isinstance(value, str):
                fields[f"prop:{key}"] = value
        return
    for name, facet in facets.items():
        if name not in KNOWN_FACETS:
            fields[f"prop:{PREFIX}facet.{name}"] = _compact(facet)


def own_source(facets: dict[str, Any], default: dict[str, Any]) -> dict[str, Any]:
    """The Source stemma's ``sagemaker`` facet carries (contexts and actions), else ``default``."""
    source = sagemaker_facet(facets).get("source")
    if isinstance(source, dict) and isinstance(source.get("SourceUri"), str):
        kept = {"SourceUri": source["SourceUri"][:MAX_URI]}
        if isinstance(source.get("SourceType"), str):
            kept["SourceType"] = source["SourceType"]
        return kept
    return default


def tags_of(facets: dict[str, Any]) -> list[tuple[str, str]]:
    facet = facets.get("tags")
    tags = facet.get("tags") if isinstance(facet, dict) else None
    found = []
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, dict) and _text(tag.get("key")) and isinstance(tag.get("value"), str):
            found.append((tag["key"][:128], tag["value"][:256]))
    return found


def job_type(job: Job) -> str | None:
    facet = job.facets.get("jobType")
    return _text(facet.get("jobType")) if isinstance(facet, dict) else None


def dataset_fields(dataset: Dataset) -> Fields:
    fields: Fields = {
        f"prop:{PREFIX}namespace": dataset.namespace,
        f"prop:{PREFIX}name": dataset.name,
    }
    own = sagemaker_facet(dataset.facets)
    fields["type"] = _text(own.get("type")) or "DataSet"
    name = own.get("name")
    if isinstance(name, str) and NAME_PATTERN.fullmatch(name):
        fields["name"] = name
    schema = dataset.facets.get("schema")
    if isinstance(schema, dict) and isinstance(schema.get("fields"), list):
        columns = [
            f"{f.get('name')}:{f.get('type')}" if f.get("type") else str(f.get("name"))
            for f in schema["fields"]
            if isinstance(f, dict)
        ]
        fields[f"prop:{PREFIX}schema"] = ",".join(columns)
    for facet_name in ("version", "datasetVersion"):
        facet = dataset.facets.get(facet_name)
        if isinstance(facet, dict) and _text(facet.get("datasetVersion")):
            fields[f"prop:{PREFIX}version"] = facet["datasetVersion"]
    source = dataset.facets.get("dataSource")
    if isinstance(source, dict) and (_text(source.get("uri")) or _text(source.get("name"))):
        fields[f"prop:{PREFIX}dataSource"] = source.get("uri") or source.get("name")
    _generic(dataset.facets, fields)
    return fields


def job_fields(job: Job) -> Fields:
    fields: Fields = {
        f"prop:{PREFIX}namespace": job.namespace,
        f"prop:{PREFIX}name": job.name,
    }
    own = sagemaker_facet(job.facets)
    kind = job_type(job)
    if _text(own.get("type")) or kind:
        fields["type"] = _text(own.get("type")) or kind
    facet = job.facets.get("jobType")
    if isinstance(facet, dict):
        for key in ("integration", "processingType"):
            if _text(facet.get(key)):
                fields[f"prop:{PREFIX}{key}"] = facet[key]
    documentation = job.facets.get("documentation")
    if isinstance(documentation, dict) and _text(documentation.get("description")):
        fields["Description"] = documentation["description"][:3072]
    sql = job.facets.get("sql")
    if isinstance(sql, dict) and _text(sql.get("query")):
        fields[f"prop:{PREFIX}sql"] = sql["query"]
    location = job.facets.get("sourceCodeLocation")
    if isinstance(location, dict) and _text(location.get("url")):
        fields[f"prop:{PREFIX}sourceCodeUrl"] = location["url"]
    _generic(job.facets, fields)
    return fields


def run_fields(event: Event) -> Fields:
    assert event.run is not None and event.job is not None
    run = event.run
    fields: Fields = {
        f"prop:{PREFIX}runId": run.run_id,
        f"prop:{PREFIX}job.namespace": event.job.namespace,
        f"prop:{PREFIX}job.name": event.job.name,
    }
    own = sagemaker_facet(run.facets)
    kind = _text(own.get("type")) or job_type(event.job)
    if kind:
        fields["type"] = kind
    if event.event_type:
        fields["Status"] = STATUS_OF[event.event_type]
        if event.event_type == "START":
            fields[f"prop:{PREFIX}startedAt"] = event.event_time
        elif event.event_type in ("COMPLETE", "FAIL", "ABORT"):
            fields[f"prop:{PREFIX}endedAt"] = event.event_time
    error = run.facets.get("errorMessage")
    if isinstance(error, dict) and _text(error.get("message")):
        fields["Status"] = "Failed"
        fields[f"prop:{PREFIX}errorMessage"] = error["message"]
        if _text(error.get("programmingLanguage")):
            fields[f"prop:{PREFIX}errorLanguage"] = error["programmingLanguage"]
    nominal = run.facets.get("nominalTime")
    if isinstance(nominal, dict) and _text(nominal.get("nominalStartTime")):
        fields[f"prop:{PREFIX}nominalStartTime"] = nominal["nominalStartTime"]
    engine = run.facets.get("processing_engine")
    if isinstance(engine, dict) and _text(engine.get("name")):
        fields[f"prop:{PREFIX}engine"] = f"{engine['name']} {engine.get('version') or ''}".strip()
    description = own.get("description")
    if _text(description):
        fields["Description"] = str(description)[:3072]
    _generic(run.facets, fields)
    return fields


def parent_of(event: Event) -> tuple[str, Job] | None:
    """(runId, job) of the parent facet, if the event has a well-formed one."""
    assert event.run is not None
    facet = event.run.facets.get("parent")
    if not isinstance(facet, dict):
        return None
    run, job = facet.get("run"), facet.get("job")
    if not isinstance(run, dict) or not isinstance(job, dict):
        return None
    run_id, namespace, name = run.get("runId"), job.get("namespace"), job.get("name")
    if not (_text(run_id) and _text(namespace) and _text(name)):
        return None
    import uuid

    try:
        return str(uuid.UUID(str(run_id))), Job(str(namespace), str(name))
    except ValueError:
        return None
