"""Fairness: one tenant's latency while another floods the server with expensive calls (#20).

The attacker (account 123456789012) keeps 8 QueryLineage calls in flight, each walking a fan of
6,060 edges (one artifact, 60 actions, 100 artifacts each) with IncludeEdges. The other tenant
(account 222233334444, its own key) sends DescribeContext one at a time. Both run in one
server, for each ``--expensive-concurrency`` (0: no bound, the behaviour before the gate), in one
run so the ratios compare like with like: the other tenant alone, then under the attack.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from bench import dataset, servers, wrk
from bench.harness import Harness
from bench.signed import REGION, raw_request

ATTACKER, VICTIM = "123456789012", "222233334444"
ATTACK_CONNECTIONS = 8
FAN_ACTIONS, FAN_ARTIFACTS = 60, 100
LIMITS = (0, 2, 1)  # 0 first: the figure before the gate


def run(bench: Harness) -> None:
    data_dir = bench.work / "fairness"
    root = _seed(data_dir / "stemma.db")
    victim_key = _victim_key(data_dir)
    measured: dict[str, Any] = {}
    for limit in LIMITS:
        bench.log(f"fairness: --expensive-concurrency {limit}")
        server = servers.stemma(data_dir, "--expensive-concurrency", str(limit))
        try:
            names = [f"ctx-{i:07d}" for i in range(0, 1000, 7)]
            victim = bench.requests(
                f"fvictim{limit}",
                [
                    raw_request(
                        server.host, "SageMaker.DescribeContext", {"ContextName": n}, key=victim_key
                    )
                    for n in names
                ],
            )
            query = {"StartArns": [root], "Direction": "Both", "IncludeEdges": True, "MaxDepth": 10}
            attack = bench.requests(
                f"fattack{limit}", [raw_request(server.host, "SageMaker.QueryLineage", query)]
            )
            alone = bench.load(server, victim, connections=1)
            attacked, attacker = _under_attack(bench, server, victim, attack)
        finally:
            server.stop()
        measured[str(limit)] = {
            "victim_alone": alone.as_dict(),
            "victim_attacked": attacked.as_dict(),
            "attacker": attacker.as_dict(),
            "p99_ratio": attacked.p99_ms / alone.p99_ms,
        }
        bench.log(
            f"  victim p50/p99 alone {alone.p50_ms:.2f}/{alone.p99_ms:.2f} ms, attacked "
            f"{attacked.p50_ms:.2f}/{attacked.p99_ms:.2f} ms; attacker "
            f"{attacker.requests_per_second:.1f} QueryLineage/s, {attacker.errors} errors"
        )
    bench.results["fairness"] = measured


def _under_attack(
    bench: Harness, server: servers.Running, victim: Path, attack: Path
) -> tuple[wrk.WrkResult, wrk.WrkResult]:
    """The victim's figures while the attack runs (it starts first and ends after)."""
    outcome: dict[str, wrk.WrkResult] = {}

    def flood() -> None:
        outcome["attack"] = wrk.run(
            server.url, attack, seconds=bench.seconds + 2, connections=ATTACK_CONNECTIONS
        )

    thread = threading.Thread(target=flood)
    thread.start()
    threading.Event().wait(1.0)  # the attack is in full swing before the victim measures
    attacked = bench.load(server, victim, connections=1)
    thread.join()
    return attacked, outcome["attack"]


def _seed(db_path: Path) -> str:
    """The attacker's fan and the victim's 1,000 contexts; returns the fan root's ARN."""
    from stemma.store import open_store
    from stemma.store.contract import Association, Entity, Ref, Scope

    ms = 1_690_000_000_000

    def artifact(name: str) -> Entity:
        uri = f"s3://fairness/{name}"
        body = {"Source": {"SourceUri": uri, "SourceTypes": []}, "Properties": {}}
        return Entity(
            "artifact", hashlib.md5(uri.encode()).hexdigest(), name, "DataSet", uri, body, ms, ms
        )

    root = artifact("root")
    nodes, edges = [root], []
    for a in range(FAN_ACTIONS):
        action = Entity("action", f"job-{a}", f"job-{a}", "ProcessingJob", f"job/{a}", {}, ms, ms)
        nodes.append(action)
        edges.append(
            Association(Ref("artifact", root.id), Ref("action", action.id), "ContributedTo", ms)
        )
        for i in range(FAN_ARTIFACTS):
            out = artifact(f"out-{a}-{i}")
            nodes.append(out)
            edges.append(
                Association(Ref("action", action.id), Ref("artifact", out.id), "Produced", ms)
            )
    store = open_store(f"sqlite:///{db_path}")
    try:
        store.bulk_load(Scope(ATTACKER, REGION), nodes, edges)
        store.bulk_load(Scope(VICTIM, REGION), dataset.contexts(1000), [])
    finally:
        store.close()
    return f"arn:aws:sagemaker:{REGION}:{ATTACKER}:artifact/{root.id}"


def _victim_key(data_dir: Path) -> tuple[str, str]:
    command = [sys.executable, "-m", "stemma", "keys", "create", "--data-dir", str(data_dir)]
    out = subprocess.run(
        [*command, "--account-id", VICTIM], capture_output=True, text=True, check=True
    ).stdout
    created = json.loads(out)
    return created["AccessKeyId"], created["SecretAccessKey"]
