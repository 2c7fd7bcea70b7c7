"""OpenLineage events as received: checked against the spec's required members, every problem
collected before any is reported, then held as small typed records.

Only what the mapping reads is checked strictly (identities, times, the event type); facets are
kept as the JSON objects they are. Nothing here touches the store.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

EventKind = Literal["run", "job", "dataset"]
EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
MAX_DATASETS = 1000  # inputs plus outputs of one event


class InvalidEvent(Exception):
    """The body is not an OpenLineage event; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Dataset:
    namespace: str
    name: str
    facets: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    namespace: str
    name: str
    facets: dict[str, Any] = field(default_factory=dict)


@dataclass
class Run:
    run_id: str  # lowercased UUID
    facets: dict[str, Any] = field(default_factory=dict)


@dataclass
class Event:
    kind: EventKind
    event_time_ms: int
    event_time: str  # as sent
    producer: str
    event_type: str | None = None
    run: Run | None = None
    job: Job | None = None
    inputs: list[Dataset] = field(default_factory=list)
    outputs: list[Dataset] = field(default_factory=list)
    dataset: Dataset | None = None


def parse_event(body: bytes) -> Event:
    """The event a request body holds; raises InvalidEvent."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent([f"the body is not JSON: {exc}"]) from None
    return event_from_json(data)


def event_from_json(data: Any) -> Event:
    if not isinstance(data, dict):
        raise InvalidEvent(["an event is a JSON object"])
    problems: list[str] = []
    event_time = _string(data, "eventTime", "", problems)
    time_ms = 0
    if event_time:
        try:
            parsed = dt.datetime.fromisoformat(event_time)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            time_ms = round(parsed.timestamp() * 1000)
        except ValueError:
            problems.append(f"eventTime: not an ISO 8601 date-time: {event_time!r}")
    producer = _string(data, "producer", "", problems)
    _string(data, "schemaURL", "", problems)
    if "run" in data:
        kind: EventKind = "run"
    elif "job" in data:
        kind = "job"
    elif "dataset" in data:
        kind = "dataset"
    else:
        problems.append("an event needs run and job (RunEvent), job (JobEvent) or dataset")
        raise InvalidEvent(problems)
    event = Event(kind, time_ms, event_time, producer)
    if kind == "run":
        event.run = _run(data.get("run"), problems)
        event_type = data.get("eventType")
        if event_type is not None and event_type not in EVENT_TYPES:
            problems.append(f"eventType: must be one of {', '.join(EVENT_TYPES)}")
        elif isinstance(event_type, str):
            event.event_type = event_type
        if "job" not in data:
            problems.append("job: required in a RunEvent")
    if kind in ("run", "job"):
        job = _named(data.get("job"), "job", problems)
        event.job = Job(job[0], job[1], job[2]) if job else None
        for side in ("inputs", "outputs"):
            items = data.get(side)
            if items is None:
                continue
            if not isinstance(items, list):
                problems.append(f"{side}: must be a list")
                continue
            found = [_named(item, f"{side}[{i}]", problems) for i, item in enumerate(items)]
            getattr(event, side).extend(Dataset(*d) for d in found if d is not None)
        if len(event.inputs) + len(event.outputs) > MAX_DATASETS:
            problems.append(f"inputs and outputs: at most {MAX_DATASETS} datasets per event")
    else:
        found_dataset = _named(data.get("dataset"), "dataset", problems)
        event.dataset = Dataset(*found_dataset) if found_dataset else None
    if problems:
        raise InvalidEvent(problems)
    return event


def _string(data: dict[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        problems.append(f"{where}{key}: required, a non-empty string")
        return ""
    return value


def _facets(data: dict[str, Any], where: str, problems: list[str]) -> dict[str, Any]:
    facets: dict[str, Any] = {}
    for key in ("facets", "inputFacets", "outputFacets"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            problems.append(f"{where}.{key}: must be an object of facet objects")
            continue
        facets.update(value)
    return facets


def _run(data: Any, problems: list[str]) -> Run | None:
    if not isinstance(data, dict):
        problems.append("run: required, an object with runId")
        return None
    run_id = _string(data, "runId", "run.", problems)
    if run_id:
        try:
            run_id = str(uuid.UUID(run_id))
        except ValueError:
            problems.append(f"run.runId: not a UUID: {run_id!r}")
    return Run(run_id, _facets(data, "run", problems))


def _named(data: Any, where: str, problems: list[str]) -> tuple[str, str, dict[str, Any]] | None:
    """(namespace, name, facets) of a job or dataset."""
    if not isinstance(data, dict):
        problems.append(f"{where}: required, an object with namespace and name")
        return None
    namespace = _string(data, "namespace", f"{where}.", problems)
    name = _string(data, "name", f"{where}.", problems)
    facets = _facets(data, where, problems)
    if not namespace or not name:
        return None
    return namespace, name, facets
