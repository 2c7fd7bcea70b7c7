"""The adversarial suite's small doses, in the normal run on both stores (#20).

The long doses run from ``python -m tests.adversarial --long``; both assert the same thing:
no 5xx, no acknowledged write lost, nothing of one tenant seen or changed by another.
"""

from __future__ import annotations

import random
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

from botocore.credentials import Credentials

from tests.adversarial import attacks, inputs, probes
from tests.auth.support import create_key
from tests.conftest import Server


def test_every_served_operation_is_attacked() -> None:
    from stemma.service import HANDLERS

    names = [name for name, _ in inputs.served()]
    assert names == sorted(HANDLERS)
    for _, op in inputs.served():
        assert sum(1 for _ in inputs.invalid_bodies(op)) >= len(inputs.BODIES)


def test_invalid_input_to_every_operation_gets_no_5xx(server: Server, region: str) -> None:
    counts = probes.invalid_input(server.url, region, per_op=12, rng=random.Random(20))
    assert counts.tried > 12 * 40
    assert counts.clean, counts


def test_no_operation_crosses_accounts_or_regions(start_server: Callable[..., Server]) -> None:
    server = start_server()
    key = create_key(server.data_dir, server.db_url)
    intruder = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    counts = probes.isolation(server.url, "us-east-1", "us-west-2", intruder)
    assert counts.tried > 0
    assert counts.clean, counts


def test_signature_mutations_are_all_refused(server: Server) -> None:
    counts = attacks.mutations(server, 20)
    assert counts.tried == 20 and counts.clean, counts


def test_floods_do_not_stop_a_good_client(server: Server) -> None:
    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=3) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    counts = probes.flood(server.url, seconds=2.0, connections=5, check=healthy)
    assert counts.tried > 10 and counts.clean, counts


def test_kill_9_under_concurrent_writers_loses_nothing(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    def start(data_dir: Path) -> Server:
        started: Server = start_server(data_dir=data_dir)
        return started

    counts = attacks.kill9(start, tmp_path / f"k{uuid.uuid4().hex[:4]}", rounds=1)
    assert counts.tried > 0 and counts.clean, counts
