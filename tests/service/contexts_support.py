"""Helpers shared by the context test modules: creating, describing and paging contexts."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

SOURCE = {"SourceUri": "s3://bucket/key"}


def create(sm: Any, name: str, **params: Any) -> str:
    params.setdefault("Source", SOURCE)
    params.setdefault("ContextType", "Endpoint")
    arn: str = sm.create_context(ContextName=name, **params)["ContextArn"]
    return arn


def create_in_order(sm: Any, names: Iterable[str], **params: Any) -> list[str]:
    """Create one after another, each in a later millisecond than the one before."""
    arns = []
    for name in names:
        arns.append(create(sm, name, **params))
        time.sleep(0.003)
    return arns


def create_parallel(sm: Any, names: list[str]) -> list[str]:
    """Create concurrently: many share a CreationTime millisecond, so ARN tie-breaks matter."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda n: create(sm, n), names))


def describe(sm: Any, name_or_arn: str) -> dict[str, Any]:
    response: dict[str, Any] = sm.describe_context(ContextName=name_or_arn)
    response.pop("ResponseMetadata")
    return response


def ms(value: dt.datetime) -> int:
    return round(value.timestamp() * 1000)


def at_ms(milliseconds: int) -> dt.datetime:
    """A datetime botocore sends as exactly ``milliseconds`` (it keeps whole milliseconds)."""
    whole = dt.datetime.fromtimestamp(milliseconds // 1000, tz=dt.UTC)
    return whole + dt.timedelta(milliseconds=milliseconds % 1000)


def arns_of(summaries: list[dict[str, Any]]) -> list[str]:
    return [s["ContextArn"] for s in summaries]


def page_through(
    sm: Any,
    page_size: int | None = None,
    after_page: Callable[[list[dict[str, Any]]], None] | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """Every summary, page by page, checking the token rules of D30 on the way."""
    if page_size is not None:
        params["MaxResults"] = page_size
    seen_tokens: set[str] = set()
    items: list[dict[str, Any]] = []
    while True:
        response = sm.list_contexts(**params)
        page = response["ContextSummaries"]
        token = response.get("NextToken")
        if token:
            # Never an empty (or short) page with a token: more items really follow.
            assert len(page) == (page_size or 10)
            assert token not in seen_tokens, "a NextToken was repeated"
            seen_tokens.add(token)
        items.extend(page)
        if after_page is not None:
            after_page(page)
        if not token:
            return items
        params["NextToken"] = token
