"""Pre-signed raw HTTP requests, signed by botocore exactly as boto3 signs them.

SigV4 signatures carry their time, so a file of requests stays valid for the server's clock-skew
window (5 minutes); the harness signs right before each run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY_ID = "AKIDSTEMMABENCH"
SECRET_ACCESS_KEY = "stemma-bench-secret"
REGION = "us-east-1"


def raw_request(
    host: str,
    target: str,
    body: dict[str, Any],
    *,
    service: str = "sagemaker",
    sign: bool = True,
    key: tuple[str, str] = (ACCESS_KEY_ID, SECRET_ACCESS_KEY),
) -> bytes:
    """One complete HTTP/1.1 request, ready to write to a socket; ``key``: (id, secret)."""
    data = json.dumps(body, separators=(",", ":")).encode()
    headers = {
        "Host": host,
        "X-Amz-Target": target,
        "Content-Type": "application/x-amz-json-1.1",
    }
    if sign:
        request = AWSRequest(method="POST", url=f"http://{host}/", data=data, headers=headers)
        SigV4Auth(Credentials(*key), service, REGION).add_auth(request)
        headers = dict(request.headers.items())
    lines = ["POST / HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"Content-Length: {len(data)}", "", ""]
    return "\r\n".join(lines).encode() + data


def write_requests(path: Path, requests: Iterable[bytes]) -> int:
    """Write requests NUL-separated, for bench/replay.lua; returns how many."""
    count = 0
    with path.open("wb") as out:
        for request in requests:
            out.write(request)
            out.write(b"\0")
            count += 1
    return count


def raw_rest_request(
    host: str, method: str, path: str, body: dict[str, Any], *, service: str | None = "sagemaker"
) -> bytes:
    """A REST-JSON request (sagemaker-metrics, or with ``service=None`` an unsigned JSON call
    such as MLflow's REST API), ready to write to a socket."""
    data = json.dumps(body, separators=(",", ":")).encode()
    headers = {"Host": host, "Content-Type": "application/json"}
    if service is not None:
        request = AWSRequest(method=method, url=f"http://{host}{path}", data=data, headers=headers)
        SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), service, REGION).add_auth(request)
        headers = dict(request.headers.items())
    lines = [f"{method} {path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"Content-Length: {len(data)}", "", ""]
    return "\r\n".join(lines).encode() + data
