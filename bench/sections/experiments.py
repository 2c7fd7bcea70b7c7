"""Experiments: metric ingestion and Search, against MLflow's tracking server, in one run.

- **Ingestion**: points per second through BatchPutMetrics (signed, 10-point batches: the
  sagemaker-metrics model caps ``MetricData`` at 10, so the SDK's batches are also the largest)
  against MLflow's ``runs/log-batch`` with the same points in 10-point batches and in its largest
  (1000 metrics). The same asyncio client (bench/loadgen.py) and the same number of connections
  drive both; afterwards every series' Count, Min, Max and Avg in DescribeTrialComponent is
  checked against the points the server acknowledged.
- **Search** for trial components by a parameter range and a metric threshold, sorted by a
  metric, at 1k, 100k and 1M components seeded through the store's bulk path, each with two
  5-point metric series (so 1M components hold 10M points), against MLflow's ``runs/search``
  with the equivalent filter on runs seeded through its SQLAlchemy store (bench/mlflow_seed.py)
  at the sizes it reaches in reasonable time. Latency on one connection; the first page is
  checked against the expected one. Also the server's RSS and the database size.

MLflow runs from its own virtualenv (``.venv-mlflow``, created with ``pip install mlflow`` if
missing), ``mlflow server --workers 1`` on a SQLite file; stemma serves one worker on SQLite.
"""

from __future__ import annotations

import json
import math
import subprocess
import time
import urllib.request
from collections import defaultdict
from typing import Any

from bench import loadgen, runs_data, servers
from bench.harness import Harness
from bench.signed import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, raw_request, raw_rest_request

CONNECTIONS = 16  # concurrent client connections, the same for both servers
INGEST_COMPONENTS = 32  # trial components (MLflow runs) the points are spread over
STEMMA_POOL = 6_000  # distinct signed BatchPutMetrics requests, cycled
MAX_REQUESTS = 2_000_000  # a bound on any load loop, besides its time
SEARCH_FILTER = {
    "Filters": [
        {"Name": "Parameters.lr", "Operator": "GreaterThanOrEqualTo", "Value": runs_data.LR_LOW},
        {"Name": "Parameters.lr", "Operator": "LessThan", "Value": runs_data.LR_HIGH},
        {"Name": "Metrics.loss.Min", "Operator": "LessThan", "Value": str(runs_data.LOSS_BELOW)},
    ]
}
# MLflow compares parameters as text and only with =, !=, LIKE, ILIKE (3.17 refuses >= and <
# on params): with lr written with six decimals, [0.01, 0.02) is exactly the prefix "0.01".
MLFLOW_FILTER = f"params.lr LIKE '0.01%' and metrics.loss < {runs_data.LOSS_BELOW}"


def run(bench: Harness) -> None:
    bench.log("experiments: locating MLflow (installs it into .venv-mlflow if missing)")
    results: dict[str, Any] = {"mlflow_version": servers.mlflow_version()}
    results["connections"] = CONNECTIONS
    results["ingestion"] = _ingestion(bench)
    results["search"] = _search(bench)
    bench.results["experiments"] = results


# ---------------------------------------------------------------------------------------------
# Ingestion


def _point(j: int, now_s: float) -> tuple[str, int, float, float]:
    """Point ``j`` of the ingestion: (metric, step, timestamp in seconds, value)."""
    return (
        ("loss", "accuracy")[j % 2],
        j // 2,
        round(now_s - 3600 + j * 0.001, 3),
        ((j * 7919) % 10_007) / 10_007,
    )


def _batch(k: int, size: int, now_s: float) -> tuple[int, list[tuple[str, int, float, float]]]:
    """Batch ``k`` of ``size`` points: (component index, points)."""
    return k % INGEST_COMPONENTS, [_point(k * size + p, now_s) for p in range(size)]


