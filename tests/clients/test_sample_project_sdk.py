"""The sample user project (tests/sample_project), run with this venv's SageMaker SDK v2: its
lineage-class and ``Run`` tests run here, through the installed stemma plugin alone (#17)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).parent.parent / "sample_project"


def test_the_sample_project_passes_with_the_sdk() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STEMMA_"))}
    env["AWS_ENDPOINT_URL_SAGEMAKER"] = "http://sentinel.invalid"
    env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--rootdir", str(PROJECT), str(PROJECT)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "7 passed" in output, output  # the SDK tests run here, none skipped
