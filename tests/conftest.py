"""Fixtures that start a real ``stemma serve`` on a free port and drive it with real boto3.

The session-wide ``server`` is shared; each test gets its own region through ``sm`` (a region is
a separate namespace in stemma, as in SageMaker), so tests never see each other's entities.
Tests that need a private server (quotas, restarts, kill -9) use ``start_server``.

Every test that starts a server runs once per store backend (``backend``: ``sqlite`` and
``postgres``), so the whole API suite proves both stores. PostgreSQL servers get a fresh database
per data dir, created on the test server (``STEMMA_TEST_PG``, default the local one) and dropped
when the run ends. ``STEMMA_TEST_BACKENDS=sqlite`` limits a run to one backend.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

STARTUP_TIMEOUT = 30.0
BACKENDS = os.environ.get("STEMMA_TEST_BACKENDS", "sqlite,postgres").split(",")
PG_ADMIN_URL = os.environ.get("STEMMA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ACCESS_KEY_ID = "AKIDSTEMMATEST"
SECRET_ACCESS_KEY = "stemma-test-secret"


@dataclass
class Server:
    """A running ``stemma serve`` subprocess."""

    process: subprocess.Popen[str]
    url: str
    data_dir: Path
    log_path: Path
    db_url: str
    args: list[str] = field(default_factory=list)
    first_line: str = ""

    def log(self) -> str:
        return self.log_path.read_text()

    def client(self, region: str = "us-east-1", **config: Any) -> Any:
        return make_client(self.url, region, **config)

    def stop(self, sig: int | None = None) -> None:
        if self.process.poll() is None:
            if sig is None:
                self.process.terminate()
            else:
                self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def make_client(url: str, region: str = "us-east-1", **config: Any) -> Any:
    return boto3.client(
        "sagemaker",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=Config(**{"retries": {"max_attempts": 1, "mode": "standard"}, **config}),
    )


class Backend:
    """A store backend for test servers: ``db_url(data_dir)`` names the database a server on
    that data dir uses; on PostgreSQL each data dir gets a database of its own."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._databases: dict[Path, str] = {}
        self._prefix = f"stemma_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    def db_url(self, data_dir: Path) -> str:
        if self.name == "sqlite":
            return f"sqlite:///{data_dir / 'stemma.db'}"
        name = self._databases.get(data_dir)
        if name is None:
            name = f"{self._prefix}_{len(self._databases)}"
            _admin(f'CREATE DATABASE "{name}"')
            self._databases[data_dir] = name
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop_all(self) -> None:
        for name in self._databases.values():
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._databases.clear()


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement.encode())


SQLITE = Backend("sqlite")


def launch(
    data_dir: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    backend: Backend = SQLITE,
    preexec_fn: Callable[[], None] | None = None,
) -> Server:
    """Start ``stemma serve`` on a free port and wait for its start-up line; ``preexec_fn``
    runs in the child before it starts (to lower a resource limit, say)."""
    db_url = backend.db_url(data_dir)
    args = [sys.executable, "-m", "stemma", "serve", "--port", "0", "--data-dir", str(data_dir)]
    args.extend(["--db", db_url, *extra])
    if "--regions" not in extra:
        # Tests isolate themselves in random regions (the ``region`` fixture): allow any.
        args.extend(["--regions", "*"])
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STEMMA_")}
    # The root key every test client signs with (make_client); a test may override it.
    full_env["STEMMA_ROOT_ACCESS_KEY_ID"] = ACCESS_KEY_ID
    full_env["STEMMA_ROOT_SECRET_ACCESS_KEY"] = SECRET_ACCESS_KEY
    full_env.update(env or {})
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-{uuid.uuid4().hex[:6]}.log"
    # The server's output goes to a file: a pipe nobody reads would fill and stall the server.
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            args,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
            env=full_env,
            preexec_fn=preexec_fn,
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    line = ""
    while time.monotonic() < deadline:
        line = next((x for x in log_path.read_text().splitlines() if "listening on " in x), "")
        if line:
            break
        if process.poll() is not None:
            raise RuntimeError(f"stemma serve exited: {log_path.read_text()}")
        time.sleep(0.05)
    else:
        process.kill()
        process.wait()
        raise RuntimeError(f"stemma serve did not start: {log_path.read_text()}")
    url = line.split("listening on ", 1)[1].split()[0]
    server = Server(process, url, data_dir, log_path, db_url, list(extra), line.strip())
    _wait_healthy(server)
    return server


def _wait_healthy(server: Server) -> None:
    import urllib.request

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("stemma serve never became healthy")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The store backend under test; every server-using test runs once per backend."""
    chosen = Backend(request.param)
    yield chosen
    chosen.drop_all()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[Server]:
    running = launch(tmp_path_factory.mktemp(f"stemma-shared-{backend.name}"), backend=backend)
    yield running
    running.stop()


@pytest.fixture
def start_server(tmp_path: Path, backend: Backend) -> Iterator[Callable[..., Server]]:
    """Start private servers for one test; all are stopped afterwards."""
    started: list[Server] = []

    def start(*extra: str, data_dir: Path | None = None, **kw: Any) -> Server:
        kw.setdefault("backend", backend)
        running = launch(data_dir or tmp_path / f"data-{len(started)}", *extra, **kw)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def region() -> str:
    """A region of this test's own: an empty namespace on the shared server."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sm(server: Server, region: str) -> Any:
    """A real boto3 SageMaker client, pointed at the shared server, in a fresh region."""
    return server.client(region)


def unique(prefix: str = "n") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# A user's project, run as one by tests/testing/test_sample_project.py, never as part of this suite.
collect_ignore = ["sample_project"]
