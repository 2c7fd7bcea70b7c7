"""Start-up and command-line mistakes end in a line or two naming the cause and the fix: exit 2
for the command line, 1 for the environment, never a traceback; nothing is served and no key
is generated before the server can serve."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from stemma.settings import QUOTA_NAMES
from tests.conftest import BACKENDS, PG_ADMIN_URL

NOBODY = 65534


def stemma(
    *args: str, env: dict[str, str] | None = None, as_nobody: bool = False, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STEMMA_")}
    clean.update(env or {})
    command = [sys.executable, "-m", "stemma", *args]
    if as_nobody and os.geteuid() == 0:  # root may write anywhere: drop to nobody
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to drop privileges")
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        command += [sys.executable, "-m", "stemma", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=clean, cwd="/"
    )


def assert_short_failure(result: subprocess.CompletedProcess[str], status: int) -> str:
    """The failure: ``status``, no traceback, one or two lines on stderr, nothing served."""
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2, result.stderr
    assert "listening on" not in output
    return result.stderr


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("99999", "--port must be between 0 and 65535, got 99999"),
        ("-1", "--port must be between 0 and 65535, got -1"),
        ("abc", "--port (or STEMMA_PORT): expected a whole number, got 'abc'"),
    ],
)
def test_bad_port_names_the_flag(value: str, words: str, tmp_path: Path) -> None:
    result = stemma("serve", "--data-dir", str(tmp_path), "--port", value)
    err = assert_short_failure(result, 2)
    assert words in err
    assert err.startswith("usage: stemma serve ")  # the serve usage, not the top level's
    assert not (tmp_path / "root-credentials.json").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--log-level", "loud"), "--log-level (or STEMMA_LOG_LEVEL): expected one of debug"),
        (("--db", "mysql://x/y"), "--db must be sqlite:///PATH or postgresql://"),
        (("--workers", "two"), "--workers (or STEMMA_WORKERS): expected a whole number"),
        (("--log-format", "xml"), "--log-format (or STEMMA_LOG_FORMAT): expected one of"),
        (("--bogus",), "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_are_usage_errors(args: tuple[str, ...], words: str, tmp_path: Path) -> None:
    err = assert_short_failure(stemma("serve", "--data-dir", str(tmp_path), *args), 2)
    assert words in err
    assert err.startswith("usage: stemma serve ")


def test_bad_value_in_the_environment_names_the_variable(tmp_path: Path) -> None:
    result = stemma("serve", "--data-dir", str(tmp_path), env={"STEMMA_PORT": "http"})
    assert "STEMMA_PORT" in assert_short_failure(result, 2)


def test_missing_tls_files_fail_before_anything_is_served(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    result = stemma(
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(data_dir),
        "--tls-cert",
        "/nonexistent.pem",
        "--tls-key",
        "/nonexistent.pem",
    )
    err = assert_short_failure(result, 1)
    assert "/nonexistent.pem" in err and "No such file" in err and "--tls-cert" in err
    assert "root access key" not in result.stdout.lower()
    assert not (data_dir / "root-credentials.json").exists()


def test_unwritable_data_dir(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    tmp_path.chmod(0o755)
    result = stemma("serve", "--port", "0", "--data-dir", str(locked / "data"), as_nobody=True)
    err = assert_short_failure(result, 1)
    assert str(locked / "data") in err and "Permission denied" in err and "--data-dir" in err


def test_unwritable_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    tmp_path.chmod(0o755)
    env = {"HOME": str(home), "XDG_DATA_HOME": ""}
    result = stemma("serve", "--port", "0", env=env, as_nobody=True)
    err = assert_short_failure(result, 1)
    assert str(home) in err and "Permission denied" in err and "--data-dir" in err


def test_migrate_into_an_unwritable_data_dir(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    tmp_path.chmod(0o755)
    result = stemma("migrate", "--data-dir", str(locked / "data"), as_nobody=True)
    assert "Permission denied" in assert_short_failure(result, 1)


def test_busy_port_names_the_fix(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = str(busy.getsockname()[1])
        result = stemma("serve", "--port", port, "--data-dir", str(tmp_path))
    err = assert_short_failure(result, 1)
    assert f"127.0.0.1:{port}" in err and "--port" in err
    assert not (tmp_path / "root-credentials.json").exists()


def test_debug_logging_adds_the_traceback(tmp_path: Path) -> None:
    result = stemma(
        "serve",
        "--log-level",
        "debug",
        "--data-dir",
        str(tmp_path),
        "--tls-cert",
        "/nonexistent.pem",
        "--tls-key",
        "/nonexistent.pem",
    )
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_quota_default_in_help_is_not_cut_mid_word() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stemma", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "50"},
    )
    assert result.returncode == 0
    words = set(re.findall(r"[a-z_]+", result.stdout))
    for name in QUOTA_NAMES:
        assert name in words, name


def test_keys_delete_says_the_key_works_a_while_longer(tmp_path: Path) -> None:
    created = stemma("keys", "create", "--account-id", "222233334444", "--data-dir", str(tmp_path))
    assert created.returncode == 0, created.stderr
    key_id = created.stdout.split('"AccessKeyId": "')[1].split('"')[0]
    deleted = stemma("keys", "delete", key_id, "--data-dir", str(tmp_path))
    assert deleted.returncode == 0, deleted.stderr
    assert "up to 5 s" in deleted.stdout


def test_keys_bad_option_prints_the_keys_usage(tmp_path: Path) -> None:
    err = assert_short_failure(stemma("keys", "list", "--data-dir", str(tmp_path), "--x"), 2)
    assert err.startswith("usage: stemma keys list")


pg = pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL tests disabled")


def _pg_url(database: str, user: str = "postgres") -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return base.replace("postgres@", f"{user}@", 1) + f"/{database}"


@pg
@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_missing_postgres_database_fails_at_once(command: str, tmp_path: Path) -> None:
    missing = f"stemma_missing_{uuid.uuid4().hex[:8]}"
    args = ["--db", _pg_url(missing), "--data-dir", str(tmp_path)]
    if command == "serve":
        args += ["--port", "0"]
    began = time.monotonic()
    result = stemma(command, *args)
    assert time.monotonic() - began < 8  # no 10 s of retries: waiting cannot create it
    err = assert_short_failure(result, 1)
    assert f'database "{missing}" does not exist' in err
    assert "createdb" in err


@pg
def test_refused_postgres_role_fails_at_once(tmp_path: Path) -> None:
    url = _pg_url("postgres", user=f"nobody_{uuid.uuid4().hex[:6]}")
    began = time.monotonic()
    result = stemma("serve", "--port", "0", "--db", url, "--data-dir", str(tmp_path))
    assert time.monotonic() - began < 8
    err = assert_short_failure(result, 1)
    assert "does not exist" in err and "user or password" in err


def test_postgres_that_is_down_is_retried_with_a_countdown(tmp_path: Path) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # closed again: nothing listens there
    url = f"postgresql://postgres@127.0.0.1:{port}/x"
    result = stemma("migrate", "--db", url, "--data-dir", str(tmp_path), timeout=90)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    countdown = re.findall(r"retrying, giving up in (\d+) s", result.stderr)
    assert len(countdown) >= 3 and int(countdown[0]) > int(countdown[-1])
    assert result.stderr.strip().splitlines()[-2].startswith("stemma: cannot connect to ")
    assert "start PostgreSQL" in result.stderr


@pg
def test_postgres_server_checks_where_its_root_key_goes(tmp_path: Path) -> None:
    """With the master key in the environment a PostgreSQL server writes to the data dir only
    its generated root key: that is checked before a key is made in the database."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    tmp_path.chmod(0o755)
    env = {"STEMMA_MASTER_KEY": "A" * 43 + "="}
    url = _pg_url(f"stemma_nodb_{uuid.uuid4().hex[:8]}")  # never reached
    args = ("serve", "--port", "0", "--db", url, "--data-dir", str(locked / "d"))
    err = assert_short_failure(stemma(*args, env=env, as_nobody=True), 1)
    assert "Permission denied" in err and "--data-dir" in err
