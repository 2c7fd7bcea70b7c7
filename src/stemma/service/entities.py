"""The rules every kind of entity shares: create, describe, update, delete and list.

The kinds differ in their member names (``ContextArn``/``TrialArn``/...), their identity (a
unique name, or a source digest for artifacts), their quota and a few members; ``Family`` holds
those differences as data, and the per-kind modules hold what is truly theirs. The lineage kinds
(contexts, actions, artifacts) share more still: ``lineage_entity`` and ``list_page``'s source
and type filters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    HasDependents,
    Kind,
    NewEntity,
    NotFound,
    ParentQuotaExceeded,
    QuotaExceeded,
    SortKey,
)

DEFAULT_PAGE = 10  # the model's documented default for MaxResults


@dataclass(frozen=True)
class Limit:
    """A quota: the ``Quotas`` setting that holds it, and how AWS names it when it is reached."""

    setting: str  # "contexts": the attribute of ``Quotas`` (and the --quota name)
    name: str  # "Total number of contexts allowed, excluding those automatically created by ..."
    units: str  # "Contexts"
    suffix: str = ""  # a closing sentence, where AWS's text for this quota has one

    def value(self, ctx: RequestContext) -> int | None:
        limit: int | None = getattr(ctx.quotas, self.setting)
        return limit

    def exceeded(self, limit: int, used: int) -> ResourceLimitExceeded:
        """AWS's template, observed for artifacts and trials (D49, D64)."""
        units = self.units
        text = (
            f"The account-level service limit '{self.name}' is {limit} {units}, with current "
            f"utilization of {used} {units} and a request delta of 1 {units}."
        )
        return ResourceLimitExceeded(f"{text} {self.suffix}" if self.suffix else text)


def account_limit(plural: str, units: str, suffix: str = "") -> Limit:
    """A per-(account, region) quota named as AWS names the lineage ones."""
    name = f"Total number of {plural} allowed, excluding those automatically created by SageMaker"
    return Limit(plural.replace(" ", "_"), name, units, suffix)


@dataclass(frozen=True)
class Family:
    """How one kind of entity is named on the wire."""

    kind: Kind
    label: str  # "Context": the member prefix and the noun in messages
    limit: Limit  # the per-(account, region) quota on this kind
    # What Search may filter and sort on, flattened from the body; None: not searchable.
    attributes: Callable[[Entity], dict[str, float | str]] | None = None

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
        return self.limit.value(ctx)


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
    ctx: RequestContext,
    family: Family,
    entity: Entity,
    req: Request,
    duplicate: str,
    parent_limit: Limit | None = None,
) -> None:
    """Store a new entity with the request's tags; ``duplicate`` is the "already exists" text.
    ``parent_limit`` bounds the children of ``entity.parent``; a missing parent surfaces as the
    store's NotFound, for the caller to name."""
    if family.attributes is not None:
        entity.attrs = family.attributes(entity)
    new = NewEntity(entity, tags.tags_from_request(req.get("Tags")), family.quota(ctx))
    if parent_limit is not None:
        new.parent_quota = parent_limit.value(ctx)
    try:
        ctx.store.create_entity(ctx.scope, new)
    except AlreadyExists:
        raise ValidationException(duplicate) from None
    except ParentQuotaExceeded as exc:
        assert parent_limit is not None
        raise parent_limit.exceeded(exc.limit, exc.used) from None
    except QuotaExceeded as exc:
        raise family.limit.exceeded(exc.limit, exc.used) from None


def lineage_entity(
    ctx: RequestContext, family: Family, entity_id: str, name: str | None, req: Request
) -> Entity:
    """A context, action or artifact from its Create* request."""
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
    ctx: RequestContext, family: Family, entity_id: str, apply: Callable[[Entity], None]
) -> Response:
    """Apply ``apply`` to the stored entity in one transaction and bump ``LastModifiedTime``,
    even when nothing changed. ``apply`` may raise to abandon the update."""

    def mutate(entity: Entity) -> Entity:
        apply(entity)
        entity.modified_ms = ctx.now_ms
        if family.attributes is not None:
            entity.attrs = family.attributes(entity)
        return entity

    try:
        ctx.store.update_entity(ctx.scope, family.kind, entity_id, mutate)
    except NotFound:
        raise not_found(ctx, family, entity_id) from None
    return {family.arn_member: arn(ctx, family, entity_id)}


