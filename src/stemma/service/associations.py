"""Associations: AddAssociation, DeleteAssociation, ListAssociations.

An association is a directed edge identified by its (SourceArn, DestinationArn) pair; it has no
ARN and cannot be tagged. Both ends must exist in the caller's scope when it is added, and they
keep existing: deleting an entity deletes its associations (D32). Check order (D14, D26): shape,
ends exist, self-loop, duplicate, quota.
"""

from __future__ import annotations

from typing import Any, get_args

from stemma.context import RequestContext
from stemma.protocol.errors import ResourceNotFound, ValidationException
from stemma.service import arns, entities
from stemma.service.dispatch import Request, Response, handler
from stemma.service.paging import INVALID, decode_token, split_page
from stemma.store.contract import (
    AlreadyExists,
    Association,
    AssociationQuery,
    AssociationSortKey,
    Kind,
    NotFound,
    QuotaExceeded,
    Ref,
    association_sort_key,
)

ASSOCIATIONS = entities.account_limit("associations", "Associations")
# The kinds an association may join (trials fail the model's AssociationEntityArn pattern), and
# those of which no two may be joined: "Calling the AddAssociation API with both source and
# destination in the set [Experiment|Trial|TrialComponent] is invalid" (§7.2).
HOSTED: tuple[Kind, ...] = tuple(k for k in get_args(Kind) if k != "experiment-trial")
EXPERIMENT_KINDS: frozenset[Kind] = frozenset(("experiment", "experiment-trial-component"))
LABELS = {
    "context": "Context",
    "action": "Action",
    "artifact": "Artifact",
    "experiment": "Experiment",
    "experiment-trial-component": "TrialComponent",
}
SORT_KEYS: dict[str, AssociationSortKey] = {
    "CreationTime": "created",
    "SourceArn": "source",
    "DestinationArn": "destination",
    "SourceType": "source_type",
    "DestinationType": "destination_type",
}


def ref_arn(ctx: RequestContext, ref: Ref) -> str:
    return arns.build(ctx, ref.kind, ref.id)


def resolve_end(ctx: RequestContext, arn: str) -> Ref | None:
    """The entity an association end names in the caller's scope, if it can be one (D37 as
    replaced: experiments and trial components are hosted ends)."""
    parsed = arns.parse(arn)
    if parsed is None or parsed.resource_type not in HOSTED:
        return None
    resource_id = arns.resolve(ctx, arn, parsed.resource_type)
    if resource_id is None:
        return None
    return Ref(parsed.resource_type, resource_id)


def missing(arn: str) -> ResourceNotFound:
    parsed = arns.parse(arn)
    label = LABELS.get(parsed.resource_type, "Resource") if parsed else "Resource"
    return ResourceNotFound(f"{label} {arn.lower()} does not exist.")


def _existing_end(ctx: RequestContext, arn: str) -> Ref:
    ref = resolve_end(ctx, arn)
    if ref is None:
        raise missing(arn)
    return ref


@handler("AddAssociation")
def add_association(ctx: RequestContext, req: Request) -> Response:
    source = _existing_end(ctx, req["SourceArn"])
    destination = _existing_end(ctx, req["DestinationArn"])
    source_arn, destination_arn = ref_arn(ctx, source), ref_arn(ctx, destination)
    if source.kind in EXPERIMENT_KINDS and destination.kind in EXPERIMENT_KINDS:
        for end in (source, destination):  # existence first (D14)
            if ctx.store.get_entity(ctx.scope, end.kind, end.id) is None:
                raise missing(ref_arn(ctx, end))
        raise ValidationException(
            "An association can't be created between two experiment entities."
        )
    if source == destination:  # D38, after the existence check (D14)
        if ctx.store.get_entity(ctx.scope, source.kind, source.id) is None:
            raise missing(source_arn)
        raise ValidationException(
            f"An association can't be created between {source_arn} and itself."
        )
    edge = Association(source, destination, req.get("AssociationType"), ctx.now_ms)
    try:
        ctx.store.add_association(ctx.scope, edge, ctx.quotas.associations)
    except NotFound as exc:
        raise missing(ref_arn(ctx, exc.what) if isinstance(exc.what, Ref) else "") from None
    except AlreadyExists:
        raise ValidationException(
            f"Association between {source_arn} and {destination_arn} already exists."
        ) from None
    except QuotaExceeded as exc:
        raise ASSOCIATIONS.exceeded(exc.limit, exc.used) from None
    return {"SourceArn": source_arn, "DestinationArn": destination_arn}


@handler("DeleteAssociation")
def delete_association(ctx: RequestContext, req: Request) -> Response:
    source = resolve_end(ctx, req["SourceArn"])
    destination = resolve_end(ctx, req["DestinationArn"])
    source_arn, destination_arn = req["SourceArn"].lower(), req["DestinationArn"].lower()
    try:
        if source is None or destination is None:
            raise NotFound()
        source_arn, destination_arn = ref_arn(ctx, source), ref_arn(ctx, destination)
        ctx.store.delete_association(ctx.scope, source, destination)
    except NotFound:
        raise ResourceNotFound(  # D13
            f"Association with source {source_arn} and destination {destination_arn} "
            "does not exist."
        ) from None
    return {"SourceArn": source_arn, "DestinationArn": destination_arn}


def _summary(ctx: RequestContext, edge: Association) -> Response:
    # CreatedBy is omitted, not {}: AWS's own test asserts it is None (D24).
    return {
        "SourceArn": ref_arn(ctx, edge.source),
        "DestinationArn": ref_arn(ctx, edge.destination),
        "SourceType": edge.source_type,
        "DestinationType": edge.destination_type,
        "AssociationType": edge.association_type,
        "SourceName": edge.source_name,
        "DestinationName": edge.destination_name,
        "CreationTime": entities.seconds(edge.created_ms),
    }


@handler("ListAssociations")
def list_associations(ctx: RequestContext, req: Request) -> Response:
    sort = SORT_KEYS[req.get("SortBy", "CreationTime")]
    descending = req.get("SortOrder", "Descending") == "Descending"
    filters = ("SourceArn", "DestinationArn", "SourceType", "DestinationType", "AssociationType")
    bound: dict[str, Any] = {k: req.get(k) for k in (*filters, "CreatedAfter", "CreatedBefore")}
    bound |= {"sort": sort, "descending": descending}
    position = decode_token(ctx, req, bound)
    query = AssociationQuery(
        limit=req.get("MaxResults", entities.DEFAULT_PAGE) + 1,
        source_type=req.get("SourceType"),
        destination_type=req.get("DestinationType"),
        association_type=req.get("AssociationType"),
        created_from_ms=entities.lower_bound_ms(req.get("CreatedAfter")),
        created_to_ms=entities.upper_bound_ms(req.get("CreatedBefore")),
        sort=sort,
        descending=descending,
    )
    if position is not None:
        if not isinstance(position, list):
            raise ValidationException(INVALID)
        query.after = tuple(position)
    for member, attribute in (("SourceArn", "source"), ("DestinationArn", "destination")):
        if member in req:
            ref = resolve_end(ctx, req[member])
            if ref is None:  # an end that cannot exist here has no associations
                return {"AssociationSummaries": []}
            setattr(query, attribute, ref)
    rows = ctx.store.list_associations(ctx.scope, query)
    page, token = split_page(
        ctx, bound, rows, query.limit - 1, lambda last: list(association_sort_key(last, sort))
    )
    return {"AssociationSummaries": [_summary(ctx, edge) for edge in page], "NextToken": token}
