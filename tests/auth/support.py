"""Shared helpers for the authentication and tenancy suites (reference §3.1, §8).

Requests are signed by botocore's own ``SigV4Auth`` (the signer every boto3 client uses), at a
chosen time and with chosen credentials, region and service, then sent byte for byte over a raw
socket so that a test controls every header (even ``Host``) and can change anything after
signing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.awsjson import CONTENT_TYPE, Response, assert_error
from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Server

ROOT = Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
ROOT_ACCOUNT = "123456789012"  # the default --account-id (D16)
OTHER_ACCOUNT = "222233334444"
AUTH_CODES = frozenset(
    {
        "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
        "InvalidSignatureException",
        "UnrecognizedClientException",
    }
)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
UNRECOGNIZED = "The security token included in the request is invalid."
AMZ_DATE = "%Y%m%dT%H%M%SZ"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Raw:
    """One HTTP request, exactly as it goes on the wire."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def with_header(self, name: str, value: str) -> Raw:
        """Replace every header called ``name`` (or add it)."""
        kept = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        return replace(self, headers=[*kept, (name, value)])

    def without_header(self, name: str) -> Raw:
        return replace(self, headers=[(k, v) for k, v in self.headers if k.lower() != name.lower()])

    def with_authorization(self, value: str) -> Raw:
        return self.with_header("Authorization", value)

    @property
    def authorization(self) -> str:
        value = self.header("Authorization")
        assert value is not None
        return value


def sign(
    url: str,
    target: str | None = "SageMaker.ListContexts",
    body: bytes | str | dict[str, Any] = b"{}",
    *,
    credentials: Credentials = ROOT,
    region: str = "us-east-1",
    service: str = "sagemaker",
    when: dt.datetime | None = None,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    path: str = "/",
) -> Raw:
    """A request signed by botocore's SigV4Auth, as a boto3 client would send it."""
    if isinstance(body, dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    all_headers = {"Content-Type": CONTENT_TYPE}
    if target is not None:
        all_headers["X-Amz-Target"] = target
    all_headers.update(headers or {})
    request = AWSRequest(method=method, url=f"{url}{path}", data=data, headers=all_headers)
    signer = SigV4Auth(credentials, service, region)
    if when is None:
        signer.add_auth(request)
    else:
        naive = when.astimezone(dt.UTC).replace(tzinfo=None)
        with mock.patch("botocore.auth.get_current_datetime", return_value=naive):
            signer.add_auth(request)
    host = urlsplit(url).netloc
    out = [("Host", host)] if "host" not in {k.lower() for k in request.headers} else []
    out.extend((k, v) for k, v in request.headers.items())
    return Raw(method, path, out, data)


def request_head(raw: Raw, content_length: int | None = None, close: bool = False) -> bytes:
    """The request line and headers of ``raw`` as sent on the wire, with a Content-Length of
    the body's size unless another is given (for requests whose body is cut short)."""
    lines = [f"{raw.method} {raw.path} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in raw.headers if k.lower() != "content-length"]
    length = len(raw.body) if content_length is None else content_length
    lines.append(f"Content-Length: {length}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def send(url: str, raw: Raw, timeout: float = 15.0) -> Response:
    """Send ``raw`` on a fresh connection exactly as given (plus Content-Length) and read the
    answer."""
    import http.client

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head = request_head(raw, close=True)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(head + raw.body)
        answer = http.client.HTTPResponse(sock, method=raw.method)
        answer.begin()
        payload = answer.read()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, payload)


def code_of(response: Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("__type") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def create_body(name: str) -> dict[str, Any]:
    """The members of a minimal CreateContext request for a context called ``name``."""
    return {"ContextName": name, "Source": {"SourceUri": "s3://b/k"}, "ContextType": "T"}


def exists(server: Server, region: str, name: str) -> bool:
    """True when the root account has a context called ``name`` in ``region``."""
    try:
        server.client(region).describe_context(ContextName=name)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFound"
        return False
    return True


def refused(server: Server, raw: Raw, code: str) -> str:
    """Send ``raw``, assert an AWS error of ``code`` in the shared shape; return its message."""
    return assert_error(send(server.url, raw), code)


def client(
    url: str,
    credentials: Credentials | dict[str, str],
    region: str = "us-east-1",
    *,
    attempts: int = 1,
    mode: str = "standard",
    verify: str | None = None,
) -> Any:
    """A boto3 SageMaker client signing with the given credentials, making at most
    ``attempts`` attempts per call (botocore's ``total_max_attempts``)."""
    if isinstance(credentials, dict):
        credentials = Credentials(credentials["AccessKeyId"], credentials["SecretAccessKey"])
    return boto3.client(
        "sagemaker",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
        verify=verify,
        config=Config(retries={"total_max_attempts": attempts, "mode": mode}),
    )


def stemma(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``stemma`` command with a clean STEMMA_* environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STEMMA_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "stemma", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean,
    )


def create_key(data_dir: Path, db: str, account: str = OTHER_ACCOUNT) -> dict[str, str]:
    """``stemma keys create`` against a data dir and database; returns the printed JSON."""
    done = stemma(
        "keys", "create", "--data-dir", str(data_dir), "--db", db, "--account-id", account
    )
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"AccessKeyId", "SecretAccessKey", "AccountId"}
    printed: dict[str, str] = json.loads(done.stdout)
    return printed


def eventually(check: Callable[[], bool], timeout: float = 8.0, step: float = 0.1) -> bool:
    """Poll ``check`` until it holds or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(step)


def accepted(url: str, credentials: Credentials | dict[str, str]) -> bool:
    """True when the server accepts a ListContexts signed with these credentials."""
    try:
        client(url, credentials).list_contexts()
    except ClientError:
        return False
    return True


def error_code(error: ClientError) -> str:
    code: str = error.response["Error"]["Code"]
    return code
