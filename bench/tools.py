"""Export and import at scale: ``python -m bench.tools [--entities N] [--db-dir DIR]``.

Seeds a SQLite store with N contexts and N associations (a chain, plus one edge back to the
first) through the store's bulk path, then times ``stemma export`` of it to a file and
``stemma import`` of that file into a fresh SQLite store, each a subprocess whose peak RSS is
read from ``wait4``. Prints one line per step; the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from stemma.store import open_store
from stemma.store.contract import Association, Entity, Ref, Scope

SCOPE = Scope("123456789012", "us-east-1")


def _entities(n: int) -> Iterator[Entity]:
    for i in range(n):
        yield Entity(
            "context",
            f"ctx-{i:08d}",
            f"ctx-{i:08d}",
            "Endpoint",
            f"s3://bench/{i}",
            {"Source": {"SourceUri": f"s3://bench/{i}"}, "Properties": {"i": str(i)}},
            1_700_000_000_000 + i,
            1_700_000_000_000 + i,
        )


def _edges(n: int) -> Iterator[Association]:
    for i in range(n):
        yield Association(
            Ref("context", f"ctx-{i:08d}"),
            Ref("context", f"ctx-{(i + 1) % n:08d}"),
            "ContributedTo",
            1_700_000_000_000 + i,
        )


def _run(args: list[str]) -> tuple[float, int]:
    """Seconds and peak RSS (MB) of a subprocess."""
    started = time.monotonic()
    process = subprocess.Popen(args)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed ({status})")
    return seconds, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--db-dir", type=Path, default=None, help="default: a temporary dir")
    args = parser.parse_args()
    n = args.entities
    work = args.db_dir or Path(tempfile.mkdtemp(prefix="stemma-bench-tools-"))
    source, target, stream = work / "source.db", work / "target.db", work / "export.ndjson"
    for path in (source, target, stream):
        path.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{source}")
    started = time.monotonic()
    store.bulk_load(SCOPE, _entities(n), _edges(n))
    store.close()
    print(f"seed: {n:,} entities + {n:,} associations in {time.monotonic() - started:.1f}s")
    stemma = [sys.executable, "-m", "stemma"]
    records = 2 * n
    seconds, rss = _run([*stemma, "export", "--db", f"sqlite:///{source}", "-o", str(stream)])
    size = stream.stat().st_size / 1e6
    print(
        f"export: {records:,} records in {seconds:.1f}s ({records / seconds:,.0f}/s),"
        f" {size:,.0f} MB, peak RSS {rss} MB"
    )
    seconds, rss = _run([*stemma, "import", "--db", f"sqlite:///{target}", str(stream)])
    print(
        f"import: {records:,} records in {seconds:.1f}s ({records / seconds:,.0f}/s),"
        f" peak RSS {rss} MB"
    )


if __name__ == "__main__":
    main()
