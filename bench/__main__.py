"""``python -m bench``: measure stemma against the ceiling and the peers, and at scale.

    python -m bench                 # everything: about 10 minutes on a 2-core machine
    python -m bench --quick         # shorter runs, scale up to 100k only
    python -m bench --only throughput,workers

Writes bench/results/latest.md and latest.json (and a timestamped copy of each). Ratios are taken
within one run: this machine is shared and noisy, absolute numbers drift between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import dataset, servers, wrk
from bench.report import write_report
from bench.signed import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, raw_request, write_requests

ROUNDS = 5  # alternating runs of the ceiling and CreateContext (3 with --quick)
SECTIONS = ("throughput", "workers", "boto3", "scaling", "cluster")
PG_ADMIN_URL = os.environ.get("STEMMA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
RESULTS = Path(__file__).parent / "results"


class Bench:
    def __init__(self, quick: bool, work: Path) -> None:
        self.quick = quick
        self.work = work
        self.seconds = 5.0 if quick else 10.0
        self.rounds = 3 if quick else ROUNDS
        self.results: dict[str, Any] = {}

    def log(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)

    def requests(self, name: str, items: list[bytes]) -> Path:
        path = self.work / f"{name}.req"
        write_requests(path, items)
        return path

    def load(self, server: servers.Running, path: Path, connections: int = 32) -> wrk.WrkResult:
        return wrk.run(server.url, path, seconds=self.seconds, connections=connections)

    # -- throughput: the ceiling, stemma, moto -------------------------------------------------

    def throughput(self) -> None:
        # The ceiling and CreateContext run alternately, a few times, and the target is the
        # median of the rounds' ratios: on a shared machine the speed drifts within a minute, so
        # a ratio of two runs taken far apart would measure the drift as much as the servers.
        self.log(f"throughput: bare ASGI ceiling and stemma CreateContext, {self.rounds} rounds")
        bare = servers.bare()
        stemma = servers.stemma(self.work / "throughput")
        rounds: list[tuple[wrk.WrkResult, wrk.WrkResult]] = []
        try:
            body = {"ContextName": "x", "Source": {"SourceUri": "u"}, "ContextType": "T"}
            path = self.requests("bare", [raw_request(bare.host, "SageMaker.CreateContext", body)])
            for number in range(self.rounds):
                ceiling = self.load(bare, path)
                prefix = f"r{number}-c"
                creates = self.requests("create", _creates(stemma.host, 100_000, prefix))
                create = self.load(stemma, creates)
                rounds.append((ceiling, create))
                self.log(
                    f"  round {number + 1}: ceiling {ceiling.requests_per_second:.0f}, "
                    f"create {create.requests_per_second:.0f} req/s"
                )
            bare.stop()
            ratios = [c.requests_per_second / b.requests_per_second for b, c in rounds]
            middle = sorted(range(self.rounds), key=lambda i: ratios[i])[self.rounds // 2]
            ceiling, create = rounds[middle]
            names = _created(rounds[0][1].requests, "r0-c")
            describe = self.load(stemma, self.requests("describe", _describes(stemma.host, names)))
            listing = self.load(stemma, self.requests("list", _lists(stemma.host)))
        finally:
            bare.stop()
            stemma.stop()
        self.log(
            f"  create {create.requests_per_second:.0f} (median round), describe "
            f"{describe.requests_per_second:.0f}, list {listing.requests_per_second:.0f} req/s"
        )

        self.log("throughput: moto server CreateExperiment")
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
                path = self.requests(f"moto{n}", experiments)
                by_connections[n] = self.load(moto, path, connections=n)
        finally:
            moto.stop()
        best = max(by_connections, key=lambda n: by_connections[n].requests_per_second)
        peer = by_connections[best]
        self.log(
            "  "
            + ", ".join(
                f"{r.requests_per_second:.0f} req/s with {n} connection(s)"
                for n, r in by_connections.items()
            )
        )
        self.results["throughput"] = {
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
            "create_vs_moto": create.requests_per_second / peer.requests_per_second,
        }

    # -- workers ------------------------------------------------------------------------------

    def workers(self) -> None:
        measured: dict[str, Any] = {}
        for count in (1, 2):
            self.log(f"workers: {count}")
            server = servers.stemma(self.work / f"workers-{count}", "--workers", str(count))
            try:
                create = self.load(server, self.requests("wcreate", _creates(server.host, 100_000)))
                names = _created(create.requests)
                describe = self.load(server, self.requests("wdesc", _describes(server.host, names)))
            finally:
                server.stop()
            measured[str(count)] = {
                "create_context": create.as_dict(),
                "describe_context": describe.as_dict(),
            }
            self.log(
                f"  create {create.requests_per_second:.0f}, "
                f"describe {describe.requests_per_second:.0f} req/s"
            )
        one, two = measured["1"], measured["2"]
        measured["describe_2_vs_1"] = (
            two["describe_context"]["requests_per_second"]
            / one["describe_context"]["requests_per_second"]
        )
        measured["create_2_vs_1"] = (
            two["create_context"]["requests_per_second"]
            / one["create_context"]["requests_per_second"]
        )
        self.results["workers"] = measured

    # -- boto3's own cost ---------------------------------------------------------------------

    def boto3(self) -> None:
        import boto3

        self.log("boto3: per-call overhead")
        server = servers.stemma(self.work / "boto3")
        try:
            sm = boto3.client(
                "sagemaker",
                endpoint_url=server.url,
                region_name=REGION,
                aws_access_key_id=ACCESS_KEY_ID,
                aws_secret_access_key=SECRET_ACCESS_KEY,
            )
            sm.create_context(ContextName="b", Source={"SourceUri": "u"}, ContextType="T")
            calls = 300 if self.quick else 1000
            timings = []
            for _ in range(calls):
                start = time.perf_counter()
                sm.describe_context(ContextName="b")
                timings.append((time.perf_counter() - start) * 1000)
            server_side = self.load(
                server, self.requests("bdesc", _describes(server.host, ["b"])), connections=1
            )
        finally:
            server.stop()
        boto_p50 = statistics.median(timings)
        self.results["boto3"] = {
            "boto3_describe_p50_ms": boto_p50,
            "wire_describe_p50_ms": server_side.p50_ms,
            "boto3_share": 1 - server_side.p50_ms / boto_p50,
        }
        self.log(f"  boto3 p50 {boto_p50:.2f} ms, wrk p50 {server_side.p50_ms:.2f} ms")

    # -- scaling ------------------------------------------------------------------------------

    def scaling(self) -> None:
        from stemma.store import open_store
        from stemma.store.contract import Scope

        sizes = (1_000, 100_000) if self.quick else (1_000, 100_000, 1_000_000)
        measured: dict[str, Any] = {}
        for size in sizes:
            data_dir = self.work / f"scale-{size}"
            db_path = data_dir / "stemma.db"
            self.log(f"scaling: seeding {size} contexts and {size} associations")
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
            self.log(f"  seeded in {seeded:.0f} s; measuring")
            server = servers.stemma(data_dir)
            try:
                rng = random.Random(size)
                names = [f"ctx-{rng.randrange(size):07d}" for _ in range(2000)]
                describe = self.load(
                    server, self.requests("sdesc", _describes(server.host, names)), connections=1
                )
                page = {"ContextType": "Endpoint", "SortBy": "CreationTime", "MaxResults": 10}
                listing = self.load(
                    server,
                    self.requests(
                        "slist", [raw_request(server.host, "SageMaker.ListContexts", page)]
                    ),
                    connections=1,
                )
                query = {
                    "StartArns": [
                        dataset.start_vertex_arn(len(edges) // dataset.PROJECT_EDGES // 2)
                    ],
                    "Direction": "Both",
                    "IncludeEdges": True,
                    "MaxDepth": 10,
                }
                lineage = self.load(
                    server,
                    self.requests(
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
            self.log(
                f"  list p50 {listing.p50_ms:.2f} ms, describe p50 {describe.p50_ms:.2f} ms, "
                f"lineage p50 {lineage.p50_ms:.2f} ms, rss {rss:.0f} MB"
            )
        self.results["scaling"] = measured

    # -- several servers on one PostgreSQL database ------------------------------------------

    def cluster(self) -> None:
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
                self.log(f"cluster: {count} server(s) on PostgreSQL")
                running = [
                    servers.stemma(self.work / "cluster", db=f"{base}/{database}")
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
                                items = _describes(server.host, names)
                            files.append(self.requests(f"cl-{op}-{n}", items))
                        with concurrent.futures.ThreadPoolExecutor(count) as pool:
                            results = list(
                                pool.map(
                                    lambda pair: self.load(pair[0], pair[1], connections=16),
                                    zip(running, files, strict=True),
                                )
                            )
                        row[op] = {
                            "requests_per_second": sum(r.requests_per_second for r in results),
                            "errors": sum(r.errors for r in results),
                            "p99_ms": max(r.p99_ms for r in results),
                        }
                    measured[str(count)] = row
                    self.log(
                        f"  create {row['create']['requests_per_second']:.0f}, describe "
                        f"{row['describe']['requests_per_second']:.0f} req/s in total"
                    )
                finally:
                    for server in running:
                        server.stop()
        finally:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'.encode())
        self.results["cluster"] = measured


def _created(completed: int, prefix: str = "c") -> list[str]:
    """Names a create run certainly made. wrk builds one request per thread before the run
    that it never sends, so the first name of each file is left out."""
    return [f"{prefix}{i}" for i in range(1, min(completed // 2, 2001))]


def _creates(host: str, count: int, prefix: str = "c") -> list[bytes]:
    return [
        raw_request(
            host,
            "SageMaker.CreateContext",
            {
                "ContextName": f"{prefix}{i}",
                "Source": {"SourceUri": f"s3://b/{i}"},
                "ContextType": "Endpoint",
            },
        )
        for i in range(count)
    ]


def _describes(host: str, names: list[str]) -> list[bytes]:
    return [raw_request(host, "SageMaker.DescribeContext", {"ContextName": n}) for n in names]


def _lists(host: str) -> list[bytes]:
    return [raw_request(host, "SageMaker.ListContexts", {"MaxResults": 10})]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs; scale to 100k only")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = parser.parse_args()
    wrk.ensure_wrk()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    with tempfile.TemporaryDirectory(prefix="stemma-bench-") as work:
        bench = Bench(args.quick, Path(work))
        for section in chosen:
            getattr(bench, section)()
    results = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "quick": args.quick,
        **bench.results,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for name in ("latest", stamp):
        (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
        write_report(results, RESULTS / f"{name}.md")
    print(f"wrote {RESULTS / 'latest.md'} and {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
