"""QueryLineage: a breadth-first walk over associations, with SageMaker's semantics (§6).

- ``Descendants`` follows edges forwards, ``Ascendants`` backwards, and ``Both`` walks them
  undirected from every visited vertex, not just from the start.
- The walk is set-based: one store query per depth level, whatever the frontier's size, so its
  cost depends on the reachable subgraph only.
- Filters choose which vertices are returned, never which are traversed (§6.3).
- Without edges the start vertex is never returned; with edges it always comes first, with the
  matches and the vertices on shortest paths to them (D44, D45).
- Trial components are vertices like any other (``TrialComponent``, typed by their source,
  D72). Experiments are not: edges to them are neither returned nor followed, and a walk
  from one finds nothing (D73).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from stemma.context import RequestContext
from stemma.protocol.errors import ValidationException
from stemma.service import associations, entities
from stemma.service.dispatch import Request, Response, handler
from stemma.service.paging import INVALID, decode_token, encode_token
from stemma.store.contract import Association, Direction, Entity, Ref

LINEAGE_TYPES = {
    "context": "Context",
    "action": "Action",
    "artifact": "Artifact",
    "experiment-trial-component": "TrialComponent",
}
DEFAULT_DEPTH = 10  # D41


@dataclass
class Walk:
    """What a breadth-first walk visited."""

    depth: dict[Ref, int]
    order: list[Ref]  # visited vertices in discovery order, without the start
    followed: list[tuple[Ref, Ref, Association]]  # (from, to, edge) in the order followed


def walk(ctx: RequestContext, start: Ref, direction: Direction, max_depth: int) -> Walk:
    """Visit every vertex within ``max_depth`` edges of ``start``, one store query per level."""
    depth = {start: 0}
    order: list[Ref] = []
    followed: list[tuple[Ref, Ref, Association]] = []
    frontier = [start]
    for level in range(1, max_depth + 1):
        if not frontier:
            break
        by_vertex: dict[Ref, list[Association]] = defaultdict(list)
        previous = level - 1
        for edge in ctx.store.incident(ctx.scope, frontier, direction):
            if direction != "Ascendants" and depth.get(edge.source) == previous:
                by_vertex[edge.source].append(edge)
            if direction != "Descendants" and depth.get(edge.destination) == previous:
                by_vertex[edge.destination].append(edge)
        next_frontier: list[Ref] = []
        for vertex in frontier:  # D46: frontier in discovery order, edges by time then pair
            for edge in sorted(by_vertex[vertex], key=_edge_order):
                other = edge.destination if edge.source == vertex else edge.source
                if other.kind not in LINEAGE_TYPES:  # an experiment: not a vertex (D73)
                    continue
                if other not in depth:
                    depth[other] = level
                    order.append(other)
                    next_frontier.append(other)
                followed.append((vertex, other, edge))
        frontier = next_frontier
    return Walk(depth, order, followed)


def _edge_order(edge: Association) -> tuple[Any, ...]:
    return (edge.created_ms, *edge.source, *edge.destination)


def _passes(entity: Entity, filters: dict[str, Any]) -> bool:
    """AND across filter kinds, OR within a list; empty lists impose nothing (D43)."""
    lineage_types = filters.get("LineageTypes")
    if lineage_types and LINEAGE_TYPES[entity.kind] not in lineage_types:
        return False
    types = filters.get("Types")
    if types and vertex_type(entity) not in types:
        return False
    bounds = (
        ("CreatedAfter", entity.created_ms, entities.lower_bound_ms, 1),
        ("CreatedBefore", entity.created_ms, entities.upper_bound_ms, -1),
        ("ModifiedAfter", entity.modified_ms, entities.lower_bound_ms, 1),
        ("ModifiedBefore", entity.modified_ms, entities.upper_bound_ms, -1),
    )
    for member, value, to_ms, sign in bounds:
        limit = to_ms(filters.get(member))
        if limit is not None and (value - limit) * sign < 0:
            return False
    wanted = filters.get("Properties")
    if wanted:
        props = entity.body.get("Properties") or {}
        if not any(props.get(k) == v for k, v in wanted.items()):
            return False
    return True


def _with_paths(start: Ref, visited: Walk, matches: list[Ref]) -> list[Ref]:
    """The matches plus every vertex on a shortest path from the start to one of them (D45)."""
    keep = set(matches)
    changed = True
    while changed:
        changed = False
        for source, target, _ in visited.followed:
            if (
                target in keep
                and source != start
                and source not in keep
                and visited.depth[target] == visited.depth[source] + 1
            ):
                keep.add(source)
                changed = True
    return [v for v in visited.order if v in keep]


def vertex_type(entity: Entity) -> str:
    """A vertex's ``Type``: as stored, even "" (D48); a trial component's is its source's type
    without ``SageMaker`` (``TrainingJob``), else ``ExperimentTrialComponent`` (D72)."""
    if entity.kind == "experiment-trial-component":
        return entity.entity_type.removeprefix("SageMaker")
    return entity.entity_type


def _vertex(ctx: RequestContext, entity: Entity) -> Response:
    return {
        "Arn": associations.ref_arn(ctx, Ref(entity.kind, entity.id)),
        "Type": vertex_type(entity),
        "LineageType": LINEAGE_TYPES[entity.kind],
    }


def _edge(ctx: RequestContext, edge: Association) -> Response:
    return {
        "SourceArn": associations.ref_arn(ctx, edge.source),
        "DestinationArn": associations.ref_arn(ctx, edge.destination),
        "AssociationType": edge.association_type,
    }


@handler("QueryLineage")
def query_lineage(ctx: RequestContext, req: Request) -> Response:
    start_arns = req.get("StartArns") or []
    if not start_arns:  # D42
        return {"Vertices": [], "Edges": []}
    start = associations.resolve_end(ctx, start_arns[0])
    if start is None or ctx.store.get_entity(ctx.scope, start.kind, start.id) is None:
        raise associations.missing(start_arns[0])
    if start.kind not in LINEAGE_TYPES:  # an experiment is not traversed (D73)
        return {"Vertices": [], "Edges": []}
    direction: Direction = req.get("Direction", "Both")
    include_edges = req.get("IncludeEdges", False)
    filters = req.get("Filters") or {}
    visited = walk(ctx, start, direction, req.get("MaxDepth", DEFAULT_DEPTH))

    found = ctx.store.get_entities(ctx.scope, [start, *visited.order])
    if start not in found:  # deleted while we walked
        raise associations.missing(start_arns[0])
    order = [v for v in visited.order if v in found]  # an entity deleted mid-walk is skipped
    matches = [v for v in order if _passes(found[v], filters)]
    if include_edges:
        vertices = [start, *(v for v in _with_paths(start, visited, matches) if v in found)]
    else:
        vertices = matches

    page_size = req.get("MaxResults")
    offset = 0
    bound = {k: req.get(k) for k in ("StartArns", "Direction", "IncludeEdges", "Filters")}
    bound["MaxDepth"] = req.get("MaxDepth", DEFAULT_DEPTH)
    if page_size is not None:
        position = decode_token(ctx, req, bound)
        if position is not None and (not isinstance(position, int) or position < 0):
            raise ValidationException(INVALID)
        offset = position or 0
    elif req.get("NextToken"):
        raise ValidationException(INVALID)
    end = len(vertices) if page_size is None else offset + page_size
    page = vertices[offset:end]

    edges: list[Response] = []
    if include_edges:
        # Each edge goes out with the page holding the later of its two ends (D47).
        rank = {v: i for i, v in enumerate(vertices)}
        seen: set[tuple[Ref, Ref]] = set()
        for _, _, edge in visited.followed:
            pair = (edge.source, edge.destination)
            if pair in seen or edge.source not in rank or edge.destination not in rank:
                continue
            if offset <= max(rank[edge.source], rank[edge.destination]) < end:
                seen.add(pair)
                edges.append(_edge(ctx, edge))
    response: Response = {"Vertices": [_vertex(ctx, found[v]) for v in page], "Edges": edges}
    if page_size is not None and end < len(vertices):
        response["NextToken"] = encode_token(ctx, bound, end)
    return response
