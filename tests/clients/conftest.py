"""Fixtures for the real-client tests: a real ``stemma serve`` driven by heavy AWS clients.

These modules run in the client virtualenvs that ``scripts/test-clients`` builds (see README.md
here), not in the dev venv, so this file is self-contained: it imports nothing from
``tests/conftest.py`` and needs only pytest, boto3 and stemma itself. The script passes
``--confcutdir=tests/clients`` so that the parent conftest is not loaded at all.

Isolation works as in the main suite: one server per session, and a fresh region per test, since
a region is a separate namespace in stemma (as in SageMaker).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The shared test bodies of runs_sdk.py live outside test_*.py modules: have pytest explain their
# failed asserts too.
pytest.register_assert_rewrite("tests.clients.runs_sdk")

STARTUP_TIMEOUT = 30.0
ACCESS_KEY_ID = "AKIDSTEMMACLIENTS"
SECRET_ACCESS_KEY = "stemma-clients-secret"
ACCOUNT_ID = "123456789012"  # stemma's default account (reference D16)
DEFAULT_LINEAGE_GROUP = "lineage-group/sagemaker-default-lineage-group"
# Anything that reaches AWS by mistake (STS, S3, a client that ignored its endpoint) fails fast
# on this closed local port instead of hanging on DNS: there is no internet here.
DEAD_ENDPOINT = "http://127.0.0.1:9"

# The client venvs that scripts/test-clients builds carry this marker. Anywhere else (the dev
# venv, where ``scripts/test`` collects tests/ as a whole) the client modules are not collected,
# and the end of the run says so; STEMMA_CLIENT_TESTS=1 collects them anyway.
MARKER = Path(sys.prefix) / ".stemma-client-venv"
IN_CLIENT_VENV = MARKER.is_file() or os.environ.get("STEMMA_CLIENT_TESTS") == "1"
if not IN_CLIENT_VENV:
    collect_ignore_glob = ["test_*.py"]


def _isolate_environment() -> None:
    """Fix the clients' configuration before any test module imports them.

    The clients read it from the environment when imported or first used. Nothing from the
    developer's own AWS configuration may leak in.
    """
    for name in [n for n in os.environ if n.startswith(("AWS_", "SAGEMAKER_"))]:
        del os.environ[name]
    empty = Path(tempfile.mkdtemp(prefix="stemma-clients-aws-")) / "none"
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_ENDPOINT_URL": DEAD_ENDPOINT,
            # sagemaker<3 warns on import; the suite turns warnings into errors.
            "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
        }
    )


if IN_CLIENT_VENV:
    _isolate_environment()


def pytest_configure(config: pytest.Config) -> None:
    if not IN_CLIENT_VENV:
        return
    # Warnings that the client libraries raise from their own code, not stemma's concern. The
    # project's filterwarnings=error still applies to everything else.
    for line in (
        "ignore::DeprecationWarning:sagemaker.*",
        "ignore::DeprecationWarning:sagemaker_core.*",
        "ignore::DeprecationWarning:awscli.*",
        "ignore::DeprecationWarning:pydantic.*",
        "ignore::PendingDeprecationWarning:sagemaker.*",
    ):
        config.addinivalue_line("filterwarnings", line)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not IN_CLIENT_VENV:
        terminalreporter.write_line(
            "tests/clients: real-client modules not collected in this venv; "
            "run scripts/test-clients (see tests/clients/README.md)"
        )


@dataclass
class Server:
    """A running ``stemma serve`` subprocess."""

    process: subprocess.Popen[str]
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def launch(data_dir: Path, *extra: str) -> Server:
    """Start ``stemma serve`` from this venv on a free port and wait until it is healthy."""
    args = [sys.executable, "-m", "stemma", "serve", "--port", "0", "--data-dir", str(data_dir)]
    args += ["--regions", "*"]  # each test works in a made-up region of its own
    args.extend(extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEMMA_")}
    # stemma verifies SigV4 (D51): its root key is the one every client here signs with.
    env["STEMMA_ROOT_ACCESS_KEY_ID"] = ACCESS_KEY_ID
    env["STEMMA_ROOT_SECRET_ACCESS_KEY"] = SECRET_ACCESS_KEY
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-{uuid.uuid4().hex[:6]}.log"
    # Output goes to a file: a pipe nobody reads would fill and stall the server.
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            args, stdout=log_file, stderr=subprocess.STDOUT, text=True, env=env
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    line = ""
    while time.monotonic() < deadline:
        line = next((x for x in log_path.read_text().splitlines() if "listening on " in x), "")
        if line or process.poll() is not None:
            break
        time.sleep(0.05)
    if not line:
        process.kill()
        process.wait()
        raise RuntimeError(f"stemma serve did not start: {log_path.read_text()}")
    server = Server(process, line.split("listening on ", 1)[1].split()[0], log_path)
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"stemma serve never became healthy: {log_path.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = launch(tmp_path_factory.mktemp("stemma-clients"))
    yield running
    running.stop()


PG_ADMIN_URL = os.environ.get("STEMMA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = os.environ.get("STEMMA_TEST_BACKENDS", "sqlite,postgres").split(",")


@pytest.fixture(scope="module", params=BACKENDS)
def server_on_each_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server per store backend, for the modules whose flows must pass on both (a module
    takes it by defining ``server`` from it): SQLite, and a fresh PostgreSQL database that is
    dropped afterwards."""
    data_dir = tmp_path_factory.mktemp(f"stemma-clients-{request.param}")
    if request.param == "sqlite":
        running = launch(data_dir)
        yield running
        running.stop()
        return
    import psycopg

    name = f"stemma_clients_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    try:
        running = launch(data_dir, "--db", PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        yield running
        running.stop()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


@pytest.fixture
def region() -> str:
    """A region of this test's own: an empty namespace on the shared server."""
    return f"t{uuid.uuid4().hex[:12]}"


def boto_client(url: str, region: str) -> Any:
    """A plain boto3 client with an explicit ``endpoint_url``, to check what the clients did."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sagemaker",
        endpoint_url=url,
        region_name=region,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


@pytest.fixture
def sm(server: Server, region: str) -> Any:
    """A boto3 SageMaker client on the shared server, in this test's region."""
    return boto_client(server.url, region)


def unique(prefix: str = "n") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def arn(region: str, kind: str, name: str) -> str:
    """The canonical ARN stemma gives a context or action (name lowercased, reference §3.2)."""
    return f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{kind}/{name.lower()}"
