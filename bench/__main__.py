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
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import wrk
from bench.harness import Harness
from bench.report import write_report
from bench.sections import (
    boto3_cost,
    cluster,
    experiments,
    fairness,
    scaling,
    testing,
    throughput,
    workers,
)

# Each section's run, by the name --only takes and the key its results are stored under.
RUNS: dict[str, Callable[[Harness], None]] = {
    "throughput": throughput.run,
    "workers": workers.run,
    "boto3": boto3_cost.run,
    "scaling": scaling.run,
    "cluster": cluster.run,
    "fairness": fairness.run,
    "experiments": experiments.run,
    "testing": testing.run,
}
SECTIONS = tuple(
    RUNS
)  # throughput, workers, boto3, scaling, cluster, fairness, experiments, testing
RESULTS = Path(__file__).parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs; scale to 100k only")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    if set(chosen) - {"experiments", "testing"}:
        wrk.ensure_wrk()  # the experiments section drives both servers with bench/loadgen.py
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    with tempfile.TemporaryDirectory(prefix="stemma-bench-") as work:
        bench = Harness(args.quick, Path(work))
        for section in chosen:
            RUNS[section](bench)
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
