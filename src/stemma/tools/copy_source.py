"""The reading side of ``stemma copy``: a source API with throttling handled, and every entity
rebuilt from what Describe* and ListTags answer, as the store would hold it.

Only the public API is used, so what it does not show cannot be copied: a trial component's
membership times (a membership is given the later of its two ends' creation times), whether a
``DisplayName`` equal to the name was given or defaulted (it is then left out, which answers the
same), and times finer than the milliseconds the wire carries.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stemma.service.search.properties import attributes
from stemma.store.contract import LINEAGE_KINDS, Entity, Kind, Ref, Scope, Tag, TaggedEntity

THROTTLED = frozenset(
    ("ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded")
)
MAX_ATTEMPTS = 10
EXPERIMENT_KINDS: tuple[Kind, ...] = (
    "experiment",
    "experiment-trial",
    "experiment-trial-component",
)
SEEDED = "AutoCreated"  # the body flag of an automatically created (job) trial component

# kind -> (list operation, result key, describe operation, describe parameter, wire label)
KINDS: dict[Kind, tuple[str, str, str, str, str]] = {
    "context": ("list_contexts", "ContextSummaries", "describe_context", "ContextName", "Context"),
    "action": ("list_actions", "ActionSummaries", "describe_action", "ActionName", "Action"),
    "artifact": (
        "list_artifacts",
        "ArtifactSummaries",
        "describe_artifact",
        "ArtifactArn",
        "Artifact",
    ),
    "experiment": (
        "list_experiments",
        "ExperimentSummaries",
        "describe_experiment",
        "ExperimentName",
        "Experiment",
    ),
    "experiment-trial": (
        "list_trials",
        "TrialSummaries",
        "describe_trial",
        "TrialName",
        "Trial",
    ),
    "experiment-trial-component": (
        "list_trial_components",
        "TrialComponentSummaries",
        "describe_trial_component",
        "TrialComponentName",
        "TrialComponent",
    ),
}
# What the server derives, never stored in a body.
_DERIVED = frozenset(
    (
        "CreationTime",
        "LastModifiedTime",
        "CreatedBy",
        "LastModifiedBy",
        "LineageGroupArn",
        "Metrics",
        "Sources",
        "ResponseMetadata",
    )
)
# How ListAssociations types an experiment entity that is an association end.
_ENTITY_TYPES: dict[Kind, str] = {
    "experiment": "SageMakerExperiment",
    "experiment-trial": "",
    "experiment-trial-component": "SageMakerExperimentTrialComponent",
}


class CopyFailed(Exception):
    """The copy could not start or had to stop (an error other than throttling)."""


@dataclass
class CopyReport:
    copied: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    throttled: int = 0
    not_copied: list[str] = field(default_factory=list)
    approximate: list[str] = field(default_factory=list)  # metric series not rebuilt exactly
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.not_copied)

    def summary(self) -> str:
        text = f"copied {dict(self.copied) or 'nothing'}, already there {dict(self.present)}"
        text += f", throttled {self.throttled} times, in {self.seconds:.1f}s"
        for title, lines in (
            ("metric series rebuilt approximately", self.approximate),
            ("not copied", self.not_copied),
        ):
            if lines:
                shown = "\n  ".join(lines[:50])
                more = len(lines) - 50
                text += f"\n{title} ({len(lines)}):\n  {shown}"
                text += f"\n  ... and {more} more" if more > 0 else ""
        return text


class Source:
    """A SageMaker API with throttling handled here: backoff with jitter, counted."""

    def __init__(self, client: Any, report: CopyReport, page_size: int = 100) -> None:
        self.client = client
        self.report = report
        self.page_size = page_size

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        delay = 0.1
        for attempt in range(MAX_ATTEMPTS):
            try:
                response: dict[str, Any] = getattr(self.client, operation)(**params)
                return response
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code not in THROTTLED or attempt == MAX_ATTEMPTS - 1:
                    raise
            self.report.throttled += 1
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

    def pages(
        self, operation: str, key: str, paged: bool = True, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a List call, page by page (``paged``: with our page size)."""
        token: str | None = None
        while True:
            extra: dict[str, Any] = {"NextToken": token} if token else {}
            if paged:
                extra["MaxResults"] = self.page_size
            page = self.call(operation, **params, **extra)
            yield from page.get(key, [])
            token = page.get("NextToken")
            if not token:
                return


_KIND_OF: dict[str, Kind] = {k: k for k in KINDS}


