"""Trials: CreateTrial, DescribeTrial, UpdateTrial, DeleteTrial, ListTrials.

A trial belongs to exactly one experiment, fixed at CreateTrial and resolved case-insensitively;
``ExperimentName`` echoes the spelling CreateTrial was given (D59), since the SDK compares it
with the lowercased name it passed. An experiment holds at most 300 trials by default (D64).
Trials are not association ends; trial components join them by AssociateTrialComponent.
"""

from __future__ import annotations

from stemma.context import RequestContext
from stemma.service import entities
from stemma.service import experiment_entities as ee
from stemma.service.dispatch import Request, Response, handler
from stemma.store.contract import NotFound

TRIAL = ee.TRIAL


@handler("CreateTrial")
def create_trial(ctx: RequestContext, req: Request) -> Response:
    name, experiment = req["TrialName"], req["ExperimentName"]
    entity = ee.new_entity(ctx, TRIAL, name, req)
    entity.body["ExperimentName"] = experiment
    entity.parent = ee.entity_id(experiment)
    try:
        entities.create(
            ctx, TRIAL, entity, req, ee.duplicate(TRIAL, name), ee.TRIALS_PER_EXPERIMENT
        )
    except NotFound:
        raise ee.missing(ctx, ee.EXPERIMENT, experiment) from None
    return {"TrialArn": entities.arn(ctx, TRIAL, entity.id)}


@handler("DescribeTrial")
def describe_trial(ctx: RequestContext, req: Request) -> Response:
    return ee.record(ctx, TRIAL, ee.get(ctx, TRIAL, req["TrialName"]))


@handler("UpdateTrial")
def update_trial(ctx: RequestContext, req: Request) -> Response:
    return ee.update(ctx, TRIAL, req["TrialName"], req)


@handler("DeleteTrial")
def delete_trial(ctx: RequestContext, req: Request) -> Response:
    in_use = "Trial {arn} has trial components; disassociate them first."
    return ee.delete(ctx, TRIAL, req["TrialName"], in_use)


@handler("ListTrials")
def list_trials(ctx: RequestContext, req: Request) -> Response:
    """By experiment and by trial component, AND-ed; a filter naming nothing is
    ResourceNotFound (D67)."""
    experiment = ee.existing_id(ctx, ee.EXPERIMENT, req.get("ExperimentName"))
    component = ee.existing_id(ctx, ee.TRIAL_COMPONENT, req.get("TrialComponentName"))
    filters = {
        "ExperimentName": ("parent", experiment),
        "TrialComponentName": ("containing", component),
    }
    return ee.list_page(ctx, TRIAL, req, filters)
