"""boto3's own cost: a describe through boto3 against the same describe replayed by wrk.

The difference is the client's share of a call's latency, which no server can remove. (Not
named boto3.py, so it never shadows the boto3 package.)
"""

from __future__ import annotations

import statistics
import time

from bench import servers, workloads
from bench.harness import Harness
from bench.signed import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY


def run(bench: Harness) -> None:
    import boto3

    bench.log("boto3: per-call overhead")
    server = servers.stemma(bench.work / "boto3")
    try:
        sm = boto3.client(
            "sagemaker",
            endpoint_url=server.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
        sm.create_context(ContextName="b", Source={"SourceUri": "u"}, ContextType="T")
        calls = 300 if bench.quick else 1000
        timings = []
        for _ in range(calls):
            start = time.perf_counter()
            sm.describe_context(ContextName="b")
            timings.append((time.perf_counter() - start) * 1000)
        server_side = bench.load(
            server, bench.requests("bdesc", workloads.describes(server.host, ["b"])), connections=1
        )
    finally:
        server.stop()
    boto_p50 = statistics.median(timings)
    bench.results["boto3"] = {
        "boto3_describe_p50_ms": boto_p50,
        "wire_describe_p50_ms": server_side.p50_ms,
        "boto3_share": 1 - server_side.p50_ms / boto_p50,
    }
    bench.log(f"  boto3 p50 {boto_p50:.2f} ms, wrk p50 {server_side.p50_ms:.2f} ms")
