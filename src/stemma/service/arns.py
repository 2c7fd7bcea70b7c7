"""ARNs: building the canonical form and resolving the ones clients send.

Canonical ARNs are lowercase (D18): SageMaker lowercases names inside ARNs, and AWS's SDK then
describes entities by the lowercased name it cuts out of an ARN. Every ARN a client sends is
compared case-insensitively, and one that names another account or region resolves to nothing
(D19): there is no cross-account sharing.
"""

from __future__ import annotations

from typing import NamedTuple

from stemma.context import RequestContext
from stemma.store.contract import DEFAULT_LINEAGE_GROUP


class ParsedArn(NamedTuple):
    partition: str
    region: str
    account: str
    resource_type: str  # context, action, artifact, experiment, ...
    resource_id: str  # lowercased


def build(ctx: RequestContext, resource_type: str, resource_id: str) -> str:
    return (
        f"arn:{ctx.partition}:sagemaker:{ctx.region}:{ctx.account}:"
        f"{resource_type}/{resource_id.lower()}"
    )


def lineage_group(ctx: RequestContext) -> str:
    """The default lineage group every entity belongs to (D23)."""
    return build(ctx, "lineage-group", DEFAULT_LINEAGE_GROUP)


def parse(arn: str) -> ParsedArn | None:
    """Split an ARN into its parts, or None when it is not a SageMaker resource ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0].lower() != "arn" or parts[2].lower() != "sagemaker":
        return None
    resource_type, sep, resource_id = parts[5].partition("/")
    if not sep or not resource_id:
        return None
    return ParsedArn(
        parts[1].lower(), parts[3].lower(), parts[4], resource_type.lower(), resource_id.lower()
    )


def resolve(ctx: RequestContext, arn: str, resource_type: str) -> str | None:
    """The resource id an ARN names in the caller's scope, or None if it names anything else."""
    parsed = parse(arn)
    if (
        parsed is None
        or parsed.resource_type != resource_type
        or parsed.partition != ctx.partition
        or parsed.region != ctx.region
        or parsed.account != ctx.account
    ):
        return None
    return parsed.resource_id
