"""Experiments: CreateExperiment, DescribeExperiment, UpdateExperiment, DeleteExperiment,
ListExperiments.

An experiment is the top of the Experiments hierarchy: it holds trials, which hold trial
components. It is a valid association end (stored and listed, never traversed by QueryLineage,
D73). Delete is refused while it has trials, never cascading to them (D62).
"""

from __future__ import annotations

from stemma.context import RequestContext
from stemma.service import entities
from stemma.service import experiment_entities as ee
from stemma.service.dispatch import Request, Response, handler

EXPERIMENT = ee.EXPERIMENT


@handler("CreateExperiment")
def create_experiment(ctx: RequestContext, req: Request) -> Response:
    name = req["ExperimentName"]
    entity = ee.new_entity(ctx, EXPERIMENT, name, req)
    entities.create(ctx, EXPERIMENT, entity, req, ee.duplicate(EXPERIMENT, name))
    return {"ExperimentArn": entities.arn(ctx, EXPERIMENT, entity.id)}


@handler("DescribeExperiment")
def describe_experiment(ctx: RequestContext, req: Request) -> Response:
    return ee.record(ctx, EXPERIMENT, ee.get(ctx, EXPERIMENT, req["ExperimentName"]))


@handler("UpdateExperiment")
def update_experiment(ctx: RequestContext, req: Request) -> Response:
    return ee.update(ctx, EXPERIMENT, req["ExperimentName"], req)


@handler("DeleteExperiment")
def delete_experiment(ctx: RequestContext, req: Request) -> Response:
    in_use = "Experiment {arn} has trials; delete them first."
    return ee.delete(ctx, EXPERIMENT, req["ExperimentName"], in_use)


@handler("ListExperiments")
def list_experiments(ctx: RequestContext, req: Request) -> Response:
    return ee.list_page(ctx, EXPERIMENT, req, {})
