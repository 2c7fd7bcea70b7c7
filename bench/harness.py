"""What every section of ``python -m bench`` shares: the run's settings, its scratch directory,
the results gathered so far, and the few steps each section repeats (log a line, write a file of
requests, drive a server with wrk). Kept apart from the sections so each stays one short module.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench import servers, wrk
from bench.signed import write_requests

ROUNDS = 5  # alternating runs of the ceiling and CreateContext (3 with --quick)
PG_ADMIN_URL = os.environ.get("STEMMA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


class Harness:
    """One run's state, handed to each section's ``run``; sections store their figures in
    ``results`` under their own key, which bench/report.py reads."""

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
