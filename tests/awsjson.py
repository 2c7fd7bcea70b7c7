"""Raw AWS JSON 1.1 calls and the one assertion every error path shares.

The error shape stemma promises (spec §1.5, D1), checked by ``assert_error`` on raw responses and
by ``expect_error`` on boto3 calls:

- HTTP status (400 unless stated), ``Content-Type: application/x-amz-json-1.1``;
- header ``x-amzn-RequestId`` (a UUID), and ``X-Amzn-ErrorType`` equal to the code;
- body ``{"__type": <bare code>, "message": <text>}``, plus ``"Message"`` with the same text for
  the errors the service model declares (ResourceNotFound, ResourceLimitExceeded, ...), and only
  for those.

Raw requests are signed with SigV4 like botocore signs them, so the region comes from the
credential scope exactly as for a boto3 client, and the helpers keep working once stemma verifies
signatures.
"""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

CONTENT_TYPE = "application/x-amz-json-1.1"
MODELED = frozenset(
    {"ConflictException", "ResourceInUse", "ResourceLimitExceeded", "ResourceNotFound"}
)
ACCOUNT = "123456789012"
CREDENTIALS = Credentials("AKIDSTEMMATEST", "stemma-test-secret")


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # names lowercased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    url: str,
    target: str | None,
    body: bytes | str | dict[str, Any] = b"{}",
    *,
    region: str = "us-east-1",
    method: str = "POST",
    path: str = "/",
    headers: dict[str, str] | None = None,
    sign: bool = True,
) -> Response:
    """One request on a fresh connection; ``target`` None sends no ``X-Amz-Target``."""
    if isinstance(body, dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    if method == "GET":
        data = b""
    parts = urlsplit(url)
    all_headers = {"Content-Type": CONTENT_TYPE}
    if target is not None:
        all_headers["X-Amz-Target"] = target
    all_headers.update(headers or {})
    if sign:
        request = AWSRequest(method=method, url=f"{url}{path}", data=data, headers=all_headers)
        SigV4Auth(CREDENTIALS, "sagemaker", region).add_auth(request)
        all_headers = dict(request.headers.items())
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request(method, path, body=data or None, headers=all_headers)
        answer = conn.getresponse()
        payload = answer.read()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, payload)
    finally:
        conn.close()


def lineage(url: str, op: str, body: bytes | str | dict[str, Any] = b"{}", **kw: Any) -> Response:
    """A raw call to ``SageMaker.<op>``."""
    return call(url, f"SageMaker.{op}", body, **kw)


def assert_error(response: Response, code: str, status: int = 400) -> str:
    """Check the AWS error shape of a raw response; returns the message."""
    assert response.status == status, (response.status, response.body)
    assert response.headers.get("content-type") == CONTENT_TYPE
    uuid.UUID(response.headers["x-amzn-requestid"])
    assert response.headers.get("x-amzn-errortype") == code
    body = response.json()
    assert body["__type"] == code
    message = body["message"]
    assert isinstance(message, str)
    assert message
    if code in MODELED:
        assert body["Message"] == message
        assert set(body) == {"__type", "message", "Message"}
    else:
        assert set(body) == {"__type", "message"}
    return message


def expect_error(code: str, operation: Callable[..., Any], /, **params: Any) -> ClientError:
    """Call a boto3 operation that must fail with ``code``; checks what botocore parsed."""
    with pytest.raises(ClientError) as info:
        operation(**params)
    error = info.value
    response = error.response
    assert response["Error"]["Code"] == code, response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    uuid.UUID(response["ResponseMetadata"]["RequestId"])
    if code in MODELED:
        # botocore copies the modeled ``Message`` member to the top level.
        assert response["Message"] == response["Error"]["Message"]
    else:
        assert "Message" not in response
    return error


def message(error: ClientError) -> str:
    text: str = error.response["Error"]["Message"]
    return text


def error_message(code: str, operation: Callable[..., Any], /, **params: Any) -> str:
    """``expect_error``, for tests that go on to check only the message: returns it."""
    return message(expect_error(code, operation, **params))


def context_arn(region: str, name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:sagemaker:{region}:{ACCOUNT}:context/{name.lower()}"


def no_nulls(value: Any) -> bool:
    """True when no JSON ``null`` appears anywhere in ``value``."""
    if value is None:
        return False
    if isinstance(value, dict):
        return all(no_nulls(v) for v in value.values())
    if isinstance(value, list):
        return all(no_nulls(v) for v in value)
    return True
