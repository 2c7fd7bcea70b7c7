"""The ``stemma`` command line: help, version, option errors, the start-up line and workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest

from stemma.settings import SETTINGS
from tests.awsjson import expect_error, lineage, message
from tests.concurrency import assert_exactly_one_admitted
from tests.conftest import Server

OPTIONS = ["--host", "--port", "--data-dir", "--db", "--workers", "--quota"]


def stemma(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STEMMA_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "stemma", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean,
    )


def test_version() -> None:
    result = stemma("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"stemma {version('stemma')}"


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "stemma"
    if not script.exists():
        pytest.skip("no console script next to this interpreter")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("stemma ")


def test_help_lists_the_commands() -> None:
    result = stemma("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout
    assert "migrate" in result.stdout


def test_serve_help_mentions_every_option() -> None:
    result = stemma("serve", "--help")
    assert result.returncode == 0
    for option in OPTIONS:
        assert option in result.stdout, option
    for setting in SETTINGS:
        assert setting.flag in result.stdout, setting.flag
        assert setting.env in result.stdout, setting.env


@pytest.mark.parametrize(
    "args",
    [
        ("--quota", "contexts=abc"),
        ("--quota", "bogus=3"),
        ("--quota", "contexts"),
        ("--quota", "contexts=-1"),
        ("--quota", "contexts=3", "--quota", "artifacts=lots"),
    ],
)
def test_bad_quota_exits_with_a_message(args: tuple[str, ...], tmp_path: Path) -> None:
    result = stemma("serve", "--port", "0", "--data-dir", str(tmp_path / "d"), *args)
    assert result.returncode != 0
    assert "quota" in result.stderr.lower()
    assert "listening on" not in result.stdout


@pytest.mark.parametrize(
    "args",
    [("--port", "eighty"), ("--workers", "two"), ("--account-id", "12345")],
)
def test_bad_values_exit_with_a_message(args: tuple[str, ...], tmp_path: Path) -> None:
    result = stemma("serve", "--port", "0", "--data-dir", str(tmp_path / "d"), *args)
    assert result.returncode != 0
    assert result.stderr.strip()
    assert "listening on" not in result.stdout


def test_bad_quota_in_the_environment_is_refused_too(tmp_path: Path) -> None:
    result = stemma(
        "serve", "--port", "0", "--data-dir", str(tmp_path / "d"), env={"STEMMA_QUOTA": "nope=1"}
    )
    assert result.returncode != 0
    assert "quota" in result.stderr.lower()


def test_busy_port_is_reported(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = stemma("serve", "--port", str(port), "--data-dir", str(tmp_path / "d"))
    assert result.returncode != 0
    assert str(port) in result.stderr


def test_startup_line_says_where_it_listens_and_where_data_is(server: Server) -> None:
    line = server.first_line
    assert f"listening on {server.url}" in line
    assert server.url.startswith("http://127.0.0.1:")
    assert f"(store {server.db_url}," in line  # the test database URLs carry no password


def test_db_option_places_the_database(start_server: Callable[..., Server], tmp_path: Path) -> None:
    db_path = tmp_path / "elsewhere" / "lineage.db"
    server = start_server("--db", f"sqlite:///{db_path}")
    assert str(db_path) in server.first_line
    sm = server.client(f"c{uuid.uuid4().hex[:8]}")
    sm.create_context(ContextName="placed", Source={"SourceUri": "u"}, ContextType="t")
    assert db_path.exists()


def test_migrate_applies_then_has_nothing_to_do(tmp_path: Path) -> None:
    data_dir = tmp_path / "m"
    first = stemma("migrate", "--data-dir", str(data_dir))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("applied ")
    assert not first.stdout.startswith("applied 0 ")
    second = stemma("migrate", "--data-dir", str(data_dir))
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().endswith("is up to date")


def test_quota_from_environment_and_flags_win(start_server: Callable[..., Server]) -> None:
    from_env = start_server(env={"STEMMA_QUOTA": "contexts=1"})
    sm = from_env.client(f"c{uuid.uuid4().hex[:8]}")
    sm.create_context(ContextName="one", Source={"SourceUri": "u"}, ContextType="t")
    error = expect_error(
        "ResourceLimitExceeded",
        sm.create_context,
        ContextName="two",
        Source={"SourceUri": "u"},
        ContextType="t",
    )
    assert " is 1 Contexts," in message(error)

    flagged = start_server("--quota", "contexts=2", env={"STEMMA_QUOTA": "contexts=1"})
    sm = flagged.client(f"c{uuid.uuid4().hex[:8]}")
    for name in ("one", "two"):
        sm.create_context(ContextName=name, Source={"SourceUri": "u"}, ContextType="t")
    with pytest.raises(sm.exceptions.ResourceLimitExceeded):
        sm.create_context(ContextName="three", Source={"SourceUri": "u"}, ContextType="t")


def test_account_id_option(start_server: Callable[..., Server]) -> None:
    server = start_server("--account-id", "111122223333")
    assert "111122223333" in server.first_line
    region = f"c{uuid.uuid4().hex[:8]}"
    sm = server.client(region)
    arn = sm.create_context(ContextName="Acct", Source={"SourceUri": "u"}, ContextType="t")[
        "ContextArn"
    ]
    assert arn == f"arn:aws:sagemaker:{region}:111122223333:context/acct"


def test_two_workers_serve_requests(start_server: Callable[..., Server]) -> None:
    server = start_server("--workers", "2")
    assert "2 workers" in server.first_line
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    if children.exists():
        assert len(children.read_text().split()) >= 2
    region = f"c{uuid.uuid4().hex[:8]}"
    # Raw calls open a new connection each, so the requests spread over both workers.
    for i in range(12):
        body = {"ContextName": f"w{i:02d}", "Source": {"SourceUri": "u"}, "ContextType": "t"}
        assert lineage(server.url, "CreateContext", body, region=region).status == 200
    names: list[str] = []
    request: dict[str, object] = {"MaxResults": 1, "SortBy": "Name", "SortOrder": "Ascending"}
    for _ in range(20):
        page = lineage(server.url, "ListContexts", request, region=region).json()
        names.extend(s["ContextName"] for s in page["ContextSummaries"])
        if "NextToken" not in page:
            break
        request["NextToken"] = page["NextToken"]  # accepted by whichever worker gets it
    assert names == [f"w{i:02d}" for i in range(12)]
    # Uniqueness holds across processes, not just across threads.
    assert_exactly_one_admitted(server, ["Twin", "twin", "TWIN", "tWiN", "TwIn", "twiN"])
