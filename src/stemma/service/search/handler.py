"""Search over experiments, trials and trial components (§5, D68-D71).

The expression is checked and compiled here, then run in the store as one query per page.
Results are sorted by ``SortBy`` (default ``LastModifiedTime``, ``Descending``), records without
the sort property last in either order, ties by ARN; pages are keyset (``NextToken`` bound to
the request, D30). ``TotalHits`` is exact up to 100 matches and then says
``GreaterThanOrEqualTo`` 100 (stemma's decision S4, docs/operations.md): counting further would
cost every page a walk over the matches, measured at seconds with a million trial components.
"""

from __future__ import annotations

from typing import Any

from stemma.context import RequestContext
from stemma.protocol.errors import ValidationException
from stemma.service.dispatch import Request, Response, handler
from stemma.service.paging import INVALID, decode_token, encode_token
from stemma.service.search import records
from stemma.service.search.expression import ExpressionCompiler
from stemma.service.search.properties import RESOURCES, resolve
from stemma.store.search_query import Condition, Field, Junction, Part, SearchQuery

DEFAULT_PAGE = 10
COUNT_LIMIT = 100


@handler("Search")
def search(ctx: RequestContext, req: Request) -> Response:
    resource = req["Resource"]
    served = RESOURCES.get(resource)
    if served is None:
        raise ValidationException(
            f"Search is not supported for resource type {resource} by this server."
        )
    kind, member = served
    compiler = ExpressionCompiler(ctx, resource, kind)
    parts: list[Part] = []
    if "SearchExpression" in req:
        parts.append(compiler.expression(req["SearchExpression"]))
    for condition in req.get("VisibilityConditions") or []:
        # Each {Key: "Tags.<k>", Value} is the filter Tags.<k> Equals Value (D68).
        name = condition.get("Key") or ""
        if not name.lower().startswith("tags.") or len(name) <= len("tags."):
            raise ValidationException(
                f"VisibilityConditions key '{name}' must be of the form Tags.<key>."
            )
        parts.append(
            Condition(Field("tag", name[len("tags.") :]), "eq", text=condition.get("Value", ""))
        )
    sort_by = req.get("SortBy", "LastModifiedTime")
    sort = resolve(resource, kind, sort_by).field
    descending = req.get("SortOrder", "Descending") == "Descending"
    bound: dict[str, Any] = {
        k: req.get(k)
        for k in (
            "Resource",
            "SearchExpression",
            "VisibilityConditions",
            "CrossAccountFilterOption",
        )
    } | {"sort": [sort.source, sort.name, sort.stat, sort.prefix], "descending": descending}
    position = decode_token(ctx, req, bound)
    if position is not None and not (isinstance(position, list) and len(position) == 3):
        raise ValidationException(INVALID)
    if req.get("CrossAccountFilterOption") == "CrossAccount":
        return {"Results": [], "TotalHits": {"Value": 0, "Relation": "EqualTo"}}  # no sharing
    limit = req.get("MaxResults", DEFAULT_PAGE)
    query = SearchQuery(
        kind=kind,
        where=Junction("and", tuple(parts)) if parts else None,
        sort=sort,
        descending=descending,
        limit=limit + 1,  # one more, to know whether more follow
        after=position,
        count_limit=COUNT_LIMIT,
    )
    page = ctx.store.search(ctx.scope, query)
    response: Response = {
        "Results": records.build(ctx, member, page.rows[:limit]),
        "TotalHits": {
            "Value": page.total,
            "Relation": "GreaterThanOrEqualTo" if page.total_capped else "EqualTo",
        },
    }
    if len(page.rows) > limit:
        response["NextToken"] = encode_token(ctx, bound, page.positions[limit - 1])
    return response