def parse_arn(arn: str) -> tuple[Scope, Ref] | None:
    """(scope, ref) of the ARN of a kind stemma hosts; None for other kinds."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or "/" not in parts[5]:
        return None
    kind, _, entity_id = parts[5].partition("/")
    if kind not in _KIND_OF:
        return None
    return Scope(parts[4], parts[3]), Ref(_KIND_OF[kind], entity_id)


def ms(value: Any) -> int:
    if isinstance(value, datetime):
        return round(value.timestamp() * 1000)
    return round(float(value) * 1000)


def seconds(value: Any) -> Any:
    """Times inside a body as the store keeps them (epoch seconds), recursively."""
    if isinstance(value, datetime):
        return ms(value) / 1000
    if isinstance(value, dict):
        return {k: seconds(v) for k, v in value.items()}
    if isinstance(value, list):
        return [seconds(v) for v in value]
    return value


@dataclass
class Read:
    """An entity as read: where it lives, the entity with its tags, its ARN, and for a trial
    component its metric summaries as Describe answered them."""

    scope: Scope
    item: TaggedEntity
    arn: str
    metrics: list[dict[str, Any]] = field(default_factory=list)


def read_entities(source: Source, kind: Kind) -> Iterator[Read]:
    """Every entity of ``kind``, described, with its tags."""
    operation, key, describe, parameter, label = KINDS[kind]
    for summary in source.pages(operation, key):
        arn = summary[f"{label}Arn"]
        parsed = parse_arn(arn)
        if parsed is None:
            continue
        scope, ref = parsed
        described = source.call(describe, **{parameter: summary[parameter]})
        tags = [
            Tag(t["Key"], t["Value"])
            for t in source.pages("list_tags", "Tags", False, ResourceArn=arn)
        ]
        if kind in LINEAGE_KINDS:
            entity = _lineage(kind, ref, described)
        else:
            entity = _experimental(kind, ref, described)
        read = Read(scope, TaggedEntity(entity, tags), arn)
        if kind == "experiment-trial-component":
            read.metrics = list(seconds(described.get("Metrics") or []))
        yield read


def _lineage(kind: Kind, ref: Ref, described: dict[str, Any]) -> Entity:
    label = KINDS[kind][4]
    body = {
        k: v
        for k, v in described.items()
        if k not in _DERIVED and k not in (f"{label}Name", f"{label}Arn", f"{label}Type")
    }
    body.setdefault("Properties", {})
    if kind == "artifact":
        body["Source"] = {
            "SourceUri": body["Source"]["SourceUri"],
            "SourceTypes": list(body["Source"].get("SourceTypes") or []),
        }
    return Entity(
        kind=kind,
        id=ref.id,
        name=described.get(f"{label}Name"),
        entity_type=described.get(f"{label}Type") or "",
        source_uri=(described.get("Source") or {}).get("SourceUri", ""),
        body=body,
        created_ms=ms(described["CreationTime"]),
        modified_ms=ms(described.get("LastModifiedTime", described["CreationTime"])),
    )


def _experimental(kind: Kind, ref: Ref, described: dict[str, Any]) -> Entity:
    """An experiment, trial or trial component as the API path stores it; a component with a
    ``Source`` (a job's) as seeding stores it, flagged automatically created."""
    label = KINDS[kind][4]
    name = described[f"{label}Name"]
    body = {
        k: seconds(v)
        for k, v in described.items()
        if k not in _DERIVED and k not in (f"{label}Name", f"{label}Arn")
    }
    if body.get("DisplayName") == name:
        del body["DisplayName"]  # the default: the same answers, whether given or not
    entity = Entity(
        kind=kind,
        id=ref.id,
        name=name,
        entity_type=_ENTITY_TYPES[kind],
        source_uri="",
        body=body,
        created_ms=ms(described["CreationTime"]),
        modified_ms=ms(described.get("LastModifiedTime", described["CreationTime"])),
    )
    if kind == "experiment-trial":
        entity.parent = str(described["ExperimentName"]).lower()
    if kind == "experiment-trial-component":
        for member in ("Parameters", "InputArtifacts", "OutputArtifacts"):
            body.setdefault(member, {})
        source = body.get("Source")
        if source:
            body[SEEDED] = True
            entity.entity_type = source.get("SourceType") or entity.entity_type
            entity.source_uri = str(source.get("SourceArn", "")).lower()
    entity.attrs = attributes(entity)  # what Search filters and sorts on
    return entity


def read_members(source: Source, trial: Read) -> Iterator[str]:
    """The names of a trial's trial components."""
    name = trial.item.entity.name
    for summary in source.pages("list_trial_components", "TrialComponentSummaries", TrialName=name):
        yield summary["TrialComponentName"]
