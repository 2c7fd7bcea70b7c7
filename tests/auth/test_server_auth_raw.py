"""Each SigV4 failure class, sent as a hand-built raw request to a real ``stemma serve`` (§8).

Kept apart from tests/auth/test_server_auth.py (real clients, every operation, every mutation):
here each test signs a request with botocore's ``SigV4Auth``, changes one thing by hand (body,
a header, the date, the credential scope, an Authorization component) or leaves it unsigned,
and sends it byte for byte. Each answer is checked with the shared AWS error-shape assertion,
and a refused write is shown to have done nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest
from botocore.credentials import Credentials

from tests.auth.mutations import join_authorization, split_authorization
from tests.auth.support import (
    MISMATCH,
    UNRECOGNIZED,
    Raw,
    create_body,
    exists,
    refused,
    send,
    sign,
    utcnow,
)
from tests.awsjson import assert_error, call
from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Server, unique


def with_fields(raw: Raw, **changes: str | None) -> Raw:
    algorithm, fields = split_authorization(raw.authorization)
    for name, value in changes.items():
        if value is None:
            del fields[name]
        else:
            fields[name] = value
    return raw.with_authorization(join_authorization(algorithm, fields))


def scope(raw: Raw) -> list[str]:
    return split_authorization(raw.authorization)[1]["Credential"].split("/")


# -- each failure class, on raw requests -------------------------------------------------------


def test_unsigned_request(server: Server, region: str) -> None:
    name = unique("unsigned")
    response = call(server.url, "SageMaker.CreateContext", create_body(name), sign=False)
    assert response.status == 400
    message = assert_error(response, "MissingAuthenticationTokenException")
    assert message == "Request is missing Authentication Token"
    assert not exists(server, "us-east-1", name)


def test_wrong_secret(server: Server) -> None:
    raw = sign(server.url, credentials=Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY + "!"))
    assert refused(server, raw, "InvalidSignatureException") == MISMATCH


def test_unknown_key(server: Server) -> None:
    raw = sign(server.url, credentials=Credentials("AKIDUNKNOWN", SECRET_ACCESS_KEY))
    assert refused(server, raw, "UnrecognizedClientException") == UNRECOGNIZED


def test_body_changed_after_signing_is_refused_and_does_nothing(
    server: Server, region: str
) -> None:
    signed_name, sent_name = unique("signed"), unique("sentxx")
    assert len(signed_name) == len(sent_name)
    raw = sign(server.url, "SageMaker.CreateContext", create_body(signed_name), region=region)
    swapped = replace(raw, body=raw.body.replace(signed_name.encode(), sent_name.encode()))
    assert refused(server, swapped, "InvalidSignatureException") == MISMATCH
    assert not exists(server, region, signed_name)
    assert not exists(server, region, sent_name)


def test_unsigned_payload_is_refused(server: Server, region: str) -> None:
    name = unique("ctx")
    raw = sign(
        server.url,
        "SageMaker.CreateContext",
        create_body(name),
        region=region,
        headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
    )
    assert refused(server, raw, "InvalidSignatureException") == MISMATCH
    assert not exists(server, region, name)


def test_header_changed_after_signing_is_refused_and_does_nothing(
    server: Server, region: str
) -> None:
    name = unique("keep")
    server.client(region).create_context(
        ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="T"
    )
    raw = sign(server.url, "SageMaker.DescribeContext", {"ContextName": name}, region=region)
    assert send(server.url, raw).status == 200
    hijacked = raw.with_header("X-Amz-Target", "SageMaker.DeleteContext")
    assert refused(server, hijacked, "InvalidSignatureException") == MISMATCH
    assert exists(server, region, name)
    assert refused(
        server, raw.with_header("Content-Type", "text/plain"), "InvalidSignatureException"
    )


def test_signed_header_missing_from_the_request(server: Server) -> None:
    raw = sign(server.url).without_header("Content-Type")
    assert refused(server, raw, "InvalidSignatureException") == MISMATCH


def test_date_twenty_minutes_old(server: Server) -> None:
    raw = sign(server.url, when=utcnow() - dt.timedelta(minutes=20))
    message = refused(server, raw, "InvalidSignatureException")
    stamp = raw.header("X-Amz-Date")
    assert message.startswith(f"Signature expired: {stamp} is now earlier than ")
    assert message.endswith(" - 5 min.)")


def test_date_twenty_minutes_ahead(server: Server) -> None:
    raw = sign(server.url, when=utcnow() + dt.timedelta(minutes=20))
    message = refused(server, raw, "InvalidSignatureException")
    stamp = raw.header("X-Amz-Date")
    assert message.startswith(f"Signature not yet current: {stamp} is still later than ")
    assert message.endswith(" + 5 min.)")


def test_wrong_service_in_the_scope(server: Server) -> None:
    raw = sign(server.url, service="sts")
    assert refused(server, raw, "InvalidSignatureException") == (
        "Credential should be scoped to correct service: 'sagemaker'. "
    )


def test_signature_for_one_region_with_a_scope_claiming_another(server: Server) -> None:
    raw = sign(server.url, region="us-east-1")
    parts = scope(raw)
    parts[2] = "eu-west-1"
    claimed = with_fields(raw, Credential="/".join(parts))
    assert refused(server, claimed, "InvalidSignatureException") == MISMATCH


def test_wrong_terminator(server: Server) -> None:
    raw = sign(server.url)
    parts = scope(raw)
    parts[4] = "aws4_requests"
    assert refused(
        server, with_fields(raw, Credential="/".join(parts)), "InvalidSignatureException"
    ) == (
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requests'. "
    )


@pytest.mark.parametrize("missing", ["Credential", "Signature", "SignedHeaders"])
def test_missing_components(server: Server, missing: str) -> None:
    raw = with_fields(sign(server.url), **{missing: None})
    message = refused(server, raw, "IncompleteSignatureException")
    assert message == (
        f"Authorization header requires '{missing}' parameter. Authorization={raw.authorization}"
    )


def test_missing_date(server: Server) -> None:
    raw = sign(server.url).without_header("X-Amz-Date")
    assert refused(server, raw, "IncompleteSignatureException") == (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={raw.authorization}"
    )


def test_component_without_equal_sign(server: Server) -> None:
    raw = sign(server.url)
    header = raw.authorization.replace("Signature=", "Signature")
    component = header.rsplit(", ", 1)[1]
    assert refused(server, raw.with_authorization(header), "IncompleteSignatureException") == (
        f"'{component}' not a valid key=value pair (missing equal-sign) in Authorization header: "
        f"'{header}'."
    )


def test_credential_with_four_elements(server: Server) -> None:
    raw = sign(server.url)
    value = "/".join(scope(raw)[:4])
    assert refused(server, with_fields(raw, Credential=value), "IncompleteSignatureException") == (
        "Credential must have exactly 5 slash-delimited elements, "
        f"e.g. keyid/date/region/service/term, got '{value}'"
    )


def test_unparsable_date(server: Server) -> None:
    raw = sign(server.url).with_header("X-Amz-Date", "not-a-date")
    assert refused(server, raw, "IncompleteSignatureException") == (
        "Date must be in ISO-8601 'basic format'. Got 'not-a-date'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def test_scope_date_differs_from_x_amz_date(server: Server) -> None:
    raw = sign(server.url)
    stamp = raw.header("X-Amz-Date") or ""
    parts = scope(raw)
    day = dt.datetime.strptime(parts[1], "%Y%m%d") - dt.timedelta(days=1)
    parts[1] = day.strftime("%Y%m%d")
    message = refused(
        server, with_fields(raw, Credential="/".join(parts)), "InvalidSignatureException"
    )
    assert message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        f"HTTP: '{parts[1]}' != '{stamp[:8]}', from '{stamp}'."
    )


def test_host_not_signed(server: Server) -> None:
    raw = with_fields(sign(server.url), SignedHeaders="content-type;x-amz-date;x-amz-target")
    assert refused(server, raw, "InvalidSignatureException") == (
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    )


def test_host_changed_after_signing(server: Server) -> None:
    raw = sign(server.url)
    assert refused(
        server, raw.with_header("Host", "stemma.example:443"), "InvalidSignatureException"
    ) == (MISMATCH)


def test_security_token_sent(server: Server) -> None:
    raw = sign(server.url, credentials=Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, "tok3n"))
    assert "x-amz-security-token" in split_authorization(raw.authorization)[1]["SignedHeaders"]
    assert refused(server, raw, "UnrecognizedClientException") == UNRECOGNIZED


def test_replaying_a_signed_request_into_another_region_is_refused(server: Server) -> None:
    """The region is taken from the scope, so it cannot be swapped without re-signing."""
    region_a, region_b = f"ra{uuid.uuid4().hex[:8]}", f"rb{uuid.uuid4().hex[:8]}"
    name = unique("replay")
    raw = sign(server.url, "SageMaker.CreateContext", create_body(name), region=region_a)
    parts = scope(raw)
    parts[2] = region_b
    assert refused(
        server, with_fields(raw, Credential="/".join(parts)), "InvalidSignatureException"
    )
    assert not exists(server, region_b, name)
    assert send(server.url, raw).status == 200
    assert exists(server, region_a, name)


def test_an_unsigned_operation_header_is_refused_and_does_nothing(
    server: Server, region: str
) -> None:
    """A captured request whose signature leaves X-Amz-Target out must not be replayable as
    another operation (issue #20, item 5): every SDK signs the header, so stemma requires it."""
    name = unique("keep")
    server.client(region).create_context(
        ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="T"
    )
    signed = sign(server.url, None, {"ContextName": name}, region=region)
    assert "x-amz-target" not in split_authorization(signed.authorization)[1]["SignedHeaders"]
    swapped = signed.with_header("X-Amz-Target", "SageMaker.DeleteContext")
    assert refused(server, swapped, "InvalidSignatureException") == (
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."
    )
    assert exists(server, region, name)
