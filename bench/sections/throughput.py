"""Throughput: the ceiling (a bare ASGI app on stemma's server stack), stemma, and moto.

stemma's CreateContext is compared with the ceiling, the fastest any server on this stack can
answer, and with moto, the peer; describe and list are measured on the contexts it created.
"""

from __future__ import annotations

import statistics

from bench import servers, workloads, wrk
from bench.harness import Harness
from bench.signed import raw_request


def run(bench: Harness) -> None:
    # The ceiling and CreateContext run alternately, a few times, and the target is the
    # median of the rounds' ratios: on a shared machine the speed drifts within a minute, so
    # a ratio of two runs taken far apart would measure the drift as much as the servers.
    bench.log(f"throughput: bare ASGI ceiling and stemma CreateContext, {bench.rounds} rounds")
    bare = servers.bare()
    stemma = servers.stemma(bench.work / "throughput")
    rounds: list[tuple[wrk.WrkResult, wrk.WrkResult]] = []
    try:
        body = {"ContextName": "x", "Source": {"SourceUri": "u"}, "ContextType": "T"}
        path = bench.requests("bare", [raw_request(bare.host, "SageMaker.CreateContext", body)])
        for number in range(bench.rounds):
            ceiling = bench.load(bare, path)
            prefix = f"r{number}-c"
            creates = bench.requests("create", workloads.creates(stemma.host, 100_000, prefix))
            create = bench.load(stemma, creates)
            rounds.append((ceiling, create))
            bench.log(
                f"  round {number + 1}: ceiling {ceiling.requests_per_second:.0f}, "
                f"create {create.requests_per_second:.0f} req/s"
            )
        bare.stop()
        ratios = [c.requests_per_second / b.requests_per_second for b, c in rounds]
        middle = sorted(range(bench.rounds), key=lambda i: ratios[i])[bench.rounds // 2]
        ceiling, create = rounds[middle]
        names = workloads.created(rounds[0][1].requests, "r0-c")
        describe = bench.load(
            stemma, bench.requests("describe", workloads.describes(stemma.host, names))
        )
        listing = bench.load(stemma, bench.requests("list", workloads.lists(stemma.host)))
    finally:
        bare.stop()
        stemma.stop()
    bench.log(
        f"  create {create.requests_per_second:.0f} (median round), describe "
        f"{describe.requests_per_second:.0f}, list {listing.requests_per_second:.0f} req/s"
    )

    bench.log("throughput: moto server CreateExperiment")
    # moto's threaded server does worse with 32 connections than with one; the peer is
    # credited with its better figure, so the comparison never flatters stemma.
    moto = servers.moto()
    try:
        by_connections = {}
        for n in (32, 1):  # fresh names for each run: a repeated one would be an error
            experiments = [
                raw_request(
                    moto.host, "SageMaker.CreateExperiment", {"ExperimentName": f"e{n}-{i}"}
                )
                for i in range(20_000)
            ]
            path = bench.requests(f"moto{n}", experiments)
            by_connections[n] = bench.load(moto, path, connections=n)
    finally:
        moto.stop()
    create_median = statistics.median(c.requests_per_second for _, c in rounds)
    best = max(by_connections, key=lambda n: by_connections[n].requests_per_second)
    peer = by_connections[best]
    bench.log(
        "  "
        + ", ".join(
            f"{r.requests_per_second:.0f} req/s with {n} connection(s)"
            for n, r in by_connections.items()
        )
    )
    bench.results["throughput"] = {
        "rounds": [
            {"bare_asgi": b.as_dict(), "create_context": c.as_dict(), "ratio": ratio}
            for (b, c), ratio in zip(rounds, ratios, strict=True)
        ],
        "bare_asgi": ceiling.as_dict(),
        "create_context": create.as_dict(),
        "describe_context": describe.as_dict(),
        "list_contexts": listing.as_dict(),
        "moto_create_experiment": peer.as_dict(),
        "moto_connections": best,
        "moto_by_connections": {str(n): r.as_dict() for n, r in by_connections.items()},
        "create_vs_ceiling": ratios[middle],
        # The peer ran once, minutes after the rounds: it is set against the median of the
        # rounds' CreateContext figures, not the one round that gave the median ratio.
        "create_median": create_median,
        "create_vs_moto": create_median / peer.requests_per_second,
    }