def _ingestion(bench: Harness) -> dict[str, Any]:
    import boto3

    now_s = time.time()
    seconds = bench.seconds
    out: dict[str, Any] = {"seconds": seconds}

    data_dir = bench.work / "ingest-stemma"
    server = servers.stemma(data_dir)
    try:
        client = boto3.client(
            "sagemaker",
            endpoint_url=server.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
        names = [f"ingest-{c}" for c in range(INGEST_COMPONENTS)]
        for name in names:
            client.create_trial_component(TrialComponentName=name)
        bench.log(f"experiments: signing {STEMMA_POOL} BatchPutMetrics requests")
        batches = [_batch(k, 10, now_s) for k in range(STEMMA_POOL)]
        requests = [
            raw_rest_request(
                server.host,
                "PUT",
                "/BatchPutMetrics",
                {
                    "TrialComponentName": names[c],
                    "MetricData": [
                        {"MetricName": m, "Step": s, "Timestamp": t, "Value": v}
                        for m, s, t, v in points
                    ],
                },
            )
            for c, points in batches
        ]
        result = loadgen.run(
            server.port,
            requests,
            connections=CONNECTIONS,
            max_requests=MAX_REQUESTS,
            seconds=seconds,
            check=lambda status, body: status == 200 and b"Errors" not in body,
        )
        out["stemma_10"] = _ingest_figures(result, 10)
        rate = out["stemma_10"]["points_per_second"]
        bench.log(f"  stemma BatchPutMetrics x10: {rate:,.0f} pt/s")
        out["stemma_check"] = _check_summaries(client, names, batches, result.answered)
        bench.log(f"  summaries: {out['stemma_check']}")
    finally:
        server.stop()

    for size, pool in ((10, 40_000), (1000, 400)):
        db = bench.work / f"ingest-mlflow-{size}.db"
        artifacts = bench.work / f"ingest-mlflow-{size}-artifacts"
        artifacts.mkdir(exist_ok=True)
        server = servers.mlflow(db, artifacts)
        try:
            run_ids = [
                _mlflow_call(server, "runs/create", {"experiment_id": "0", "run_name": f"r{c}"})[
                    "run"
                ]["info"]["run_id"]
                for c in range(INGEST_COMPONENTS)
            ]
            requests = []
            for k in range(pool):  # every point distinct: MLflow dedupes repeated points
                c, points = _batch(k, size, now_s)
                metrics = [
                    {"key": m, "value": v, "timestamp": round(t * 1000), "step": s}
                    for m, s, t, v in points
                ]
                requests.append(
                    raw_rest_request(
                        server.host,
                        "POST",
                        "/api/2.0/mlflow/runs/log-batch",
                        {"run_id": run_ids[c], "metrics": metrics},
                        service=None,
                    )
                )
            result = loadgen.run(
                server.port,
                requests,
                connections=CONNECTIONS,
                max_requests=pool,
                seconds=seconds,
            )
            out[f"mlflow_{size}"] = _ingest_figures(result, size)
            if result.ok >= pool:
                out[f"mlflow_{size}"]["exhausted_pool"] = True
            bench.log(
                f"  MLflow log-batch x{size}: "
                f"{out[f'mlflow_{size}']['points_per_second']:,.0f} pt/s"
            )
            out[f"mlflow_{size}"]["points_stored"] = _mlflow_points(db)
        finally:
            server.stop()
    out["ratio_10"] = out["stemma_10"]["points_per_second"] / max(
        out["mlflow_10"]["points_per_second"], 1e-9
    )
    out["ratio_best"] = out["stemma_10"]["points_per_second"] / max(
        out["mlflow_10"]["points_per_second"], out["mlflow_1000"]["points_per_second"], 1e-9
    )
    return out


def _ingest_figures(result: loadgen.LoadResult, size: int) -> dict[str, Any]:
    figures = result.summary()
    figures["batch"] = size
    figures["points"] = result.ok * size
    figures["points_per_second"] = result.ok * size / result.seconds
    return figures


def _check_summaries(
    client: Any, names: list[str], batches: list[Any], answered: list[int]
) -> dict[str, Any]:
    """Compare each series' summary with the points the server acknowledged."""
    expected: dict[tuple[int, str], list[float]] = defaultdict(
        lambda: [0, math.inf, -math.inf, 0.0]
    )
    for index in answered:
        c, points = batches[index]
        for metric, _step, _ts, value in points:
            e = expected[(c, metric)]
            e[0] += 1
            e[1] = min(e[1], value)
            e[2] = max(e[2], value)
            e[3] += value
    mismatches = []
    checked = 0
    for c, name in enumerate(names):
        found = {
            m["MetricName"]: m
            for m in client.describe_trial_component(TrialComponentName=name).get("Metrics", [])
        }
        for metric in ("loss", "accuracy"):
            e = expected.get((c, metric))
            got = found.get(metric)
            if e is None:
                if got is not None:
                    mismatches.append(f"{name}/{metric}: unexpected")
                continue
            checked += 1
            avg = e[3] / e[0]
            if (
                got is None
                or got["Count"] != e[0]
                or got["Min"] != e[1]
                or got["Max"] != e[2]
                or not math.isclose(got["Avg"], avg, rel_tol=1e-9)
            ):
                mismatches.append(f"{name}/{metric}: expected {e[0]} {e[1]} {e[2]} {avg}, {got}")
    return {
        "series": checked,
        "points": len(answered) * 10,
        "mismatches": mismatches[:5],
        "exact": not mismatches,
    }


def _mlflow_call(server: servers.Running, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server.url}/api/2.0/mlflow/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        found: dict[str, Any] = json.loads(answer.read())
        return found


def _mlflow_points(db: Any) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0])


