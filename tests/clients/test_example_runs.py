"""The runs example (examples/experiment_runs.py) against a real server, with this venv's
SageMaker SDK v2: what the README shows is what it prints (issue #15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "experiment_runs.py"


def test_the_runs_example_prints_what_the_readme_shows(server: Any, region: str) -> None:
    env = {**os.environ, "AWS_DEFAULT_REGION": region}  # a namespace of its own
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--endpoint-url", server.url, "--keep"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    ranked = out.split("sorted by metrics.loss.min):\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in ranked] == [
        "churn-logreg-lr-2",
        "churn-logreg-lr-1",
        "churn-logreg-lr-0",
    ]
    assert "loss min=0.252" in ranked[0] and "epochs logged=8" in ranked[0]
    assert "churn-logreg-lr-2 --Produced--> model" in out
    assert "churn-train --ContributedTo--> churn-logreg-lr-2" in out
    assert "churn-train        Artifact        DataSet" in out
    assert f"{server.url}/ui" in out  # --keep leads to the explorer
    readme = (EXAMPLE.parent.parent / "README.md").read_text()
    for line in ranked:
        assert line in readme  # the README's copy of the output is current
