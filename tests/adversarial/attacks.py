"""The two attacks that need more than one request: signature mutation and ``kill -9``.

``mutations`` reuses tests/auth/mutations.py (every change to a signed part of a request);
``kill9`` kills the server under concurrent writers and counts acknowledged writes missing after
the restart.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.adversarial.probes import Counts
from tests.auth.mutations import mutated
from tests.auth.support import Raw, create_body, exists, send, sign
from tests.conftest import ACCESS_KEY_ID, Server


def mutations(server: Server, count: int) -> Counts:
    """``count`` mutated CreateContext requests; a mutation accepted is counted as a leak."""
    counts = Counts()
    region = "mutation-adv"

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def attempt(data: st.DataObject) -> None:
        name = f"m-{uuid.uuid4().hex[:12]}"
        body = json.dumps(create_body(name))
        raw = sign(server.url, "SageMaker.CreateContext", body, region=region)
        when = dt.datetime.strptime(raw.header("X-Amz-Date") or "", "%Y%m%dT%H%M%SZ")

        def resign(secret: str) -> Raw:
            return sign(
                server.url,
                "SageMaker.CreateContext",
                body,
                region=region,
                credentials=Credentials(ACCESS_KEY_ID, secret),
                when=when.replace(tzinfo=dt.UTC),
            )

        description, changed = data.draw(mutated(raw, resign))
        response = send(server.url, changed)
        counts.tried += 1
        counts.five_xx += response.status >= 500
        if response.status < 400 or exists(server, region, name):
            counts.leaks += 1
            print(f"  mutation accepted: {description}")

    attempt()
    return counts


def kill9(start: Callable[[Path], Server], data_dir: Path, rounds: int, writers: int = 4) -> Counts:
    """``rounds`` times: start, write from ``writers`` threads, ``kill -9`` after 0.5-2 s,
    restart and look for every acknowledged create."""
    counts = Counts()
    for round_ in range(rounds):
        server = start(data_dir)
        region = f"kill{round_}x{uuid.uuid4().hex[:6]}"
        acked: list[str] = []
        lock = threading.Lock()

        threads = [
            threading.Thread(
                target=_write,
                args=(
                    server.client(region, connect_timeout=2, read_timeout=10),
                    f"w{w}",
                    acked,
                    lock,
                ),
            )
            for w in range(writers)
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5 + 1.5 * (round_ % 4) / 3)
        server.stop(signal.SIGKILL)
        for thread in threads:
            thread.join(30)
        counts.tried += len(acked)
        restarted = start(data_dir)
        client = restarted.client(region)
        stored = {
            s["ContextName"]
            for s in client.get_paginator("list_contexts")
            .paginate()
            .build_full_result()["ContextSummaries"]
        }
        missing = [name for name in acked if name not in stored]
        counts.lost += len(missing)
        if missing:
            print(f"  round {round_}: {len(missing)} acknowledged creates lost")
        restarted.stop()
    return counts


def _write(client: Any, prefix: str, acked: list[str], lock: threading.Lock) -> None:
    """Create contexts until the server dies; record each one acknowledged."""
    for i in range(1_000_000):
        name = f"{prefix}-{i}"
        try:
            client.create_context(
                ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="T"
            )
        except Exception:  # the server died under this request
            return
        with lock:
            acked.append(name)
