"""The Markdown report: every figure of a run, and each target with its verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _rps(result: dict[str, Any]) -> str:
    return f"{result['requests_per_second']:,.0f}"


def _ms(value: float) -> str:
    return f"{value:.2f}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def write_report(results: dict[str, Any], path: Path) -> None:
    lines = [
        f"# stemma benchmark, {results['when']}",
        "",
        f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}, "
        f"{results['machine']['platform']}. Quick run: {results['quick']}.",
        "Load from wrk replaying pre-signed requests (32 connections for throughput, 1 for "
        "latency); ratios are within this run.",
        "",
    ]
    targets: list[tuple[str, str, bool]] = []
    if "throughput" in results:
        t = results["throughput"]
        lines += [
            "## Throughput (1 worker, SQLite durable, SigV4 verified)",
            "",
            "| Target | req/s | p50 ms | p99 ms | errors |",
            "|---|---:|---:|---:|---:|",
        ]
        for label, key in (
            ("bare ASGI ceiling (same server stack)", "bare_asgi"),
            ("stemma CreateContext", "create_context"),
            ("stemma DescribeContext", "describe_context"),
            ("stemma ListContexts", "list_contexts"),
            ("moto server CreateExperiment", "moto_create_experiment"),
        ):
            r = t[key]
            if key == "moto_create_experiment" and "moto_connections" in t:
                label += f" (best of 32 and 1 connections: {t['moto_connections']})"
            lines.append(
                f"| {label} | {_rps(r)} | {_ms(r['p50_ms'])} | {_ms(r['p99_ms'])} | {r['errors']} |"
            )
        lines.append("")
        if "rounds" in t:
            lines += [
                "The ceiling and CreateContext ran alternately; the rows above are the round "
                "with the median ratio:",
                "",
                "| Round | ceiling req/s | CreateContext req/s | ratio |",
                "|---:|---:|---:|---:|",
            ]
            for number, r in enumerate(t["rounds"], start=1):
                lines.append(
                    f"| {number} | {_rps(r['bare_asgi'])} | {_rps(r['create_context'])} | "
                    f"{r['ratio']:.3f} |"
                )
            lines.append("")
        targets.append(
            (
                "CreateContext >= 0.25 x bare ASGI (median round)",
                f"{t['create_vs_ceiling']:.2f} x",
                t["create_vs_ceiling"] >= 0.25,
            )
        )
        targets.append(
            (
                "CreateContext (median of the rounds) >= 20 x moto CreateExperiment",
                f"{t['create_vs_moto']:.1f} x",
                t["create_vs_moto"] >= 20,
            )
        )
    if "workers" in results:
        w = results["workers"]
        lines += [
            "## Workers",
            "",
            "| Workers | CreateContext req/s | DescribeContext req/s |",
            "|---:|---:|---:|",
            f"| 1 | {_rps(w['1']['create_context'])} | {_rps(w['1']['describe_context'])} |",
            f"| 2 | {_rps(w['2']['create_context'])} | {_rps(w['2']['describe_context'])} |",
            "",
            f"DescribeContext with 2 workers: {w['describe_2_vs_1']:.2f} x one worker; "
            f"CreateContext: {w['create_2_vs_1']:.2f} x.",
            "",
        ]
    if "boto3" in results:
        b = results["boto3"]
        lines += [
            "## boto3's own cost",
            "",
            f"DescribeContext through boto3: p50 {_ms(b['boto3_describe_p50_ms'])} ms; the same "
            f"call on the wire (wrk, 1 connection): p50 {_ms(b['wire_describe_p50_ms'])} ms. "
            f"boto3's share of a call: {b['boto3_share']:.0%}.",
            "",
        ]
    if "scaling" in results:
        s = results["scaling"]
        lines += [
            "## Scaling (1 connection; p50 / p99 in ms)",
            "",
            "| Contexts | Associations | ListContexts (type filter) | DescribeContext | "
            "QueryLineage Both depth 10 (~200 vertices) | RSS MB | DB MB | seed s |",
            "|---:|---:|---|---|---|---:|---:|---:|",
        ]
        for row in s.values():
            lines.append(
                f"| {row['contexts']:,} | {row['associations']:,} | "
                f"{_ms(row['list_contexts']['p50_ms'])} / {_ms(row['list_contexts']['p99_ms'])} | "
                f"{_ms(row['describe_context']['p50_ms'])} / "
                f"{_ms(row['describe_context']['p99_ms'])} | "
                f"{_ms(row['query_lineage']['p50_ms'])} / {_ms(row['query_lineage']['p99_ms'])} | "
                f"{row['rss_mb']:.0f} | {row['db_mb']:.0f} | {row['seed_seconds']:.0f} |"
            )
        lines.append("")
        small, large = s[min(s, key=int)], s[max(s, key=int)]
        list_ratio = large["list_contexts"]["p50_ms"] / small["list_contexts"]["p50_ms"]
        lineage_ratio = large["query_lineage"]["p50_ms"] / small["query_lineage"]["p50_ms"]
        size = f"{large['contexts']:,}"
        targets.append(
            (f"ListContexts p50 at {size} <= 2 x at 1k", f"{list_ratio:.2f} x", list_ratio <= 2)
        )
        targets.append(
            (
                f"QueryLineage p50 at {size} associations <= 30 ms",
                f"{large['query_lineage']['p50_ms']:.1f} ms",
                large["query_lineage"]["p50_ms"] <= 30,
            )
        )
        targets.append(
            (
                f"QueryLineage p50 at {size} <= 2 x at 1k",
                f"{lineage_ratio:.2f} x",
                lineage_ratio <= 2,
            )
        )
        targets.append(
            (
                f"server RSS <= 150 MB with {large['entities']:,} entities",
                f"{large['rss_mb']:.0f} MB",
                large["rss_mb"] <= 150,
            )
        )
    if "cluster" in results:
        c = results["cluster"]
        lines += [
            "## Several servers on one PostgreSQL database (16 connections each)",
            "",
            "| Servers | CreateContext req/s (total) | DescribeContext req/s (total) | errors |",
            "|---:|---:|---:|---:|",
        ]
        for count, row in c.items():
            errors = row["create"]["errors"] + row["describe"]["errors"]
            lines.append(
                f"| {count} | {_rps(row['create'])} | {_rps(row['describe'])} | {errors} |"
            )
        lines.append("")
    if "experiments" in results:
        lines += _experiments(results["experiments"], targets)
    if "testing" in results:
        lines += _testing(results["testing"], targets)
    if targets:
        lines += ["## Targets", "", "| Target | Measured | Verdict |", "|---|---:|---|"]
        lines += [f"| {name} | {value} | {_verdict(ok)} |" for name, value, ok in targets]
        lines.append("")
    path.write_text("\n".join(lines))


def _pp(result: dict[str, Any]) -> str:
    return f"{result['points_per_second']:,.0f}"


def _experiments(e: dict[str, Any], targets: list[tuple[str, str, bool]]) -> list[str]:
    """The experiments section: ingestion and Search against MLflow (bench/sections)."""
    i = e["ingestion"]
    check = i["stemma_check"]
    lines = [
        f"## Experiments: stemma against MLflow {e['mlflow_version']} (one process each, "
        f"SQLite, {e['connections']} connections, the same asyncio client)",
        "",
        "| Ingestion | batch | requests | points/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, key in (
        ("stemma BatchPutMetrics (signed; the model caps MetricData at 10)", "stemma_10"),
        ("MLflow runs/log-batch", "mlflow_10"),
        ("MLflow runs/log-batch, its largest batch", "mlflow_1000"),
    ):
        r = i[key]
        lines.append(
            f"| {label} | {r['batch']} | {r['requests']:,} | {_pp(r)} | {_ms(r['p50_ms'])} | "
            f"{_ms(r['p99_ms'])} | {r['errors']} |"
        )
    lines += [
        "",
        f"Summaries after the run: {check['series']} series, {check['points']:,} points, "
        f"Count/Min/Max/Avg {'exact' if check['exact'] else 'WRONG: ' + str(check['mismatches'])}. "
        f"stemma's 10-point batches against MLflow's 1000-point batches: {i['ratio_best']:.1f} x "
        "(for information; the target is like for like).",
        "",
        "| Search (1 connection) | size | matching | p50 ms | p99 ms | first call ms | "
        "page right | RSS MB | DB MB | seed s |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    rows = [("stemma Search", r, r["trial_components"]) for r in e["search"]["stemma"].values()]
    rows += [("MLflow runs/search", r, r["runs"]) for r in e["search"]["mlflow"].values()]
    for label, r, size in rows:
        lines.append(
            f"| {label} | {size:,} | {r['matching']:,} | {_ms(r['search']['p50_ms'])} | "
            f"{_ms(r['search']['p99_ms'])} | {r['first_search_ms']:.1f} | {r['page_correct']} | "
            f"{r['rss_mb']:.0f} | {r['db_mb']:,.0f} | {r['seed_seconds']:.0f} |"
        )
    lines.append("")
    stemma = e["search"]["stemma"]
    small, large = stemma[min(stemma, key=int)], stemma[max(stemma, key=int)]
    for r in stemma.values():
        lines.append(
            f"stemma at {r['trial_components']:,}: {r['points']:,} points, "
            f"{r['mb_per_million_points']:.0f} MB of database per million points; "
            f"DescribeTrialComponent p50 {_ms(r['describe']['p50_ms'])} ms."
        )
    lines.append("")
    size = f"{large['trial_components']:,}"
    p50 = large["search"]["p50_ms"]
    ratio = p50 / small["search"]["p50_ms"]
    targets.append(
        (
            "BatchPutMetrics points/s >= 10 x MLflow log-batch (10-point batches)",
            f"{i['ratio_10']:.1f} x",
            i["ratio_10"] >= 10,
        )
    )
    targets.append(("metric summaries exact after ingestion", str(check["exact"]), check["exact"]))
    targets.append((f"Search p50 at {size} <= 50 ms", f"{p50:.1f} ms", p50 <= 50))
    targets.append((f"Search p50 at {size} <= 3 x at 1k", f"{ratio:.1f} x", ratio <= 3))
    targets.append(
        (
            f"server RSS <= 200 MB with {size} trial components, {large['points']:,} points",
            f"{large['rss_mb']:.0f} MB",
            large["rss_mb"] <= 200,
        )
    )
    return lines


def _testing(t: dict[str, Any], targets: list[tuple[str, str, bool]]) -> list[str]:
    """The testing section: stemma.testing and the pytest plugin (bench/sections/testing.py)."""
    targets += [
        ("serve() ready, warm <= 0.3 s", f"{t['ready_warm_s']:.3f} s", t["ready_warm_s"] <= 0.3),
        ("per-test fixture <= 5 ms", f"{t['fixture_p50_ms']:.2f} ms", t["fixture_p50_ms"] <= 5),
        ("plugin suite >= 5x per-test subprocesses", f"{t['speedup']:.1f}x", t["speedup"] >= 5),
    ]
    return [
        "## Testing with stemma.testing (in-process server, pytest plugin)",
        "",
        "| Measure | Figure |",
        "|---|---:|",
        f"| serve() to first answer, fresh interpreter | {t['ready_cold_s']:.3f} s |",
        f"| serve() to first answer, again in that interpreter | {t['ready_warm_s']:.3f} s |",
        f"| import stemma.testing + first serve() + first answer | "
        f"{t['import_and_first_s']:.3f} s |",
        f"| per-test fixture (namespace + environment), p50 / p99 | "
        f"{t['fixture_p50_ms']:.2f} / {t['fixture_p99_ms']:.2f} ms |",
        f"| {t['tests']} small tests with the plugin (one pytest run) | "
        f"{t['plugin_suite_s']:.1f} s |",
        f"| the same tests, each starting `stemma serve` (measured on "
        f"{t['subprocess_sample']}, multiplied out) | {t['subprocess_suite_s']:.1f} s "
        f"({t['subprocess_per_test_s']:.2f} s a test) |",
        f"| speed-up | {t['speedup']:.1f}x |",
        "",
    ]
