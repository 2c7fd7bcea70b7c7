"""Trial components: CreateTrialComponent, DescribeTrialComponent, UpdateTrialComponent,
DeleteTrialComponent, ListTrialComponents.

A trial component is one run: its parameters, input and output artifacts, status and times. It
is a lineage vertex (``TrialComponent`` in QueryLineage, D72) and may sit in many trials. Its
maps are always returned, ``{}`` when empty, because ExperimentAnalytics indexes them (D66).
Update upserts the maps, then removes the ``*ToRemove`` keys, then checks the limits on the
result; ``Status`` is replaced whole (D65). Delete is refused while it is in a trial (D62).
"""

from __future__ import annotations

import math
from typing import Any

from stemma.context import RequestContext
from stemma.protocol.errors import ValidationException
from stemma.service import arns, entities, metrics
from stemma.service import experiment_entities as ee
from stemma.service.dispatch import Request, Response, handler
from stemma.store.contract import Entity, MetricSummary

TRIAL_COMPONENT = ee.TRIAL_COMPONENT
MAPS = (
    # (member, its removals, the map's shape, its name in validation messages)
    ("Parameters", "ParametersToRemove", "TrialComponentParameters", "parameters"),
    ("InputArtifacts", "InputArtifactsToRemove", "TrialComponentArtifacts", "inputArtifacts"),
    ("OutputArtifacts", "OutputArtifactsToRemove", "TrialComponentArtifacts", "outputArtifacts"),
)
REPLACED = ("DisplayName", "Status", "StartTime", "EndTime")  # replaced whole when present


def check_parameters(parameters: dict[str, Any] | None) -> None:
    """A parameter holds exactly one finite value (D65). botocore sends NaN and infinities as
    strings, which the parser accepts for every double; this is where they are refused."""
    for key, value in (parameters or {}).items():
        if ("StringValue" in value) == ("NumberValue" in value):
            raise ValidationException(
                f"Parameter '{key}' must have exactly one of StringValue or NumberValue."
            )
        if "NumberValue" in value and not math.isfinite(value["NumberValue"]):
            raise ValidationException(f"Parameter '{key}' has a non-finite NumberValue.")


@handler("CreateTrialComponent")
def create_trial_component(ctx: RequestContext, req: Request) -> Response:
    name = req["TrialComponentName"]
    check_parameters(req.get("Parameters"))
    entity = ee.new_entity(ctx, TRIAL_COMPONENT, name, req)
    for member in REPLACED:
        if member in req:
            entity.body[member] = req[member]
    for member, *_ in MAPS:
        entity.body[member] = req.get(member) or {}
    entities.create(ctx, TRIAL_COMPONENT, entity, req, ee.duplicate(TRIAL_COMPONENT, name))
    return {"TrialComponentArn": entities.arn(ctx, TRIAL_COMPONENT, entity.id)}


def describe(
    ctx: RequestContext, entity: Entity, recorded: list[MetricSummary] | None = None
) -> Response:
    """DescribeTrialComponent's members; Search's records build on them. ``recorded``: the
    component's metric summaries, when the caller has read them already."""
    if recorded is None:
        recorded = ctx.store.metric_summaries(ctx.scope, [entity.id]).get(entity.id, [])
    seeded = entity.body.get("Metrics") or []  # a seeded job's fixed summaries (D74)
    merged = sorted([*seeded, *metrics.summaries(recorded)], key=lambda m: str(m["MetricName"]))
    return {
        **ee.record(ctx, TRIAL_COMPONENT, entity),
        "Metrics": merged,
        "LineageGroupArn": arns.lineage_group(ctx),
    }


@handler("DescribeTrialComponent")
def describe_trial_component(ctx: RequestContext, req: Request) -> Response:
    """By name or ARN; an ARN of another kind names nothing (D61)."""
    entity_id = entities.id_from_name_or_arn(ctx, TRIAL_COMPONENT, req["TrialComponentName"])
    return describe(ctx, entities.get(ctx, TRIAL_COMPONENT, entity_id))


@handler("UpdateTrialComponent")
def update_trial_component(ctx: RequestContext, req: Request) -> Response:
    check_parameters(req.get("Parameters"))

    def apply(entity: Entity) -> None:
        for member in REPLACED:
            if member in req:
                entity.body[member] = req[member]
        for member, removals, shape, wire_name in MAPS:
            entities.merge_map(entity.body, req, member, removals, shape, wire_name)

    entity_id = ee.entity_id(req["TrialComponentName"])
    return entities.update(ctx, TRIAL_COMPONENT, entity_id, apply)


@handler("DeleteTrialComponent")
def delete_trial_component(ctx: RequestContext, req: Request) -> Response:
    in_use = "Trial component {arn} is associated with trials; disassociate it first."
    return ee.delete(ctx, TRIAL_COMPONENT, req["TrialComponentName"], in_use)


@handler("ListTrialComponents")
def list_trial_components(ctx: RequestContext, req: Request) -> Response:
    """By one of experiment, trial or source ARN (D67). An experiment's components are those in
    any of its trials, each listed once."""
    if sum(member in req for member in ("ExperimentName", "TrialName", "SourceArn")) > 1:
        raise ValidationException(
            "Only one of ExperimentName, TrialName or SourceArn can be specified."
        )
    source_arn = req.get("SourceArn")
    if source_arn == "":
        return {"TrialComponentSummaries": []}  # no component has an empty source ARN
    filters = {
        "ExperimentName": (
            "in_experiment",
            ee.existing_id(ctx, ee.EXPERIMENT, req.get("ExperimentName")),
        ),
        "TrialName": ("in_trial", ee.existing_id(ctx, ee.TRIAL, req.get("TrialName"))),
        # Matched case-insensitively (D57).
        "SourceArn": ("source_uri", None if source_arn is None else source_arn.lower()),
    }
    return ee.list_page(ctx, TRIAL_COMPONENT, req, filters)
