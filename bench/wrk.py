"""Running wrk against a server with a file of pre-signed requests, and reading its numbers."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPLAY = Path(__file__).parent / "replay.lua"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass
class WrkResult:
    requests_per_second: float
    requests: int
    errors: int  # non-2xx answers plus socket errors (including requests slower than 10 s)
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, float | int]:
        return dict(vars(self))


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "bench: wrk is not installed; install Debian's package: apt-get install -y wrk"
        )
    return found


def run(
    url: str, request_file: Path, *, seconds: float, connections: int, threads: int = 1
) -> WrkResult:
    command = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{round(seconds)}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(REPLAY),
        url,
        "--",
        str(request_file),
        str(threads),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse(out)


def parse(out: str) -> WrkResult:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if sockets:
        errors += sum(int(g) for g in sockets.groups())
    return WrkResult(rps, total, errors, _percentile(out, "50%"), _percentile(out, "99%"))


def _percentile(out: str, label: str) -> float:
    match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    if match is None:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]
