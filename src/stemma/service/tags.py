"""AddTags, ListTags and DeleteTags on contexts, actions, artifacts and the experiment kinds.

Tags upsert by key and keep insertion order, an overwrite keeping the key's position (D34); a
resource holds at most 50 (D35, the model's TagList maximum). Associations cannot be tagged, and
an ARN stemma does not host, or that does not exist, is ``Resource does not exist`` (D36).
"""

from __future__ import annotations

from typing import Any, get_args

from stemma.context import RequestContext
from stemma.protocol.errors import ValidationException
from stemma.protocol.model import shape_limit
from stemma.service import arns
from stemma.service.dispatch import Request, Response, handler
from stemma.service.paging import INVALID, decode_token, encode_token
from stemma.store.contract import Kind, NotFound, Tag, TooManyTags

TAGGABLE: tuple[Kind, ...] = get_args(Kind)  # every kind stemma hosts (D36, D75)
LIST_TAGS_DEFAULT_PAGE = 50  # D34


def max_tags() -> int:
    return shape_limit("TagList", "max")


def tags_from_request(items: list[dict[str, Any]] | None) -> list[Tag]:
    """Request tags, de-duplicated by key with the last value winning (D27)."""
    by_key: dict[str, str] = {}
    for item in items or []:
        check_key(item["Key"])
        by_key.pop(item["Key"], None)  # a repeated key moves to its last position
        by_key[item["Key"]] = item["Value"]
    return [Tag(k, v) for k, v in by_key.items()]


def check_key(key: str) -> None:
    # Observed SageMaker wording (aws/sagemaker-python-sdk#1301); D35.
    if key.lower().startswith("aws:"):
        raise ValidationException(f"System prefix 'aws:' reserved for AWS usage in tag key: {key}")


def too_many(arn: str, count: int) -> ValidationException:
    return ValidationException(
        f"Resource {arn} would have {count} tags; a resource can have at most {max_tags()} tags."
    )


def _target(ctx: RequestContext, arn: str) -> tuple[Kind, str]:
    parsed = arns.parse(arn)
    if parsed is not None:
        for kind in TAGGABLE:
            resource_id = arns.resolve(ctx, arn, kind)
            if resource_id is not None:
                return kind, resource_id
    raise ValidationException("Resource does not exist")


@handler("AddTags")
def add_tags(ctx: RequestContext, req: Request) -> Response:
    kind, resource_id = _target(ctx, req["ResourceArn"])
    tags = tags_from_request(req["Tags"])
    try:
        ctx.store.add_tags(ctx.scope, kind, resource_id, tags, max_tags())
    except NotFound:
        raise ValidationException("Resource does not exist") from None
    except TooManyTags as exc:
        raise too_many(arns.build(ctx, kind, resource_id), exc.count) from None
    return {"Tags": [{"Key": t.key, "Value": t.value} for t in tags]}


@handler("DeleteTags")
def delete_tags(ctx: RequestContext, req: Request) -> Response:
    kind, resource_id = _target(ctx, req["ResourceArn"])
    for key in req["TagKeys"]:
        check_key(key)
    try:
        ctx.store.delete_tags(ctx.scope, kind, resource_id, req["TagKeys"])
    except NotFound:
        raise ValidationException("Resource does not exist") from None
    return {}


@handler("ListTags")
def list_tags(ctx: RequestContext, req: Request) -> Response:
    kind, resource_id = _target(ctx, req["ResourceArn"])
    bound = {"arn": arns.build(ctx, kind, resource_id)}
    after = decode_token(ctx, req, bound)
    if after is not None and not isinstance(after, int):
        raise ValidationException(INVALID)
    # The model sets no maximum; a page can never need more than a resource's tag limit.
    limit = min(req.get("MaxResults", LIST_TAGS_DEFAULT_PAGE), max_tags())
    try:
        page = ctx.store.list_tags(ctx.scope, kind, resource_id, after, limit)
    except NotFound:
        raise ValidationException("Resource does not exist") from None
    response: Response = {"Tags": [{"Key": t.key, "Value": t.value} for t in page.tags]}
    if page.more:
        response["NextToken"] = encode_token(ctx, bound, page.last_position)
    return response
