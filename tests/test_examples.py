"""The worked example in examples/ runs against a real server and prints what the README shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Server

EXAMPLE = Path(__file__).parent.parent / "examples" / "churn_pipeline.py"


def test_churn_pipeline_example(server: Server) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--endpoint-url", server.url],
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
    out = result.stdout
    datasets = out.split("Which datasets does the endpoint depend on?")[1].split("\n\n")[0]
    assert "features  DataSet" in datasets and "raw       DataSet" in datasets
    assert "model     --ContributedTo--> endpoint" in out
    assert "churn-train-2026-11-01 (TrainingJob)" in out
    assert "Cleaned up" in out
