"""Scaling: list, describe and lineage latency, memory and database size as the store grows.

Each size is seeded straight into the store (bulk_load, not HTTP) and then measured through
the server, one connection at a time, so the figures are latencies rather than throughput.
"""

from __future__ import annotations

import random
import time
from typing import Any

from bench import dataset, servers, workloads
from bench.harness import Harness
from bench.signed import REGION, raw_request


def run(bench: Harness) -> None:
    from stemma.store import open_store
    from stemma.store.contract import Scope

    sizes = (1_000, 100_000) if bench.quick else (1_000, 100_000, 1_000_000)
    measured: dict[str, Any] = {}
    for size in sizes:
        data_dir = bench.work / f"scale-{size}"
        db_path = data_dir / "stemma.db"
        bench.log(f"scaling: seeding {size} contexts and {size} associations")
        started = time.monotonic()
        store = open_store(f"sqlite:///{db_path}")
        try:
            nodes, edges = dataset.graph(size)
            scope = Scope("123456789012", REGION)
            store.bulk_load(scope, dataset.contexts(size), [])
            store.bulk_load(scope, nodes, edges)
        finally:
            store.close()
        seeded = time.monotonic() - started
        bench.log(f"  seeded in {seeded:.0f} s; measuring")
        server = servers.stemma(data_dir)
        try:
            rng = random.Random(size)
            names = [f"ctx-{rng.randrange(size):07d}" for _ in range(2000)]
            describe = bench.load(
                server,
                bench.requests("sdesc", workloads.describes(server.host, names)),
                connections=1,
            )
            page = {"ContextType": "Endpoint", "SortBy": "CreationTime", "MaxResults": 10}
            listing = bench.load(
                server,
                bench.requests("slist", [raw_request(server.host, "SageMaker.ListContexts", page)]),
                connections=1,
            )
            query = {
                "StartArns": [dataset.start_vertex_arn(len(edges) // dataset.PROJECT_EDGES // 2)],
                "Direction": "Both",
                "IncludeEdges": True,
                "MaxDepth": 10,
            }
            lineage = bench.load(
                server,
                bench.requests(
                    "slineage", [raw_request(server.host, "SageMaker.QueryLineage", query)]
                ),
                connections=1,
            )
            rss = server.rss_mb()
        finally:
            server.stop()
        measured[str(size)] = {
            "contexts": size,
            "associations": len(edges),
            "entities": size + len(nodes),
            "seed_seconds": seeded,
            "list_contexts": listing.as_dict(),
            "describe_context": describe.as_dict(),
            "query_lineage": lineage.as_dict(),
            "rss_mb": rss,
            "db_mb": servers.database_mb(db_path),
        }
        bench.log(
            f"  list p50 {listing.p50_ms:.2f} ms, describe p50 {describe.p50_ms:.2f} ms, "
            f"lineage p50 {lineage.p50_ms:.2f} ms, rss {rss:.0f} MB"
        )
    bench.results["scaling"] = measured
