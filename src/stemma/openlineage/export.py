"""``stemma openlineage export``: an account and region's lineage, or the subgraph around some
ARNs, as OpenLineage events (docs/openlineage.md, "Back out"), read through the store contract.

Datasets on no run's or job's edge go first as DatasetEvents, then jobs (JobEvents), then runs
(RunEvents): a consumer sees each dataset and job before the runs that use them, though stemma's
own ingest does not need that order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stemma.openlineage.emit import RUN_KINDS, Emitter
from stemma.store.contract import EntityQuery, Kind, Ref, Scope, Store

KINDS: tuple[Kind, ...] = ("artifact", "context", "action", "experiment-trial-component")
PAGE = 500


@dataclass
class ExportReport:
    events: int = 0
    skipped_edges: int = 0


def all_refs(store: Store, scope: Scope) -> Iterator[Ref]:
    for kind in KINDS:
        after: tuple[Any, str] | None = None
        while True:
            query = EntityQuery(kind=kind, limit=PAGE, sort="created", descending=False)
            query.after = after
            page = store.list_entities(scope, query)
            for entity in page:
                yield Ref(kind, entity.id)
            if len(page) < PAGE:
                break
            after = (page[-1].created_ms, page[-1].id)


def around(store: Store, scope: Scope, starts: list[Ref], depth: int) -> list[Ref]:
    """The refs within ``depth`` edges of ``starts``, either way."""
    seen = dict.fromkeys(starts)
    frontier = list(starts)
    for _ in range(depth):
        if not frontier:
            break
        nxt = []
        for edge in store.incident(scope, frontier, "Both"):
            for end in (edge.source, edge.destination):
                if end not in seen and end.kind in KINDS:
                    seen[end] = None
                    nxt.append(end)
        frontier = nxt
    return list(seen)


def events(
    store: Store, scope: Scope, refs: list[Ref] | None = None, report: ExportReport | None = None
) -> Iterator[dict[str, Any]]:
    """The events of ``refs`` (None: the whole scope), in dataset, job, run order."""
    report = report if report is not None else ExportReport()
    emitter = Emitter(store, scope)
    chosen = refs if refs is not None else list(all_refs(store, scope))
    order = {"artifact": 0, "context": 1}
    for ref in sorted(chosen, key=lambda r: order.get(r.kind, 2)):
        if ref.kind == "artifact":
            edges = store.incident(scope, [ref], "Both")
            carried = any(
                (e.source if e.destination == ref else e.destination).kind
                in (*RUN_KINDS, "context")
                for e in edges
            )
            if carried:  # it travels in its run's or job's event
                continue
        event, skipped = emitter.event(ref)
        # An edge skipped here is counted at both of its ends; count it once.
        report.skipped_edges += skipped if ref.kind != "artifact" else 0
        if event is not None:
            report.events += 1
            yield event
