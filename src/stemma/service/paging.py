"""NextToken handling shared by every paged operation (D30).

A token is bound to the operation, to the caller's account and region, and to the request
members that shape the result (filters, sort, the resource listed), so reusing it elsewhere is
``Invalid NextToken.``; the page size is not bound and may change between pages.
``NextToken: ""`` means no token, as botocore treats it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from stemma.context import RequestContext
from stemma.protocol.errors import ValidationException
from stemma.service.dispatch import Request
from stemma.store import pagination

INVALID = "Invalid NextToken."
T = TypeVar("T")


def decode_token(ctx: RequestContext, req: Request, bound: dict[str, Any]) -> Any:
    """The position carried by the request's NextToken, or None when there is none."""
    token = req.get("NextToken")
    if not token:
        return None
    try:
        return pagination.decode(ctx.store.token_secret, ctx.operation, _bind(ctx, bound), token)
    except pagination.InvalidToken:
        raise ValidationException(INVALID) from None


def split_page(
    ctx: RequestContext,
    bound: dict[str, Any],
    rows: list[T],
    limit: int,
    position: Callable[[T], Any],
) -> tuple[list[T], str | None]:
    """A page from a fetch of ``limit + 1`` rows, and its NextToken: only when a row beyond the
    page exists, so no empty page ever carries a token (D30)."""
    page = rows[:limit]
    if len(rows) <= limit:
        return page, None
    return page, encode_token(ctx, bound, position(page[-1]))


def encode_token(ctx: RequestContext, bound: dict[str, Any], position: Any) -> str:
    return pagination.encode(ctx.store.token_secret, ctx.operation, _bind(ctx, bound), position)


def _bind(ctx: RequestContext, bound: dict[str, Any]) -> str:
    return pagination.fingerprint({**bound, "@scope": [ctx.account, ctx.region]})
