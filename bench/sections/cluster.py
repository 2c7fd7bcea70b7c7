"""Cluster: several servers on one PostgreSQL database, to see whether throughput adds up.

The database is made for the run and dropped after it; STEMMA_BENCH_PG names the admin URL.
"""

from __future__ import annotations

import os
from typing import Any

from bench import servers, workloads
from bench.harness import PG_ADMIN_URL, Harness
from bench.signed import raw_request


def run(bench: Harness) -> None:
    import concurrent.futures

    import psycopg

    database = f"stemma_bench_{os.getpid()}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"'.encode())
        conn.execute(f'CREATE DATABASE "{database}"'.encode())
    measured: dict[str, Any] = {}
    try:
        for count in (1, 2, 3):
            bench.log(f"cluster: {count} server(s) on PostgreSQL")
            running = [
                servers.stemma(bench.work / "cluster", db=f"{base}/{database}")
                for _ in range(count)
            ]
            try:
                row: dict[str, Any] = {}
                for op in ("create", "describe"):
                    files = []
                    for n, server in enumerate(running):
                        if op == "create":
                            items = [
                                raw_request(
                                    server.host,
                                    "SageMaker.CreateContext",
                                    {
                                        "ContextName": f"k{count}-{n}-{i}",
                                        "Source": {"SourceUri": "u"},
                                        "ContextType": "T",
                                    },
                                )
                                for i in range(40_000)
                            ]
                        else:
                            names = [f"k{count}-{n}-{i}" for i in range(1, 501)]
                            items = workloads.describes(server.host, names)
                        files.append(bench.requests(f"cl-{op}-{n}", items))
                    with concurrent.futures.ThreadPoolExecutor(count) as pool:
                        results = list(
                            pool.map(
                                lambda pair: bench.load(pair[0], pair[1], connections=16),
                                zip(running, files, strict=True),
                            )
                        )
                    row[op] = {
                        "requests_per_second": sum(r.requests_per_second for r in results),
                        "errors": sum(r.errors for r in results),
                        "p99_ms": max(r.p99_ms for r in results),
                    }
                measured[str(count)] = row
                bench.log(
                    f"  create {row['create']['requests_per_second']:.0f}, describe "
                    f"{row['describe']['requests_per_second']:.0f} req/s in total"
                )
            finally:
                for server in running:
                    server.stop()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'.encode())
    bench.results["cluster"] = measured