# ---------------------------------------------------------------------------------------------
# Search


def _search_sizes(bench: Harness) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(stemma sizes, MLflow sizes)."""
    if bench.quick:
        return (1_000, 10_000, 100_000), (1_000, 10_000)
    return (1_000, 100_000, 1_000_000), (1_000, 10_000, 100_000)


def _expected_top(size: int) -> tuple[int, list[int]]:
    """(how many runs match, the first page's run indexes)."""
    found = [i for i in range(size) if runs_data.matches(i)]
    found.sort(key=lambda i: -max(runs_data.run_values(i)[3]))
    return len(found), found[:10]


def _search(bench: Harness) -> dict[str, Any]:
    stemma_sizes, mlflow_sizes = _search_sizes(bench)
    out: dict[str, Any] = {"stemma": {}, "mlflow": {}}
    for size in stemma_sizes:
        matching, top = _expected_top(size)
        row = _stemma_search(bench, size, top)
        row["matching"] = matching
        out["stemma"][str(size)] = row
    for size in mlflow_sizes:
        matching, top = _expected_top(size)
        row = _mlflow_search(bench, size, top)
        row["matching"] = matching
        out["mlflow"][str(size)] = row
    return out


def _components(size: int) -> Any:
    from stemma.service.seeding import job_trial_component

    for i in range(size):
        lr, batch, _, _ = runs_data.run_values(i)
        yield job_trial_component(
            f"run-{i:07d}",
            f"arn:aws:sagemaker:{REGION}:123456789012:training-job/run-{i:07d}",
            "SageMakerTrainingJob",
            parameters={"lr": {"NumberValue": float(lr)}, "batch_size": {"NumberValue": batch}},
            created_ms=runs_data.created_ms(i),
        )


def _series(size: int) -> Any:
    from stemma.service import experiment_entities as ee
    from stemma.store.contract import MetricPoint

    for i in range(size):
        _, _, loss, acc = runs_data.run_values(i)
        tc_id = ee.entity_id(f"run-{i:07d}")
        ms = runs_data.created_ms(i)
        for name, values in (("loss", loss), ("accuracy", acc)):
            yield tc_id, name, [MetricPoint(name, ms + s, s, v) for s, v in enumerate(values)]


def _stemma_search(bench: Harness, size: int, top: list[int]) -> dict[str, Any]:
    from stemma.store import open_store
    from stemma.store.contract import Scope

    data_dir = bench.work / f"search-{size}"
    db_path = data_dir / "stemma.db"
    bench.log(f"experiments: seeding stemma with {size:,} trial components")
    started = time.monotonic()
    store = open_store(f"sqlite:///{db_path}")
    scope = Scope("123456789012", REGION)
    try:
        store.bulk_load(scope, _components(size), [])
        seeded_components = time.monotonic() - started
        components_mb = servers.database_mb(db_path)
        points = store.bulk_load_metrics(scope, _series(size))
    finally:
        store.close()
    seeded = time.monotonic() - started
    db_mb = servers.database_mb(db_path)
    bench.log(f"  seeded in {seeded:.0f} s ({points:,} points, {db_mb:,.0f} MB); measuring")
    server = servers.stemma(data_dir)
    try:
        body = {
            "Resource": "ExperimentTrialComponent",
            "SearchExpression": SEARCH_FILTER,
            "SortBy": "Metrics.accuracy.Max",
            "SortOrder": "Descending",
            "MaxResults": 10,
        }
        request = raw_request(server.host, "SageMaker.Search", body)
        first = loadgen.run(server.port, [request], connections=1, max_requests=1, seconds=60)
        page = _stemma_page(server, body)
        expected = [f"run-{i:07d}" for i in top]
        search = loadgen.run(
            server.port, [request], connections=1, max_requests=500, seconds=bench.seconds
        )
        describes = [
            raw_request(
                server.host,
                "SageMaker.DescribeTrialComponent",
                {"TrialComponentName": f"run-{(i * 7919) % size:07d}"},
            )
            for i in range(200)
        ]
        describe = loadgen.run(
            server.port, describes, connections=1, max_requests=200, seconds=bench.seconds
        )
        rss = server.rss_mb()
    finally:
        server.stop()
    row = {
        "trial_components": size,
        "points": points,
        "seed_seconds": seeded,
        "seed_components_seconds": seeded_components,
        "first_search_ms": first.percentile(0.5),
        "search": search.summary(),
        "describe": describe.summary(),
        "page_correct": page == expected,
        "rss_mb": rss,
        "db_mb": db_mb,
        "components_db_mb": components_mb,
        "mb_per_million_points": (db_mb - components_mb) / points * 1e6 if points else 0.0,
    }
    bench.log(
        f"  Search p50 {row['search']['p50_ms']:.2f} ms p99 {row['search']['p99_ms']:.2f} ms "
        f"(first page correct: {row['page_correct']}), rss {rss:.0f} MB"
    )
    return row


def _stemma_page(server: servers.Running, body: dict[str, Any]) -> list[str]:
    import boto3

    client = boto3.client(
        "sagemaker",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    found = client.search(**body)
    return [r["TrialComponent"]["TrialComponentName"] for r in found["Results"]]


def _mlflow_search(bench: Harness, size: int, top: list[int]) -> dict[str, Any]:
    db = bench.work / f"mlflow-search-{size}.db"
    artifacts = bench.work / f"mlflow-search-{size}-artifacts"
    artifacts.mkdir(exist_ok=True)
    bench.log(f"experiments: seeding MLflow with {size:,} runs (its SQLAlchemy store)")
    started = time.monotonic()
    seeded_out = subprocess.run(
        [
            str(servers.ensure_mlflow()),
            "-m",
            "bench.mlflow_seed",
            f"sqlite:///{db}",
            str(size),
            artifacts.as_uri(),
        ],
        cwd=servers.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    experiment_id = seeded_out.stdout.strip().splitlines()[-1]
    seeded = time.monotonic() - started
    db_mb = servers.database_mb(db)
    bench.log(f"  seeded in {seeded:.0f} s ({db_mb:,.0f} MB); measuring")
    server = servers.mlflow(db, artifacts)
    try:
        body = {
            "experiment_ids": [experiment_id],
            "filter": MLFLOW_FILTER,
            "order_by": ["metrics.accuracy DESC"],
            "max_results": 10,
        }
        request = raw_rest_request(
            server.host, "POST", "/api/2.0/mlflow/runs/search", body, service=None
        )
        first = loadgen.run(server.port, [request], connections=1, max_requests=1, seconds=120)
        found = _mlflow_call(server, "runs/search", body)
        page = [r["info"]["run_name"] for r in found.get("runs", [])]
        search = loadgen.run(
            server.port, [request], connections=1, max_requests=200, seconds=bench.seconds
        )
        rss = server.rss_mb()
    finally:
        server.stop()
    row = {
        "runs": size,
        "points": size * 2 * runs_data.POINTS,
        "seed_seconds": seeded,
        "first_search_ms": first.percentile(0.5),
        "search": search.summary(),
        "page_correct": page == [f"run-{i}" for i in top],
        "rss_mb": rss,
        "db_mb": db_mb,
    }
    bench.log(
        f"  runs/search p50 {row['search']['p50_ms']:.2f} ms p99 {row['search']['p99_ms']:.2f} ms"
        f" (first page correct: {row['page_correct']})"
    )
    return row
