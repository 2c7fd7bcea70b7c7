"""An imported entity checked against the service model, as if it were created through the API.

Each record is rebuilt as the Create* request that would have made it (its name, type, source,
properties, tags, ...) and run through the protocol's decoder and validator, so a record that
no API call could have produced (an over-long name, a bad pattern, too many properties, a wrong
JSON type) stops the import with the model's own message, before anything of its batch is
written. Members only seeding can set (a job component's ``Source``) are not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stemma.protocol.errors import ServiceError
from stemma.protocol.model import operation
from stemma.protocol.parser import decoder_for
from stemma.protocol.validator import validate
from stemma.store.contract import Kind, TaggedEntity


def _lineage(label: str, name_member: str | None) -> Callable[[TaggedEntity], dict[str, Any]]:
    def build(item: TaggedEntity) -> dict[str, Any]:
        e = item.entity
        request: dict[str, Any] = {
            "Source": e.body.get("Source"),
            f"{label}Type": e.entity_type,
            **{k: e.body[k] for k in _OPTIONAL[label] if k in e.body},
        }
        if name_member is not None and e.name is not None:
            request[name_member] = e.name
        return request

    return build


def _experiment_kind(
    name_member: str, members: tuple[str, ...]
) -> Callable[[TaggedEntity], dict[str, Any]]:
    def build(item: TaggedEntity) -> dict[str, Any]:
        e = item.entity
        return {name_member: e.name, **{k: e.body[k] for k in members if k in e.body}}

    return build


_OPTIONAL = {
    "Context": ("Description", "Properties"),
    "Action": ("Description", "Status", "Properties", "MetadataProperties"),
    "Artifact": ("Properties", "MetadataProperties"),
}
# kind -> (the Create* operation, how a record becomes its request)
_REQUESTS: dict[Kind, tuple[str, Callable[[TaggedEntity], dict[str, Any]]]] = {
    "context": ("CreateContext", _lineage("Context", "ContextName")),
    "action": ("CreateAction", _lineage("Action", "ActionName")),
    "artifact": ("CreateArtifact", _lineage("Artifact", "ArtifactName")),
    "experiment": (
        "CreateExperiment",
        _experiment_kind("ExperimentName", ("DisplayName", "Description")),
    ),
    "experiment-trial": (
        "CreateTrial",
        _experiment_kind("TrialName", ("ExperimentName", "DisplayName", "MetadataProperties")),
    ),
    "experiment-trial-component": (
        "CreateTrialComponent",
        _experiment_kind(
            "TrialComponentName",
            (
                "DisplayName",
                "Status",
                "StartTime",
                "EndTime",
                "Parameters",
                "InputArtifacts",
                "OutputArtifacts",
                "MetadataProperties",
            ),
        ),
    ),
}


def check(item: TaggedEntity) -> str | None:
    """The model's objection to the entity, or None when an API call could have created it."""
    name, build = _REQUESTS[item.entity.kind]
    op = operation(name)
    assert op is not None and op.input_shape is not None
    request = build(item)
    if item.tags:
        request["Tags"] = [{"Key": t.key, "Value": t.value} for t in item.tags]
    try:
        params = decoder_for(op.input_shape)(
            {k: v for k, v in request.items() if v is not None}, ""
        )
        validate(op, params)
    except ServiceError as error:
        return f"{item.entity.kind} {item.entity.id}: {error.message}"
    return None
