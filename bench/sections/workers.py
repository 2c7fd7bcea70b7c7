"""Workers: stemma with one and with two worker processes, to see what a second one buys."""

from __future__ import annotations

from typing import Any

from bench import servers, workloads
from bench.harness import Harness


def run(bench: Harness) -> None:
    measured: dict[str, Any] = {}
    for count in (1, 2):
        bench.log(f"workers: {count}")
        server = servers.stemma(bench.work / f"workers-{count}", "--workers", str(count))
        try:
            create = bench.load(
                server, bench.requests("wcreate", workloads.creates(server.host, 100_000))
            )
            names = workloads.created(create.requests)
            describe = bench.load(
                server, bench.requests("wdesc", workloads.describes(server.host, names))
            )
        finally:
            server.stop()
        measured[str(count)] = {
            "create_context": create.as_dict(),
            "describe_context": describe.as_dict(),
        }
        bench.log(
            f"  create {create.requests_per_second:.0f}, "
            f"describe {describe.requests_per_second:.0f} req/s"
        )
    one, two = measured["1"], measured["2"]
    measured["describe_2_vs_1"] = (
        two["describe_context"]["requests_per_second"]
        / one["describe_context"]["requests_per_second"]
    )
    measured["create_2_vs_1"] = (
        two["create_context"]["requests_per_second"] / one["create_context"]["requests_per_second"]
    )
    bench.results["workers"] = measured
