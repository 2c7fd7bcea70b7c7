"""Starting and stopping the servers under test, and reading their memory use."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.signed import ACCESS_KEY_ID, SECRET_ACCESS_KEY

ROOT = Path(__file__).resolve().parent.parent
MOTO_VENV = ROOT / ".venv-bench-moto"
MLFLOW_VENV = ROOT / ".venv-mlflow"


@dataclass
class Running:
    name: str
    process: subprocess.Popen[bytes]
    port: int

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes."""
        return sum(_rss_kb(pid) for pid in [self.process.pid, *_children(self.process.pid)]) / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, if only with an error
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


def stemma(data_dir: Path, *args: str, db: str | None = None) -> Running:
    port = free_port()
    env = {
        **os.environ,
        "STEMMA_ROOT_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "STEMMA_ROOT_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    }
    command = [sys.executable, "-m", "stemma", "serve", "--port", str(port)]
    command += ["--data-dir", str(data_dir), "--log-level", "warning"]
    command += ["--quota", "contexts=unlimited", "--quota", "artifacts=unlimited"]
    command += ["--quota", "actions=unlimited", "--quota", "associations=unlimited"]
    if db:
        command += ["--db", db]
    process = subprocess.Popen([*command, *args], env=env, stdout=subprocess.DEVNULL)
    _wait(port)
    return Running("stemma", process, port)


def bare() -> Running:
    port = free_port()
    command = [sys.executable, "-m", "bench.bare", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _wait(port)
    return Running("bare-asgi", process, port)


def ensure_moto() -> Path:
    """moto's server in a virtualenv of its own (built once), kept out of stemma's."""
    executable = MOTO_VENV / "bin" / "moto_server"
    if not executable.exists():
        print("bench: installing moto[server] into .venv-bench-moto (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(MOTO_VENV)], check=True)
        pip = [str(MOTO_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "moto[server]>=5"], check=True)
    return executable


def moto() -> Running:
    port = free_port()
    process = subprocess.Popen(
        [str(ensure_moto()), "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait(port, "/moto-api/")
    return Running("moto", process, port)


def ensure_mlflow() -> Path:
    """MLflow's tracking server in a virtualenv of its own (built once from PyPI), kept out of
    stemma's dependencies; returns the virtualenv's python."""
    python = MLFLOW_VENV / "bin" / "python"
    if not (MLFLOW_VENV / "bin" / "mlflow").exists():
        print("bench: installing mlflow into .venv-mlflow (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(MLFLOW_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "mlflow"], check=True)
    return python


def mlflow_version() -> str:
    out = subprocess.run(
        [str(ensure_mlflow()), "-c", "import mlflow; print(mlflow.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def mlflow(db_path: Path, artifacts: Path) -> Running:
    """``mlflow server`` on a SQLite backend, one worker process."""
    ensure_mlflow()
    port = free_port()
    command = [str(MLFLOW_VENV / "bin" / "mlflow"), "server", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1"]
    command += ["--backend-store-uri", f"sqlite:///{db_path}"]
    command += ["--default-artifact-root", artifacts.as_uri()]
    # Without MLflow 3's background job runner (a process and several huey consumers that serve
    # no tracking request): the server is its one uvicorn worker, as stemma is one process.
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait(port, "/health", timeout=180)
    return Running("mlflow", process, port)


def database_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = [int(p) for p in text.split()]
    return found + [grand for child in found for grand in _children(child)]


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def have(program: str) -> bool:
    return shutil.which(program) is not None
