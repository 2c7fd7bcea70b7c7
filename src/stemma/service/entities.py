"""The rules contexts, actions and artifacts share: create, describe, update, delete and list.

The three kinds differ in their member names (``ContextArn``/``ActionArn``/...), their identity
(a unique name, or a source digest for artifacts) and a few members; ``Family`` holds those
differences as data, and the per-kind modules hold what is truly theirs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from stemma.context import RequestContext
from stemma.protocol.errors import ResourceLimitExceeded, ResourceNotFound, ValidationException
from stemma.protocol.model import shape_limit
from stemma.protocol.validator import format_errors, violation
from stemma.service import arns, tags
from stemma.service.dispatch import Request, Response
from stemma.service.paging import INVALID, decode_token, split_page
from stemma.store.contract import (
    AlreadyExists,
    Entity,
    EntityQuery,
    Kind,
    NewEntity,
    NotFound,
    QuotaExceeded,
    SortKey,
)

DEFAULT_PAGE = 10  # the model's documented default for MaxResults


@dataclass(frozen=True)
class Family:
    """How one kind of entity is named on the wire."""

    kind: Kind
    label: str  # "Context": the member prefix and the noun in messages
    plural: str  # "contexts": the quota name

    @property
    def arn_member(self) -> str:
        return f"{self.label}Arn"

    @property
    def name_member(self) -> str:
        return f"{self.label}Name"

    @property
    def type_member(self) -> str:
        return f"{self.label}Type"

    def quota(self, ctx: RequestContext) -> int | None:
        limit: int | None = getattr(ctx.quotas, self.plural)
        return limit


def arn(ctx: RequestContext, family: Family, entity_id: str) -> str:
    return arns.build(ctx, family.kind, entity_id)


def not_found(ctx: RequestContext, family: Family, entity_id: str) -> ResourceNotFound:
    # D13: "<Kind> <canonical ARN> does not exist."
    return ResourceNotFound(f"{family.label} {arn(ctx, family, entity_id)} does not exist.")


def id_from_arn(ctx: RequestContext, family: Family, arn: str) -> str:
    """The id an ARN names in the caller's scope; any other ARN names nothing (D19, D20)."""
    resolved = arns.resolve(ctx, arn, family.kind)
    if resolved is None:
        raise ResourceNotFound(f"{family.label} {arn.lower()} does not exist.")
    return resolved


def id_from_name_or_arn(ctx: RequestContext, family: Family, name_or_arn: str) -> str:
    """Describe* of contexts and actions take a name or an ARN, case-insensitively (D18)."""
    if name_or_arn.lower().startswith("arn:"):
        return id_from_arn(ctx, family, name_or_arn)
    return name_or_arn.lower()


def seconds(ms: int) -> float:
    return ms / 1000


# -- create -----------------------------------------------------------------------------------


def create(
    ctx: RequestContext, family: Family, entity: Entity, req: Request, duplicate: str
) -> None:
    """Store a new entity with the request's tags; ``duplicate`` is the "already exists" text."""
    new = NewEntity(entity, tags.tags_from_request(req.get("Tags")), family.quota(ctx))
    try:
        ctx.store.create_entity(ctx.scope, new)
    except AlreadyExists:
        raise ValidationException(duplicate) from None
    except QuotaExceeded as exc:
        raise quota_exceeded(family.plural, exc.limit, exc.used) from None


def quota_exceeded(plural: str, limit: int, used: int) -> ResourceLimitExceeded:
    """AWS's template, observed for artifacts and used for every kind (D49)."""
    title = plural.capitalize()
    return ResourceLimitExceeded(
        f"The account-level service limit 'Total number of {plural} allowed, excluding those "
        f"automatically created by SageMaker' is {limit} {title}, with current utilization of "
        f"{used} {title} and a request delta of 1 {title}."
    )


def new_entity(
    ctx: RequestContext, family: Family, entity_id: str, name: str | None, req: Request
) -> Entity:
    return Entity(
        kind=family.kind,
        id=entity_id,
        name=name,
        entity_type=req[family.type_member],
        source_uri=req["Source"]["SourceUri"],
        body={"Properties": req.get("Properties") or {}},
        created_ms=ctx.now_ms,
        modified_ms=ctx.now_ms,
    )


# -- describe ---------------------------------------------------------------------------------


def get(ctx: RequestContext, family: Family, entity_id: str) -> Entity:
    entity = ctx.store.get_entity(ctx.scope, family.kind, entity_id)
    if entity is None:
        raise not_found(ctx, family, entity_id)
    return entity


def summary(ctx: RequestContext, family: Family, entity: Entity) -> Response:
    """An entity's stored members under their wire names. The serializer keeps only those the
    output shape has, so this serves every kind's List* summaries (no ``Properties`` there) and
    is the core of Describe*."""
    return {
        family.name_member: entity.name,
        family.arn_member: arn(ctx, family, entity.id),
        family.type_member: entity.entity_type,
        **entity.body,
        "CreationTime": seconds(entity.created_ms),
        "LastModifiedTime": seconds(entity.modified_ms),
    }


