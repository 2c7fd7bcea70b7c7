"""Safe defaults and request hygiene: loopback by default, a loud warning when a generated key
is served beyond the machine, HTTPS, --no-auth, body and header limits, and the per-key rate
limit answered as AWS throttles (§7.3, D50, D51). Bounded request time is tested with the
protocol that bounds it, in tests/test_http_protocol.py."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, SSLError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from stemma.settings import Settings
from tests.auth.support import (
    OTHER_ACCOUNT,
    ROOT,
    client,
    create_key,
    error_code,
    send,
    sign,
)
from tests.awsjson import assert_error
from tests.conftest import Backend, Server, unique

NO_ROOT = {"STEMMA_ROOT_ACCESS_KEY_ID": "", "STEMMA_ROOT_SECRET_ACCESS_KEY": ""}


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def non_loopback_address() -> str | None:
    """An IPv4 address of this machine other than loopback, if it has one."""
    candidates: set[str] = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            candidates.add(str(info[4][0]))
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            candidates.add(probe.getsockname()[0])
    except OSError:
        pass
    usable = sorted(a for a in candidates if not ipaddress.ip_address(a).is_loopback)
    return usable[0] if usable else None


# -- where it listens --------------------------------------------------------------------------


def test_listens_on_loopback_by_default(server: Server) -> None:
    assert Settings().host == "127.0.0.1"
    assert "--host" not in server.args
    assert server.url.startswith("http://127.0.0.1:")
    address = non_loopback_address()
    if address is not None:
        with pytest.raises(OSError):
            socket.create_connection((address, port_of(server)), timeout=2).close()


def test_binding_beyond_loopback_with_a_generated_key_warns_loudly(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    data_dir = tmp_path / "exposed"
    for start in ("first", "restart"):  # generated now, then generated earlier: both warn
        server = start_server("--host", "0.0.0.0", data_dir=data_dir, env=NO_ROOT)
        assert server.url.startswith("http://0.0.0.0:")
        warnings = [
            line for line in server.log().splitlines() if "WARNING" in line and "0.0.0.0" in line
        ]
        assert warnings, (start, server.log())
        assert "generated root key" in warnings[0]
        assert "--tls-cert" in warnings[0]
        server.stop()


# -- HTTPS -------------------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stemma test 127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def failure_code(operation: Callable[[], Any]) -> str:
    """The error code of a call that must fail. The error is not kept: it holds the response,
    and with it a TLS connection that would delay the server's shutdown."""
    try:
        operation()
    except ClientError as error:
        return error_code(error)
    raise AssertionError("the call succeeded")


