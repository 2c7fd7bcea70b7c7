"""AssociateTrialComponent and DisassociateTrialComponent: trial components in trials.

A trial component may sit in many trials. Associating it again is a success that changes
nothing and uses no quota; disassociating a non-member is ResourceNotFound (D63). A trial holds
at most 50 trial components by default, not counting seeded (automatically created) ones (D64).
A membership is not a lineage association: QueryLineage never sees it.
"""

from __future__ import annotations

from stemma.context import RequestContext
from stemma.protocol.errors import ResourceNotFound
from stemma.service import entities
from stemma.service import experiment_entities as ee
from stemma.service.dispatch import Request, Response, handler
from stemma.store.contract import NotFound, QuotaExceeded, Ref


def _ends(ctx: RequestContext, req: Request) -> tuple[str, str, Response]:
    trial_id = ee.entity_id(req["TrialName"])
    tc_id = ee.entity_id(req["TrialComponentName"])
    response = {
        "TrialComponentArn": entities.arn(ctx, ee.TRIAL_COMPONENT, tc_id),
        "TrialArn": entities.arn(ctx, ee.TRIAL, trial_id),
    }
    return trial_id, tc_id, response


def _missing(ctx: RequestContext, exc: NotFound) -> ResourceNotFound:
    assert isinstance(exc.what, Ref)
    family = ee.TRIAL if exc.what.kind == ee.TRIAL.kind else ee.TRIAL_COMPONENT
    return entities.not_found(ctx, family, exc.what.id)


@handler("AssociateTrialComponent")
def associate_trial_component(ctx: RequestContext, req: Request) -> Response:
    trial_id, tc_id, response = _ends(ctx, req)
    component = ctx.store.get_entity(ctx.scope, ee.TRIAL_COMPONENT.kind, tc_id)
    counted = component is None or not component.body.get(ee.SEEDED)
    try:
        ctx.store.add_member(
            ctx.scope,
            trial_id,
            tc_id,
            counted,
            ee.COMPONENTS_PER_TRIAL.value(ctx),
            ctx.now_ms,
        )
    except NotFound as exc:
        raise _missing(ctx, exc) from None
    except QuotaExceeded as exc:
        raise ee.COMPONENTS_PER_TRIAL.exceeded(exc.limit, exc.used) from None
    return response


@handler("DisassociateTrialComponent")
def disassociate_trial_component(ctx: RequestContext, req: Request) -> Response:
    trial_id, tc_id, response = _ends(ctx, req)
    try:
        ctx.store.remove_member(ctx.scope, trial_id, tc_id, ctx.now_ms)
    except NotFound as exc:
        if exc.what is not None:
            raise _missing(ctx, exc) from None
        raise ResourceNotFound(
            f"Trial component {response['TrialComponentArn']} is not associated with trial "
            f"{response['TrialArn']}."
        ) from None
    return response