def describe(ctx: RequestContext, family: Family, entity: Entity) -> Response:
    """The Describe* members every kind shares; ``CreatedBy`` and ``LastModifiedBy`` are ``{}``
    (D24)."""
    return {
        **summary(ctx, family, entity),
        "CreatedBy": {},
        "LastModifiedBy": {},
        "LineageGroupArn": arns.lineage_group(ctx),
    }


# -- update -----------------------------------------------------------------------------------


def update(
    ctx: RequestContext,
    family: Family,
    entity_id: str,
    req: Request,
    apply: Callable[[Entity], None],
    properties_shape: str,
) -> Response:
    """Merge ``Properties``, then remove ``PropertiesToRemove`` (D31), in one transaction.

    ``apply`` sets the kind's own mutable members on the entity. Members absent from the request
    are unchanged; ``LastModifiedTime`` is bumped even when nothing changed.
    """

    def mutate(entity: Entity) -> Entity:
        props = dict(entity.body.get("Properties") or {})
        props.update(req.get("Properties") or {})
        for key in req.get("PropertiesToRemove") or []:
            props.pop(key, None)
        limit = shape_limit(properties_shape, "max")
        if len(props) > limit:
            text = f"Member must have length less than or equal to {limit}"
            raise ValidationException(format_errors([violation(props, "properties", text)]))
        entity.body["Properties"] = props
        apply(entity)
        entity.modified_ms = ctx.now_ms
        return entity

    try:
        ctx.store.update_entity(ctx.scope, family.kind, entity_id, mutate)
    except NotFound:
        raise not_found(ctx, family, entity_id) from None
    return {family.arn_member: arn(ctx, family, entity_id)}


# -- delete -----------------------------------------------------------------------------------


def delete(ctx: RequestContext, family: Family, entity_id: str) -> Response:
    """Delete an entity with its tags and associations (D32)."""
    try:
        ctx.store.delete_entity(ctx.scope, family.kind, entity_id)
    except NotFound:
        raise not_found(ctx, family, entity_id) from None
    return {family.arn_member: arn(ctx, family, entity_id)}


# -- list -------------------------------------------------------------------------------------

SORT_KEYS: dict[str, SortKey] = {"CreationTime": "created", "Name": "name"}


def list_page(ctx: RequestContext, family: Family, req: Request) -> Response:
    """One keyset page of a List* call: filters AND-ed, ties broken by ARN (D28, D29, D30)."""
    sort = SORT_KEYS[req.get("SortBy", "CreationTime")]
    descending = req.get("SortOrder", "Descending") == "Descending"
    query = EntityQuery(
        kind=family.kind,
        limit=req.get("MaxResults", DEFAULT_PAGE) + 1,  # one more, to know whether more follow
        source_uri=req.get("SourceUri"),
        entity_type=req.get(family.type_member),
        created_from_ms=lower_bound_ms(req.get("CreatedAfter")),
        created_to_ms=upper_bound_ms(req.get("CreatedBefore")),
        sort=sort,
        descending=descending,
    )
    bound = {
        k: req.get(k) for k in ("SourceUri", family.type_member, "CreatedAfter", "CreatedBefore")
    } | {"sort": sort, "descending": descending}
    position = decode_token(ctx, req, bound)
    if position is not None:
        if not (isinstance(position, list) and len(position) == 2):
            raise ValidationException(INVALID)
        query.after = (position[0], position[1])
    rows = ctx.store.list_entities(ctx.scope, query)
    page, token = split_page(
        ctx,
        bound,
        rows,
        query.limit - 1,
        lambda last: [last.created_ms if sort == "created" else last.name, last.id],
    )
    return {
        f"{family.label}Summaries": [summary(ctx, family, e) for e in page],
        "NextToken": token,
    }


# Bounds far outside any stored time are clamped, so the database sees 64-bit integers only.
_SECONDS_LIMIT = 2**43


def lower_bound_ms(bound: float | None) -> int | None:
    """``CreatedAfter``: on or after. botocore truncates to whole seconds, so an integral bound
    is compared with the creation time truncated to seconds (D28)."""
    if bound is None:
        return None
    return math.ceil(_clamp(bound) * 1000)


def upper_bound_ms(bound: float | None) -> int | None:
    """``CreatedBefore``: on or before, at whole-second granularity for integral bounds (D28)."""
    if bound is None:
        return None
    bound = _clamp(bound)
    if bound.is_integer():
        return int(bound) * 1000 + 999
    return math.floor(bound * 1000)


def _clamp(seconds: float) -> float:
    return float(max(-_SECONDS_LIMIT, min(_SECONDS_LIMIT, seconds)))
