"""Search's property paths (§5.3, D69): what a filter's ``Name`` or ``SortBy`` addresses.

A path resolves to a ``Property``: the store field holding its value and the kind of value
(text, number, timestamp, or ``mixed`` for parameters, which are numbers or text per record).
Fixed segments match case-insensitively (AWS's own examples sort by ``metrics.<name>.max``);
map keys (tag keys, parameter keys, metric names) match exactly. Names and ARNs compare
case-insensitively, as every lookup does (D57).

``attributes`` flattens an entity's body into the searchable attributes the store indexes; the
paths below read them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stemma.protocol.errors import ValidationException
from stemma.store.contract import Entity, Kind
from stemma.store.search_query import Field, Stat

ValueKind = Literal["text", "number", "timestamp", "mixed"]

RESOURCES: dict[str, tuple[Kind, str]] = {
    # Search's Resource -> (the kind searched, the SearchRecord member holding each record)
    "Experiment": ("experiment", "Experiment"),
    "ExperimentTrial": ("experiment-trial", "Trial"),
    "ExperimentTrialComponent": ("experiment-trial-component", "TrialComponent"),
}
STATS: dict[str, Stat] = {
    "min": "min",
    "max": "max",
    "avg": "mean",
    "stddev": "stddev",
    "last": "last",
    "count": "count",
    "timestamp": "max_ts_ms",
}
# Contains may be used any number of times on these (by their first segment); once elsewhere.
CONTAINS_UNLIMITED = frozenset(
    (
        "displayname",
        "experimentname",
        "trialname",
        "trialcomponentname",
        "tags",
        "inputartifacts",
        "outputartifacts",
    )
)


@dataclass(frozen=True)
class Property:
    field: Field
    kind: ValueKind
    folded: bool = False  # compared in lowercase: names and ARNs (D57)
    arn: bool = False  # an ARN: its value is the resource's ARN prefix plus the id
    constant: bool = False  # the same on every record of the scope: the lineage group


def _label(kind: Kind) -> str:
    return {"experiment": "Experiment", "experiment-trial": "Trial"}.get(kind, "TrialComponent")


def static_paths(kind: Kind) -> dict[str, Property]:
    """Every fixed path of a resource, by its lowercased spelling."""
    label = _label(kind)
    text: ValueKind = "text"
    paths: dict[str, Property] = {
        f"{label}Name": Property(Field("column", "id"), text, folded=True),
        f"{label}Arn": Property(Field("column", "id"), text, folded=True, arn=True),
        "DisplayName": Property(Field("attr", "DisplayName"), text),
        "CreationTime": Property(Field("column", "created_ms"), "timestamp"),
        "LastModifiedTime": Property(Field("column", "modified_ms"), "timestamp"),
        "Source.SourceArn": Property(Field("attr", "Source.SourceArn"), text, folded=True),
        "Source.SourceType": Property(Field("attr", "Source.SourceType"), text),
    }
    if kind == "experiment":
        paths["Description"] = Property(Field("attr", "Description"), text)
    if kind == "experiment-trial":
        paths["ExperimentName"] = Property(Field("column", "parent"), text, folded=True)
        member = {
            "TrialComponentName": Property(Field("member", "id"), text, folded=True),
            "TrialComponentArn": Property(Field("member", "id"), text, folded=True, arn=True),
            "CreationTime": Property(Field("member", "created_ms"), "timestamp"),
            "TrialComponentSource.SourceArn": Property(
                Field("member", "source_uri"), text, folded=True
            ),
        }
        paths.update({f"TrialComponentSummaries.{k}": v for k, v in member.items()})
    if kind == "experiment-trial-component":
        paths.update(
            {
                "Status.PrimaryStatus": Property(Field("attr", "Status.PrimaryStatus"), text),
                "Status.Message": Property(Field("attr", "Status.Message"), text),
                "StartTime": Property(Field("attr", "StartTime"), "timestamp"),
                "EndTime": Property(Field("attr", "EndTime"), "timestamp"),
                "Parents.TrialName": Property(Field("parent", "trial_id"), text, folded=True),
                "Parents.ExperimentName": Property(
                    Field("parent", "experiment_id"), text, folded=True
                ),
                "RunName": Property(Field("attr", "RunName"), text),
                "LineageGroupArn": Property(
                    Field("column", "id"), text, folded=True, constant=True
                ),
                "SourceDetail.SourceArn": Property(
                    Field("attr", "Source.SourceArn"), text, folded=True
                ),
            }
        )
    return {path.lower(): prop for path, prop in paths.items()}


def resolve(resource: str, kind: Kind, name: str) -> Property:
    """The property ``name`` addresses, or ValidationException for a path the resource lacks."""
    found = static_paths(kind).get(name.lower())
    if found is not None:
        return found
    head, dot, rest = name.partition(".")
    lowered = head.lower()
    if dot and rest:
        if lowered == "tags":
            return Property(Field("tag", rest), "text")
        if lowered in ("createdby", "lastmodifiedby"):
            return Property(Field("attr", f"{head}.{rest}"), "text")  # always {} (D66)
        if lowered == "metadataproperties" and kind != "experiment":
            return Property(Field("attr", f"MetadataProperties.{rest}"), "text")
        if kind == "experiment-trial-component":
            if lowered == "parameters":
                return Property(Field("attr", f"Parameters.{rest}"), "mixed")
            if lowered in ("inputartifacts", "outputartifacts"):
                return _artifact(head, rest)
            if lowered == "metrics":
                metric, stat = _metric(rest)
                kind_of: ValueKind = "timestamp" if stat == "max_ts_ms" else "number"
                return Property(Field("metric", metric, stat), kind_of)
    raise ValidationException(f"'{name}' is not a valid property for resource {resource}.")


def _artifact(head: str, rest: str) -> Property:
    """``InputArtifacts.<key>[.Value|.MediaType]``: a trailing field names the member, the
    rest is the key (which may hold dots)."""
    canonical = "InputArtifacts" if head.lower() == "inputartifacts" else "OutputArtifacts"
    key, dot, last = rest.rpartition(".")
    if dot and key and last.lower() in ("value", "mediatype"):
        member = "Value" if last.lower() == "value" else "MediaType"
        return Property(Field("attr", f"{canonical}.{key}.{member}"), "text")
    return Property(Field("attr", f"{canonical}.{rest}.Value"), "text")


def _metric(rest: str) -> tuple[str, Stat]:
    """``<name>[.<Stat>]``: the trailing segment is a statistic only when it names one; the
    default is ``Last`` (D69)."""
    name, dot, last = rest.rpartition(".")
    if dot and name and last.lower() in STATS:
        return name, STATS[last.lower()]
    return rest, "last"


def attributes(entity: Entity) -> dict[str, float | str]:
    """The searchable attributes of an experiment, trial or trial component's body."""
    body = entity.body
    attrs: dict[str, float | str] = {"DisplayName": body.get("DisplayName") or entity.name or ""}
    if "Description" in body:
        attrs["Description"] = body["Description"]
    source = body.get("Source")
    if source:
        attrs["Source.SourceArn"] = str(source["SourceArn"]).lower()
        if source.get("SourceType") is not None:
            attrs["Source.SourceType"] = source["SourceType"]
    for field, value in (body.get("MetadataProperties") or {}).items():
        attrs[f"MetadataProperties.{field}"] = value
    status = body.get("Status") or {}
    for field in ("PrimaryStatus", "Message"):
        if field in status:
            attrs[f"Status.{field}"] = status[field]
    for member in ("StartTime", "EndTime"):
        if member in body:
            attrs[member] = round(float(body[member]) * 1000)
    for key, value in (body.get("Parameters") or {}).items():
        number = value.get("NumberValue")
        attrs[f"Parameters.{key}"] = float(number) if number is not None else value["StringValue"]
    for member in ("InputArtifacts", "OutputArtifacts"):
        for key, artifact in (body.get(member) or {}).items():
            attrs[f"{member}.{key}.Value"] = artifact["Value"]
            if "MediaType" in artifact:
                attrs[f"{member}.{key}.MediaType"] = artifact["MediaType"]
    return attrs


def first_segment(name: str) -> str:
    return name.partition(".")[0].lower()
