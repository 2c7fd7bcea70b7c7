"""The fairness gate (#20 item 7): one key's expensive calls wait for that key's slots only.

The latency figure it buys is measured by ``python -m bench --only fairness`` (too noisy for a
pass/fail test on a shared machine); these tests pin the behaviour that figure rests on.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from stemma.auth.fairness import FairnessGate, expensive_operations
from stemma.protocol.errors import ThrottlingException
from stemma.service import HANDLERS
from tests.conftest import Server
from tests.test_http_protocol import run_alone


def test_every_list_and_query_lineage_is_expensive_and_describes_are_not() -> None:
    chosen = expensive_operations(HANDLERS)
    assert "QueryLineage" in chosen
    assert {op for op in HANDLERS if op.startswith("List")} <= chosen
    assert not any(op.startswith(("Describe", "Create", "Delete")) for op in chosen)
    assert {"Search", "BatchGetMetrics"} <= expensive_operations(["Search", "BatchGetMetrics"])


def test_a_key_waits_for_its_own_slot_in_order_and_others_pass() -> None:
    async def scenario() -> list[str]:
        gate = FairnessGate(1, queue=2)
        order: list[str] = []
        release = asyncio.Event()

        async def call(key: str, label: str) -> None:
            async with gate.slot(key):
                order.append(label)
                if label == "a1":
                    await release.wait()

        first = asyncio.create_task(call("a", "a1"))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(call("a", f"a{i}")) for i in (2, 3)]
        await asyncio.sleep(0)
        await call("b", "b1")  # another key is not held up by a's line
        with pytest.raises(ThrottlingException):
            await call("a", "a4")  # a's line is full: refused, not queued without bound
        release.set()
        await asyncio.gather(first, *waiting)
        assert not gate._lines  # idle keys hold no memory
        return order

    assert run_alone(scenario) == ["a1", "b1", "a2", "a3"]


def test_a_cancelled_waiter_gives_its_turn_away() -> None:
    async def scenario() -> None:
        gate = FairnessGate(1)
        release = asyncio.Event()

        async def hold() -> None:
            async with gate.slot("a"):
                await release.wait()

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(hold())
        await asyncio.sleep(0)
        waiter.cancel()
        release.set()
        await holder
        async with gate.slot("a"):
            pass
        assert not gate._lines

    run_alone(scenario)


def test_concurrent_expensive_calls_of_one_key_all_succeed(start_server: Any) -> None:
    """With one slot, 8 concurrent List calls of one key wait their turn: none fails."""
    server: Server = start_server("--expensive-concurrency", "1")
    sm = server.client("us-east-1", max_pool_connections=8)
    sm.create_context(ContextName="fair", Source={"SourceUri": "s3://b/k"}, ContextType="T")
    failures: list[BaseException] = []

    def lists() -> None:
        try:
            for _ in range(10):
                assert len(sm.list_contexts()["ContextSummaries"]) == 1
                sm.query_lineage(StartArns=[], Direction="Both")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=lists) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
