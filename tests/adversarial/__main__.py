"""``python -m tests.adversarial --long``: the adversarial suite's long doses, on both stores.

    python -m tests.adversarial --long                     # SQLite and PostgreSQL, ~5 minutes
    python -m tests.adversarial --long --backends sqlite

Starts its own servers on 127.0.0.1 (PostgreSQL databases created and dropped on
``STEMMA_TEST_PG``), runs every probe, prints one line of counts per probe and store and the
totals (requests tried, 5xx seen, writes lost, leaks), and exits 1 unless all are zero.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from botocore.credentials import Credentials

from tests.adversarial import attacks, probes
from tests.adversarial.probes import Counts
from tests.auth.support import create_key
from tests.conftest import Backend, Server, launch


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.adversarial", description=__doc__)
    parser.add_argument("--long", action="store_true", help="the long doses (without: small)")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    scale = 1 if args.long else 0
    total = Counts()
    started = time.monotonic()
    print(f"adversarial run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, long={args.long}")
    for name in args.backends.split(","):
        backend = Backend(name)
        try:
            with tempfile.TemporaryDirectory(prefix="stemma-adv-") as work:
                for probe, counts in _run(backend, Path(work), scale):
                    print(
                        f"{name:8} {probe:14} tried {counts.tried:6}  5xx {counts.five_xx}"
                        f"  lost {counts.lost}  leaks {counts.leaks}",
                        flush=True,
                    )
                    total.add(counts)
        finally:
            backend.drop_all()
    print(
        f"TOTAL    requests tried {total.tried}, 5xx seen {total.five_xx}, writes lost "
        f"{total.lost}, leaks {total.leaks} ({time.monotonic() - started:.0f} s)"
    )
    return 0 if total.clean else 1


def _run(backend: Backend, work: Path, scale: int) -> list[tuple[str, Counts]]:
    servers: list[Server] = []

    def start(data_dir: Path) -> Server:
        server = launch(data_dir, backend=backend)
        servers.append(server)
        return server

    results: list[tuple[str, Counts]] = []
    try:
        server = start(work / "main")
        rng = random.Random(20)
        per_op = None if scale else 12
        results.append(
            ("invalid-input", probes.invalid_input(server.url, "eu-west-1", per_op, rng))
        )
        key = create_key(server.data_dir, server.db_url)
        intruder = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        rounds = 3 if scale else 1
        results.append(
            ("isolation", probes.isolation(server.url, "us-east-1", "us-west-2", intruder, rounds))
        )
        results.append(("sig-mutation", attacks.mutations(server, 400 if scale else 20)))
        results.append(
            ("flood", probes.flood(server.url, 20.0 if scale else 2.0, 20, _healthy(server)))
        )
        results.append(("kill-9", attacks.kill9(start, work / "kill", 6 if scale else 1)))
    finally:
        for server in servers:
            server.stop()
    return results


def _healthy(server: Server) -> Callable[[], bool]:
    """A good client's call during the flood: a signed ListContexts answered 200 in time."""

    def check() -> bool:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=3) as answer:
                if answer.status != 200:
                    return False
            return probes.post(server.url, "ListContexts", b"{}").status == 200
        except OSError:
            return False

    return check


if __name__ == "__main__":
    sys.exit(main())
