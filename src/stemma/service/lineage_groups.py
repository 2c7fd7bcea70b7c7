"""DescribeLineageGroup, ListLineageGroups and GetLineageGroupPolicy.

SageMaker creates one default lineage group per account (and region) with the first lineage
entity, and every entity's ``LineageGroupArn`` points at it (D23). stemma has exactly that group
and no resource policies, so GetLineageGroupPolicy always answers ``ResourceNotFound``.
"""

from __future__ import annotations

from stemma.context import RequestContext
from stemma.protocol.errors import ResourceNotFound, ValidationException
from stemma.service import arns, entities
from stemma.service.dispatch import Request, Response, handler
from stemma.service.paging import INVALID
from stemma.store.contract import DEFAULT_LINEAGE_GROUP


def _missing(ctx: RequestContext, name: str) -> ResourceNotFound:
    return ResourceNotFound(
        f"LineageGroup {arns.build(ctx, 'lineage-group', name)} does not exist."
    )


def _created_ms(ctx: RequestContext) -> int | None:
    return ctx.store.lineage_group_created_ms(ctx.scope)


@handler("DescribeLineageGroup")
def describe_lineage_group(ctx: RequestContext, req: Request) -> Response:
    name = req["LineageGroupName"]
    created_ms = _created_ms(ctx)
    if name.lower() != DEFAULT_LINEAGE_GROUP or created_ms is None:
        raise _missing(ctx, name)
    return {
        "LineageGroupName": DEFAULT_LINEAGE_GROUP,
        "LineageGroupArn": arns.lineage_group(ctx),
        "CreationTime": entities.seconds(created_ms),
        "CreatedBy": {},
        "LastModifiedTime": entities.seconds(created_ms),
        "LastModifiedBy": {},
    }


@handler("ListLineageGroups")
def list_lineage_groups(ctx: RequestContext, req: Request) -> Response:
    if req.get("NextToken"):  # never issued: there is at most one group
        raise ValidationException(INVALID)
    created_ms = _created_ms(ctx)
    low = entities.lower_bound_ms(req.get("CreatedAfter"))
    high = entities.upper_bound_ms(req.get("CreatedBefore"))
    if (
        created_ms is None
        or (low is not None and created_ms < low)
        or (high is not None and created_ms > high)
    ):
        return {"LineageGroupSummaries": []}
    summary = {
        "LineageGroupArn": arns.lineage_group(ctx),
        "LineageGroupName": DEFAULT_LINEAGE_GROUP,
        "CreationTime": entities.seconds(created_ms),
        "LastModifiedTime": entities.seconds(created_ms),
    }
    return {"LineageGroupSummaries": [summary]}


@handler("GetLineageGroupPolicy")
def get_lineage_group_policy(ctx: RequestContext, req: Request) -> Response:
    name = req["LineageGroupName"].rsplit("/", 1)[-1]
    raise _missing(ctx, name)