def merge_map(
    body: dict[str, Any], req: Request, member: str, removals: str, shape: str, wire_name: str
) -> None:
    """Upsert the request's ``member`` map into the stored one, then drop the keys listed in
    ``removals``, then check the merged map against ``shape``'s maximum (D31, D65). An absent
    or empty map changes nothing."""
    merged = dict(body.get(member) or {})
    merged.update(req.get(member) or {})
    for key in req.get(removals) or []:
        merged.pop(key, None)
    limit = shape_limit(shape, "max")
    if len(merged) > limit:
        text = f"Member must have length less than or equal to {limit}"
        raise ValidationException(format_errors([violation(merged, wire_name, text)]))
    body[member] = merged


def update_lineage_entity(
    ctx: RequestContext,
    family: Family,
    entity_id: str,
    req: Request,
    apply: Callable[[Entity], None],
    properties_shape: str,
) -> Response:
    """Update* of a context, action or artifact: ``Properties`` merged, then
    ``PropertiesToRemove`` removed (D31); ``apply`` sets the kind's own members."""

    def mutate(entity: Entity) -> None:
        merge_map(
            entity.body, req, "Properties", "PropertiesToRemove", properties_shape, "properties"
        )
        apply(entity)

    return update(ctx, family, entity_id, mutate)


# -- delete -----------------------------------------------------------------------------------


def delete(
    ctx: RequestContext, family: Family, entity_id: str, in_use: str | None = None
) -> Response:
    """Delete an entity with its tags and associations (D32). ``in_use`` is the refusal's text
    for a kind whose entities cannot be deleted while they have children or members (D62)."""
    try:
        ctx.store.delete_entity(ctx.scope, family.kind, entity_id)
    except NotFound:
        raise not_found(ctx, family, entity_id) from None
    except HasDependents:
        raise ValidationException(in_use or "The resource is in use.") from None
    return {family.arn_member: arn(ctx, family, entity_id)}


# -- list -------------------------------------------------------------------------------------

SORT_KEYS: dict[str, SortKey] = {"CreationTime": "created", "Name": "name"}


def list_page(
    ctx: RequestContext,
    family: Family,
    req: Request,
    filters: dict[str, Any],
    summarize: Callable[[RequestContext, Family, Entity], Response],
) -> Response:
    """One keyset page of a List* call: filters AND-ed, ties broken by ARN (D28, D29, D30).

    ``filters`` maps the request's kind-specific filter members to ``EntityQuery`` fields, with
    the values to match: ``{"SourceUri": ("source_uri", "s3://...")}``. The members are bound
    into the page token as the request gave them.
    """
    sort = SORT_KEYS[req.get("SortBy", "CreationTime")]
    descending = req.get("SortOrder", "Descending") == "Descending"
    query = EntityQuery(
        kind=family.kind,
        limit=req.get("MaxResults", DEFAULT_PAGE) + 1,  # one more, to know whether more follow
        created_from_ms=lower_bound_ms(req.get("CreatedAfter")),
        created_to_ms=upper_bound_ms(req.get("CreatedBefore")),
        sort=sort,
        descending=descending,
    )
    for field_name, value in filters.values():
        setattr(query, field_name, value)
    bound = {k: req.get(k) for k in (*filters, "CreatedAfter", "CreatedBefore")}
    bound |= {"sort": sort, "descending": descending}
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
        f"{family.label}Summaries": [summarize(ctx, family, e) for e in page],
        "NextToken": token,
    }


def list_lineage_page(ctx: RequestContext, family: Family, req: Request) -> Response:
    """List* of contexts, actions and artifacts: by source URI and type."""
    filters = {
        "SourceUri": ("source_uri", req.get("SourceUri")),
        family.type_member: ("entity_type", req.get(family.type_member)),
    }
    return list_page(ctx, family, req, filters, summary)


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
