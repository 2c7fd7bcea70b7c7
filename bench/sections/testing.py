"""Testing: what stemma.testing and its pytest plugin cost a user's test suite (issue #17).

- ``serve()`` until the first answer: in a fresh interpreter (imports included: what a test
  session pays once) and again in the same interpreter.
- The per-test ``stemma`` fixture: a fresh namespace (account and key) and the environment set
  and restored, in process.
- A suite of small tests that each create a context and query its lineage with boto3: N tests
  with the plugin, against the same tests each starting a ``stemma serve`` subprocess (the
  subprocess variant runs a sample of the tests; its per-test cost is multiplied out).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from bench.harness import Harness

READY = """
import time, urllib.request
started = time.perf_counter()
from stemma.testing import serve
for _ in range(2):
    begin = time.perf_counter()
    with serve() as stemma:
        urllib.request.urlopen(stemma.url + "/healthz").read()
        print(time.perf_counter() - begin)
print("import+first", time.perf_counter() - started)
"""

FIXTURE = """
import time
from stemma.testing import serve
with serve(set_environment=False) as stemma:
    costs = []
    for _ in range(300):
        begin = time.perf_counter()
        with stemma.namespace().activated():
            pass
        costs.append(time.perf_counter() - begin)
costs.sort()
print(costs[len(costs) // 2], costs[int(len(costs) * 0.99)])
"""

TEST_BODY = """
def test_{i}({fixture}):
    sm = boto3.client("sagemaker")
    arn = sm.create_context(ContextName="c{i}", Source={{"SourceUri": "s3://b/{i}"}},
                            ContextType="Endpoint")["ContextArn"]
    data = sm.create_artifact(Source={{"SourceUri": "s3://d/{i}"}}, ArtifactType="DataSet")
    sm.add_association(SourceArn=data["ArtifactArn"], DestinationArn=arn)
    assert len(sm.query_lineage(StartArns=[arn], Direction="Ascendants")["Vertices"]) == 1
"""

SUBPROCESS_CONFTEST = """
import os, subprocess, sys, tempfile, time
import boto3, pytest

@pytest.fixture
def own_server(monkeypatch):
    data = tempfile.mkdtemp()
    env = {**os.environ, "STEMMA_ROOT_ACCESS_KEY_ID": "AKIDBENCH",
           "STEMMA_ROOT_SECRET_ACCESS_KEY": "bench-secret"}
    process = subprocess.Popen([sys.executable, "-m", "stemma", "serve", "--port", "0",
                                "--data-dir", data], stdout=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    url = line.split("listening on ", 1)[1].split()[0]
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDBENCH")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "bench-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    boto3.DEFAULT_SESSION = None
    yield url
    process.terminate()
    process.wait(10)
"""


def run(bench: Harness) -> None:
    tests = 200 if bench.quick else 1000
    sample = 10 if bench.quick else 20
    results: dict[str, Any] = {"tests": tests, "subprocess_sample": sample}
    bench.log("testing: serve() until the first answer (fresh interpreter, then warm)")
    cold, warm, first = [], [], []
    for _ in range(3):
        out = _python(READY).split()
        cold.append(float(out[0]))
        warm.append(float(out[1]))
        first.append(float(out[-1]))
    results["ready_cold_s"] = statistics.median(cold)
    results["ready_warm_s"] = statistics.median(warm)
    results["import_and_first_s"] = statistics.median(first)
    bench.log("testing: the per-test fixture (300 namespaces)")
    p50, p99 = (float(x) for x in _python(FIXTURE).split())
    results["fixture_p50_ms"], results["fixture_p99_ms"] = p50 * 1000, p99 * 1000
    bench.log(f"testing: {tests} small tests with the plugin")
    results["plugin_suite_s"] = _suite(bench.work / "plugin", tests, "stemma", "")
    bench.log(f"testing: {sample} of them, each starting stemma serve")
    per_subprocess = _suite(bench.work / "subprocess", sample, "own_server", SUBPROCESS_CONFTEST)
    results["subprocess_per_test_s"] = per_subprocess / sample
    results["subprocess_suite_s"] = results["subprocess_per_test_s"] * tests
    results["speedup"] = results["subprocess_suite_s"] / results["plugin_suite_s"]
    bench.results["testing"] = results


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    return done.stdout


def _suite(folder: Path, count: int, fixture: str, conftest: str) -> float:
    """Write a project of ``count`` tests and time one pytest run of it, in seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    if conftest:
        (folder / "conftest.py").write_text(textwrap.dedent(conftest))
    body = "import boto3\n" + "".join(TEST_BODY.format(i=i, fixture=fixture) for i in range(count))
    (folder / "test_small.py").write_text(body)
    begin = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(folder)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    return time.perf_counter() - begin