def test_tls_serves_https_that_boto3_verifies_against_the_certificate(
    start_server: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed(tmp_path)
    # The fixture's health check uses urllib, which honours SSL_CERT_FILE.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server = start_server("--tls-cert", str(cert), "--tls-key", str(key))
    monkeypatch.delenv("SSL_CERT_FILE")
    assert server.url.startswith("https://127.0.0.1:")

    sm = client(server.url, ROOT, "eu-west-1", verify=str(cert))
    name = unique("tls")
    arn = sm.create_context(ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="T")[
        "ContextArn"
    ]
    assert sm.describe_context(ContextName=name)["ContextArn"] == arn

    sm.close()  # an idle keep-alive TLS connection would hold up the server's shutdown

    # Without the certificate, the client refuses the server ...
    unverified = client(server.url, ROOT, "eu-west-1")
    with pytest.raises(SSLError):
        unverified.list_contexts()
    unverified.close()
    # ... and signatures are still checked over TLS.
    forger = client(server.url, Credentials(ROOT.access_key, "wrong"), verify=str(cert))
    assert failure_code(forger.list_contexts) == "InvalidSignatureException"
    forger.close()

    # Plain HTTP on the TLS port gets no lineage answer.
    plain = f"http://127.0.0.1:{port_of(server)}"
    try:
        status: int | None = send(plain, sign(plain), timeout=5).status
    except (OSError, ValueError):
        status = None
    assert status != 200

    context = ssl.create_default_context(cafile=str(cert))
    with (
        socket.create_connection(("127.0.0.1", port_of(server)), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


# -- limits -----------------------------------------------------------------------------------


def test_body_over_the_limit_gets_an_aws_shaped_413(server: Server) -> None:
    limit = 1024 * 1024
    exact = b"{}" + b" " * (limit - 2)
    assert send(server.url, sign(server.url, body=exact)).status == 200
    over = exact + b" "
    response = send(server.url, sign(server.url, body=over))
    text = assert_error(response, "RequestEntityTooLargeException", 413)
    assert str(limit) in text


def test_a_configured_body_limit_is_what_boto3_runs_into(
    start_server: Callable[..., Server],
) -> None:
    server = start_server("--max-body", "4096")
    sm = client(server.url, ROOT)
    with pytest.raises(ClientError) as info:
        sm.create_context(
            ContextName="big",
            Source={"SourceUri": "s3://b/k"},
            ContextType="T",
            Properties={f"k{i}": "v" * 200 for i in range(25)},
        )
    assert error_code(info.value) == "RequestEntityTooLargeException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    with pytest.raises(ClientError):
        sm.describe_context(ContextName="big")
    sm.create_context(ContextName="small", Source={"SourceUri": "s3://b/k"}, ContextType="T")


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Padding": "p" * (17 * 1024)},
        {f"X-Padding-{i}": "p" * 1024 for i in range(17)},
    ],
    ids=["one-large-header", "many-headers"],
)
def test_headers_over_16_kib_get_431(server: Server, headers: dict[str, str]) -> None:
    response = send(server.url, sign(server.url, headers=headers))
    assert_error(response, "RequestHeaderFieldsTooLarge", 431)


def test_headers_under_16_kib_are_served(server: Server) -> None:
    headers = {f"X-Padding-{i}": "p" * 1000 for i in range(14)}
    assert send(server.url, sign(server.url, headers=headers)).status == 200


# -- rate limit --------------------------------------------------------------------------------


@pytest.fixture
def limited(
    start_server: Callable[..., Server], backend: Backend, tmp_path: Path
) -> tuple[Server, dict[str, str]]:
    data_dir = tmp_path / "limited"
    data_dir.mkdir()
    other = create_key(data_dir, backend.db_url(data_dir), OTHER_ACCOUNT)
    return start_server("--rate-limit", "5", data_dir=data_dir), other


def exhaust(sm: Any) -> ClientError:
    """Call until throttled; returns the throttling error."""
    for _ in range(50):
        try:
            sm.list_contexts()
        except ClientError as error:
            return error
    raise AssertionError("50 rapid calls were never throttled at --rate-limit 5")


def test_over_the_rate_boto3_without_retries_sees_throttling_exception(
    limited: tuple[Server, dict[str, str]],
) -> None:
    server, other = limited
    once = client(server.url, ROOT, attempts=1)
    error = exhaust(once)
    response = error.response
    assert response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["ResponseMetadata"]["RetryAttempts"] == 0

    # A throttled write does nothing.
    name = unique("throttled")
    exhaust(once)
    with pytest.raises(ClientError) as info:
        once.create_context(ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="T")
    assert error_code(info.value) == "ThrottlingException"

    # The limit is per access key: another key is not throttled meanwhile.
    exhaust(once)
    assert client(server.url, other).list_contexts()["ContextSummaries"] == []

    time.sleep(0.5)
    with pytest.raises(ClientError) as missing:
        once.describe_context(ContextName=name)
    assert error_code(missing.value) == "ResourceNotFound"


def test_throttling_is_an_aws_shaped_400_on_the_wire(
    limited: tuple[Server, dict[str, str]],
) -> None:
    server, _ = limited
    responses = [send(server.url, sign(server.url)) for _ in range(30)]
    throttled = [r for r in responses if r.status != 200]
    assert throttled
    assert assert_error(throttled[0], "ThrottlingException") == "Rate exceeded"
    assert throttled[0].json() == {"__type": "ThrottlingException", "message": "Rate exceeded"}


@pytest.mark.parametrize("mode", ["standard", "legacy"])
def test_boto3_with_retries_is_throttled_then_succeeds(
    limited: tuple[Server, dict[str, str]], mode: str
) -> None:
    server, _ = limited
    patient = client(server.url, ROOT, attempts=10, mode=mode)
    names = [f"rate-{uuid.uuid4().hex[:6]}-{i}" for i in range(9)]
    retried = 0
    for name in names:
        response = patient.create_context(
            ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="T"
        )
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
        retried += response["ResponseMetadata"]["RetryAttempts"]
    assert retried > 0  # some calls were throttled and retried, and every call succeeded
    listed = patient.list_contexts(MaxResults=100)["ContextSummaries"]
    assert {c["ContextName"] for c in listed} >= set(names)
