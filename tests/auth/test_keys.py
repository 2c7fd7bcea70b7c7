"""Root credentials, ``stemma keys create|list|delete``, and secrets at rest (§8.1, D51).

A root key comes from the environment or flags, or is generated on first start, saved (0600)
and printed once with a boto3 snippet. Further keys, each bound to an account, are made with
``stemma keys``. Secrets are stored sealed: the database alone yields no usable credential.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import shutil
import stat
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.auth.support import (
    OTHER_ACCOUNT,
    ROOT,
    ROOT_ACCOUNT,
    UNRECOGNIZED,
    accepted,
    client,
    create_key,
    error_code,
    eventually,
    stemma,
)
from tests.conftest import SQLITE, Backend, Server, launch, unique

NO_ROOT = {"STEMMA_ROOT_ACCESS_KEY_ID": "", "STEMMA_ROOT_SECRET_ACCESS_KEY": ""}
GENERATED_ACCOUNT = "333344445555"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def new_context_arn(sm: Any) -> str:
    arn: str = sm.create_context(
        ContextName=unique("ctx"), Source={"SourceUri": "s3://b/k"}, ContextType="T"
    )["ContextArn"]
    return arn


def rejected_as_unknown(url: str, credentials: Credentials | dict[str, str]) -> None:
    with pytest.raises(ClientError) as info:
        client(url, credentials).list_contexts()
    assert error_code(info.value) == "UnrecognizedClientException"
    assert info.value.response["Error"]["Message"] == UNRECOGNIZED


# -- the root key ------------------------------------------------------------------------------


def test_generated_root_key_is_printed_once_saved_privately_and_works(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    data_dir = tmp_path / "generated"
    server = start_server("--account-id", GENERATED_ACCOUNT, data_dir=data_dir, env=NO_ROOT)
    log = server.log()
    assert "Generated a root access key" in log
    key_id = re.search(r"AccessKeyId:\s+(\S+)", log)
    secret = re.search(r"SecretAccessKey:\s+(\S+)", log)
    assert key_id is not None
    assert secret is not None
    assert log.count(secret.group(1)) == 2  # the listing and the snippet, nothing else

    saved = data_dir / "root-credentials.json"
    assert mode(saved) == 0o600
    assert json.loads(saved.read_text()) == {
        "AccessKeyId": key_id.group(1),
        "SecretAccessKey": secret.group(1),
        "AccountId": GENERATED_ACCOUNT,
    }
    assert mode(data_dir / "master.key") == 0o600

    # The printed boto3 snippet runs as printed.
    snippet = log[log.index("import boto3") :].split("\n\n")[0]
    assert server.url in snippet
    namespace: dict[str, Any] = {}
    exec(textwrap.dedent(snippet), namespace)
    sm = namespace["sm"]
    arn = new_context_arn(sm)
    assert arn.startswith(f"arn:aws:sagemaker:us-east-1:{GENERATED_ACCOUNT}:context/")

    # The test suite's usual key is not configured here, so it is unknown.
    rejected_as_unknown(server.url, ROOT)

    # A restart reuses the saved key silently.
    server.stop()
    again = start_server("--account-id", GENERATED_ACCOUNT, data_dir=data_dir, env=NO_ROOT)
    relog = again.log()
    assert "Generated" not in relog
    assert secret.group(1) not in relog
    generated = Credentials(key_id.group(1), secret.group(1))
    assert accepted(again.url, generated)
    assert client(again.url, generated).describe_context(ContextName=arn)["ContextArn"] == arn


def test_root_key_from_the_environment(start_server: Callable[..., Server], tmp_path: Path) -> None:
    pair = Credentials("AKIDFROMENVIRON", "from-the-environment-secret")
    data_dir = tmp_path / "env"
    server = start_server(
        data_dir=data_dir,
        env={
            "STEMMA_ROOT_ACCESS_KEY_ID": pair.access_key,
            "STEMMA_ROOT_SECRET_ACCESS_KEY": pair.secret_key,
        },
    )
    assert "Generated" not in server.log()
    assert not (data_dir / "root-credentials.json").exists()
    assert new_context_arn(client(server.url, pair)).split(":")[4] == ROOT_ACCOUNT
    with pytest.raises(ClientError) as info:
        client(server.url, Credentials(pair.access_key, "another-secret")).list_contexts()
    assert error_code(info.value) == "InvalidSignatureException"
    rejected_as_unknown(server.url, ROOT)


def test_root_key_from_flags(start_server: Callable[..., Server], tmp_path: Path) -> None:
    pair = Credentials("AKIDFROMFLAGS", "from-the-flags-secret")
    data_dir = tmp_path / "flags"
    server = start_server(
        "--root-access-key-id",
        pair.access_key,
        "--root-secret-access-key",
        pair.secret_key,
        "--account-id",
        GENERATED_ACCOUNT,
        data_dir=data_dir,
        env=NO_ROOT,
    )
    assert "Generated" not in server.log()
    assert pair.secret_key not in server.log()
    assert not (data_dir / "root-credentials.json").exists()
    assert new_context_arn(client(server.url, pair)).split(":")[4] == GENERATED_ACCOUNT
    with pytest.raises(ClientError) as info:
        client(server.url, Credentials(pair.access_key, "another-secret")).list_contexts()
    assert error_code(info.value) == "InvalidSignatureException"


# -- stemma keys ---------------------------------------------------------------------------------


def keys(server: Server, *args: str) -> Any:
    return stemma("keys", *args, "--data-dir", str(server.data_dir), "--db", server.db_url)


def test_keys_create_list_and_delete_against_a_running_server(server: Server) -> None:
    created = create_key(server.data_dir, server.db_url, OTHER_ACCOUNT)
    assert created["AccountId"] == OTHER_ACCOUNT
    assert re.fullmatch(r"[A-Z0-9]{16,128}", created["AccessKeyId"])
    assert len(created["SecretAccessKey"]) >= 30
    assert created["SecretAccessKey"] != created["AccessKeyId"]

    # The server picks the new key up (unknown ids are cached for at most a few seconds).
    assert eventually(lambda: accepted(server.url, created))
    region = f"k{unique('r')[2:]}"
    arn = new_context_arn(client(server.url, created, region))
    assert arn.startswith(f"arn:aws:sagemaker:{region}:{OTHER_ACCOUNT}:context/")

    listing = keys(server, "list")
    assert listing.returncode == 0, listing.stderr
    rows = [line.split() for line in listing.stdout.splitlines()]
    assert [created["AccessKeyId"], OTHER_ACCOUNT, "user"] in rows
    assert [ROOT.access_key, ROOT_ACCOUNT, "root"] in rows
    assert created["SecretAccessKey"] not in listing.stdout
    assert ROOT.secret_key not in listing.stdout

    deleted = keys(server, "delete", created["AccessKeyId"])
    assert deleted.returncode == 0, deleted.stderr
    assert created["AccessKeyId"] in deleted.stdout
    assert eventually(lambda: not accepted(server.url, created))
    rejected_as_unknown(server.url, created)
    assert created["AccessKeyId"] not in keys(server, "list").stdout
    again = keys(server, "delete", created["AccessKeyId"])
    assert again.returncode == 1
    assert created["AccessKeyId"] in again.stderr
    assert accepted(server.url, ROOT)


def test_keys_create_refuses_a_bad_account_id(tmp_path: Path) -> None:
    data_dir = tmp_path / "bad"
    for account in ("12345", "1234567890123", "abcdefghijkl"):
        done = stemma("keys", "create", "--data-dir", str(data_dir), "--account-id", account)
        assert done.returncode != 0
        assert "12 digits" in done.stderr
        assert "SecretAccessKey" not in done.stdout
    listing = stemma("keys", "list", "--data-dir", str(data_dir))
    assert listing.returncode == 0
    assert listing.stdout.strip() == ""


def test_keys_made_before_the_server_starts_work_at_once(
    start_server: Callable[..., Server], backend: Backend, tmp_path: Path
) -> None:
    data_dir = tmp_path / "early"
    data_dir.mkdir()
    first = create_key(data_dir, backend.db_url(data_dir), OTHER_ACCOUNT)
    second = create_key(data_dir, backend.db_url(data_dir), "444455556666")
    assert first["AccessKeyId"] != second["AccessKeyId"]
    assert first["SecretAccessKey"] != second["SecretAccessKey"]
    server = start_server(data_dir=data_dir)
    assert new_context_arn(client(server.url, first)).split(":")[4] == OTHER_ACCOUNT
    assert new_context_arn(client(server.url, second)).split(":")[4] == "444455556666"
    # A key's secret is its own: another key's secret does not sign for it.
    swapped = Credentials(first["AccessKeyId"], second["SecretAccessKey"])
    with pytest.raises(ClientError) as info:
        client(server.url, swapped).list_contexts()
    assert error_code(info.value) == "InvalidSignatureException"


# -- secrets at rest ---------------------------------------------------------------------------


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[Server]:
    """A server on the SQLite store, whatever backend the run is parametrized with."""
    data_dir = tmp_path / "sqlite"
    data_dir.mkdir()
    running = launch(data_dir, backend=SQLITE)
    yield running
    running.stop()


def test_secrets_do_not_appear_in_the_sqlite_files(sqlite_server: Server) -> None:
    server = sqlite_server
    made = [create_key(server.data_dir, server.db_url, OTHER_ACCOUNT) for _ in range(2)]
    for credentials in made:
        assert eventually(functools.partial(accepted, server.url, credentials))
    secrets = [ROOT.secret_key, *(m["SecretAccessKey"] for m in made)]

    def database_bytes() -> bytes:
        db = server.data_dir / "stemma.db"
        files = [db, db.with_name("stemma.db-wal"), db.with_name("stemma.db-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())

    for moment in ("running", "stopped"):
        if moment == "stopped":
            server.stop()
        stored = database_bytes()
        # These are the files holding the keys: the ids are there ...
        for key_id in (ROOT.access_key, *(m["AccessKeyId"] for m in made)):
            assert key_id.encode() in stored, (moment, key_id)
        # ... and the secrets are not, in the database or anywhere else in the data dir.
        everything = stored + b"".join(
            p.read_bytes() for p in server.data_dir.rglob("*") if p.is_file()
        )
        for secret in secrets:
            assert secret.encode() not in everything, moment
            assert secret.encode("utf-16-le") not in everything, moment


def test_the_database_without_its_master_key_yields_no_usable_credential(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    original = start_server(data_dir=tmp_path / "original")
    made = create_key(original.data_dir, original.db_url, OTHER_ACCOUNT)
    assert eventually(lambda: accepted(original.url, made))
    original.stop()

    # The same database, served from a data dir without its master key: the server refuses to
    # start rather than serve with keys it cannot open.
    elsewhere = tmp_path / "elsewhere"
    with pytest.raises(RuntimeError, match="no master key"):
        start_server("--db", original.db_url, data_dir=elsewhere, env=NO_ROOT)
    # With another master key it refuses too, naming the mismatch.
    elsewhere.mkdir(exist_ok=True)
    (elsewhere / "master.key").write_text(base64.b64encode(b"x" * 32).decode())
    with pytest.raises(RuntimeError, match="master key does not match"):
        start_server("--db", original.db_url, data_dir=elsewhere, env=NO_ROOT)

    # With the master key as well, the same database serves the same keys again.
    shutil.copy(original.data_dir / "master.key", elsewhere / "master.key")
    restored = start_server("--db", original.db_url, data_dir=elsewhere, env=NO_ROOT)
    assert accepted(restored.url, made)
    assert accepted(restored.url, ROOT)
