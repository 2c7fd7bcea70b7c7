"""The worked example in examples/ runs against a real server and prints what the README shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Server, make_client

EXAMPLE = Path(__file__).parent.parent / "examples" / "churn_pipeline.py"


def run_example(server: Server, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--endpoint-url", server.url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={
            **os.environ,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        },
    )
    return result.stdout


def test_churn_pipeline_example(server: Server) -> None:
    out = run_example(server)
    datasets = out.split("Which datasets does the endpoint depend on?")[1].split("\n\n")[0]
    assert "features  DataSet" in datasets and "raw       DataSet" in datasets
    assert "model     --ContributedTo--> endpoint" in out
    assert "churn-train-2026-11-01 (TrainingJob)" in out
    assert "Cleaned up" in out


def test_keep_leaves_the_graph_and_a_later_run_replaces_it(server: Server) -> None:
    kept = run_example(server, "--keep")
    assert f"Kept: open {server.url}/ui/" in kept and "Cleaned up" not in kept
    sm = make_client(server.url)
    endpoint = sm.describe_context(ContextName="churn-endpoint")["ContextArn"]
    graph = sm.query_lineage(StartArns=[endpoint], Direction="Ascendants", IncludeEdges=True)
    assert len(graph["Edges"]) == 5
    assert "Cleaned up" in run_example(server)  # the kept run's entities did not get in its way
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_context(ContextName="churn-endpoint")
