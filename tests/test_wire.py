"""The AWS JSON 1.1 wire contract, over raw HTTP (spec §1, D1-D8).

These tests bypass boto3 to see exactly what stemma sends: status codes, headers, the error body
shape, timestamps as numbers, and no ``null`` anywhere. Requests are SigV4-signed like botocore's
(tests/awsjson.py), so the region comes from the credential scope.
"""

from __future__ import annotations

import json
import math
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.awsjson import (
    CONTENT_TYPE,
    Response,
    assert_error,
    call,
    context_arn,
    lineage,
    no_nulls,
)
from tests.conftest import Server

# §0.2: every operation a lineage client may send.
LINEAGE_OPERATIONS = [
    "CreateContext",
    "DescribeContext",
    "ListContexts",
    "UpdateContext",
    "DeleteContext",
    "CreateArtifact",
    "DescribeArtifact",
    "ListArtifacts",
    "UpdateArtifact",
    "DeleteArtifact",
    "CreateAction",
    "DescribeAction",
    "ListActions",
    "UpdateAction",
    "DeleteAction",
    "AddAssociation",
    "DeleteAssociation",
    "ListAssociations",
    "QueryLineage",
    "AddTags",
    "ListTags",
    "DeleteTags",
]


def new_region() -> str:
    return f"w{uuid.uuid4().hex[:12]}"


def ok(response: Response) -> Any:
    assert response.status == 200, response.body
    assert response.headers.get("content-type") == CONTENT_TYPE
    uuid.UUID(response.headers["x-amzn-requestid"])
    assert "x-amzn-errortype" not in response.headers
    body = response.json()
    assert isinstance(body, dict)
    assert no_nulls(body), body
    return body


def create_body(name: str, **extra: Any) -> dict[str, Any]:
    return {"ContextName": name, "Source": {"SourceUri": "s3://b/k"}, "ContextType": "T", **extra}


# -- routing -------------------------------------------------------------------------------------


def test_unknown_target(server: Server) -> None:
    for target in ("SageMaker.Bogus", "Foo.ListContexts", "SageMaker.", "SageMaker"):
        assert_error(call(server.url, target), "UnknownOperationException")


def test_target_is_matched_case_sensitively(server: Server) -> None:
    for target in ("sagemaker.ListContexts", "SageMaker.listContexts", "SAGEMAKER.ListContexts"):
        assert_error(call(server.url, target), "UnknownOperationException")


def test_missing_target(server: Server) -> None:
    assert_error(call(server.url, None), "UnknownOperationException")


def test_real_but_unserved_operation_names_it(server: Server) -> None:
    for op in ("CreateTrainingJob", "DescribeTrainingJob"):
        message = assert_error(lineage(server.url, op, {}), "UnknownOperationException")
        assert op in message


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_only_post_is_accepted(server: Server, method: str) -> None:
    response = call(server.url, "SageMaker.ListContexts", b"{}", method=method)
    assert_error(response, "UnknownOperationException", status=405)


def test_any_path_and_content_type_are_accepted(server: Server) -> None:
    region = new_region()
    for path in ("/", "/some/prefix", "/prefix/?x=1"):
        body = ok(lineage(server.url, "ListContexts", b"{}", region=region, path=path))
        assert body == {"ContextSummaries": []}
    response = lineage(
        server.url, "ListContexts", b"{}", region=region, headers={"Content-Type": "text/plain"}
    )
    assert ok(response) == {"ContextSummaries": []}


def test_healthz(server: Server) -> None:
    response = call(server.url, None, method="GET", path="/healthz", sign=False)
    assert response.status == 200
    assert response.json() == {"status": "ok"}


# -- request decoding ----------------------------------------------------------------------------


def test_empty_body_is_an_empty_object(server: Server) -> None:
    region = new_region()
    lineage(server.url, "CreateContext", create_body("E1"), region=region)
    for body in (b"", b"  \n", b"{}"):
        listed = ok(lineage(server.url, "ListContexts", body, region=region))
        assert [s["ContextName"] for s in listed["ContextSummaries"]] == ["E1"]


@pytest.mark.parametrize(
    "body", [b"{", b"not json", b'{"a":}', b"[]", b'"text"', b"1", b"null", b"\xff\xfe"]
)
def test_undecodable_or_non_object_body(server: Server, body: bytes) -> None:
    assert_error(lineage(server.url, "ListContexts", body), "SerializationException")


@pytest.mark.parametrize(
    ("op", "body"),
    [
        ("CreateContext", create_body("x") | {"ContextName": 5}),
        ("CreateContext", create_body("x") | {"Source": "s3://b/k"}),
        ("CreateContext", create_body("x") | {"Source": {"SourceUri": ["s3://b/k"]}}),
        ("CreateContext", create_body("x") | {"Properties": ["a", "b"]}),
        ("CreateContext", create_body("x") | {"Properties": {"a": 1}}),
        ("CreateContext", create_body("x") | {"Tags": {"Key": "k", "Value": "v"}}),
        ("CreateContext", create_body("x") | {"Tags": [["k", "v"]]}),
        ("CreateContext", create_body("x") | {"ContextType": True}),
        ("ListContexts", {"MaxResults": "5"}),
        ("ListContexts", {"MaxResults": 1.5}),
        ("ListContexts", {"MaxResults": True}),
        ("ListContexts", {"CreatedAfter": True}),
        ("ListContexts", {"CreatedAfter": "yesterday"}),
        ("ListContexts", {"CreatedBefore": {"t": 1}}),
        ("ListContexts", {"SortBy": ["Name"]}),
        ("UpdateContext", {"ContextName": "x", "PropertiesToRemove": "k"}),
        (
            "DeleteTags",
            {"ResourceArn": "arn:aws:sagemaker:r:123456789012:context/x", "TagKeys": [1]},
        ),
    ],
)
def test_wrong_json_types_are_serialization_errors(
    server: Server, op: str, body: dict[str, Any]
) -> None:
    region = new_region()
    assert_error(lineage(server.url, op, body, region=region), "SerializationException")
    # Nothing was created by a rejected create.
    listed = ok(lineage(server.url, "ListContexts", {}, region=region))
    assert listed["ContextSummaries"] == []


@pytest.mark.parametrize(
    "bound", [1700000000, 1700000000.5, "1700000000", "1700000000.25", "2023-11-14T22:13:20Z"]
)
def test_timestamps_are_accepted_as_numbers_and_strings(server: Server, bound: Any) -> None:
    region = new_region()
    lineage(server.url, "CreateContext", create_body("Ts"), region=region)
    for member in ("CreatedAfter", "CreatedBefore"):
        body = ok(lineage(server.url, "ListContexts", {member: bound}, region=region))
        expected = ["Ts"] if member == "CreatedAfter" else []
        assert [s["ContextName"] for s in body["ContextSummaries"]] == expected


@pytest.mark.parametrize("bound", [1e20, -1e20, 1e308, "1e400", "nan", "inf", "-inf"])
def test_absurd_timestamps_are_client_errors_not_faults(server: Server, bound: Any) -> None:
    # Spec §11: no 5xx for client mistakes. A bound beyond any date is either an empty page or a
    # 400, never an InternalFailure.
    for member in ("CreatedAfter", "CreatedBefore"):
        response = lineage(server.url, "ListContexts", {member: bound}, region=new_region())
        assert response.status in (200, 400), (member, bound, response.status, response.body)
        if response.status == 400:
            assert response.json()["__type"] in ("SerializationException", "ValidationException")


def test_unknown_members_are_ignored_and_null_means_absent(server: Server) -> None:
    region = new_region()
    body = create_body("Nulls", Description=None, Properties=None, Tags=None, FutureMember=[1])
    created = ok(lineage(server.url, "CreateContext", body, region=region))
    assert created == {"ContextArn": context_arn(region, "Nulls")}
    described = ok(lineage(server.url, "DescribeContext", {"ContextName": "Nulls"}, region=region))
    assert "Description" not in described
    assert described["Properties"] == {}
    listed = ok(lineage(server.url, "ListContexts", {"SortBy": None}, region=region))
    assert len(listed["ContextSummaries"]) == 1


# -- responses -----------------------------------------------------------------------------------


def test_success_headers_and_request_ids(server: Server) -> None:
    ids = set()
    for _ in range(3):
        response = lineage(server.url, "ListContexts", b"{}", region=new_region())
        ok(response)
        ids.add(response.headers["x-amzn-requestid"])
    assert len(ids) == 3


def test_timestamps_are_json_numbers_with_milliseconds(server: Server) -> None:
    region = new_region()
    before = time.time()
    lineage(server.url, "CreateContext", create_body("Clock"), region=region)
    after = time.time()
    described = lineage(server.url, "DescribeContext", {"ContextName": "clock"}, region=region)
    listed = lineage(server.url, "ListContexts", {}, region=region)
    summary = ok(listed)["ContextSummaries"][0]
    for source in (ok(described), summary):
        for member in ("CreationTime", "LastModifiedTime"):
            value = source[member]
            assert type(value) in (int, float), (member, value)
            assert math.isclose(value * 1000, round(value * 1000), abs_tol=1e-3)
            assert before - 0.002 <= value <= after + 0.002
    # Written as plain numbers in the body text, not strings.
    assert b'"CreationTime":"' not in described.body
    assert b'"CreationTime":"' not in listed.body


def test_no_null_and_containers_always_present(server: Server) -> None:
    region = new_region()
    arn = context_arn(region, "Full")
    answers = {
        "ListContexts": ok(lineage(server.url, "ListContexts", {}, region=region)),
        "CreateContext": ok(
            lineage(server.url, "CreateContext", create_body("Full"), region=region)
        ),
        "DescribeContext": ok(
            lineage(server.url, "DescribeContext", {"ContextName": "Full"}, region=region)
        ),
        "ListTags": ok(lineage(server.url, "ListTags", {"ResourceArn": arn}, region=region)),
        "AddTags": ok(
            lineage(
                server.url,
                "AddTags",
                {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": ""}]},
                region=region,
            )
        ),
        "UpdateContext": ok(
            lineage(server.url, "UpdateContext", {"ContextName": "Full"}, region=region)
        ),
        "DeleteTags": ok(
            lineage(server.url, "DeleteTags", {"ResourceArn": arn, "TagKeys": ["k"]}, region=region)
        ),
        "DeleteContext": ok(
            lineage(server.url, "DeleteContext", {"ContextName": "Full"}, region=region)
        ),
    }
    assert answers["ListContexts"] == {"ContextSummaries": []}
    assert answers["ListTags"] == {"Tags": []}
    assert answers["AddTags"] == {"Tags": [{"Key": "k", "Value": ""}]}
    assert answers["DescribeContext"]["Properties"] == {}
    assert answers["DeleteTags"] == {}
    assert answers["CreateContext"] == {"ContextArn": arn}
    assert answers["UpdateContext"] == {"ContextArn": arn}
    assert answers["DeleteContext"] == {"ContextArn": arn}


def test_error_bodies_carry_message_and_capital_message_only_when_modeled(server: Server) -> None:
    region = new_region()
    cases: list[tuple[Callable[[], Response], str]] = [
        (lambda: call(server.url, "SageMaker.Nope", region=region), "UnknownOperationException"),
        (
            lambda: lineage(server.url, "ListContexts", b"{", region=region),
            "SerializationException",
        ),
        (
            lambda: lineage(server.url, "ListContexts", {"MaxResults": 0}, region=region),
            "ValidationException",
        ),
        (
            lambda: lineage(server.url, "DescribeContext", {"ContextName": "nope"}, region=region),
            "ResourceNotFound",
        ),
        (
            lambda: lineage(server.url, "DeleteContext", {"ContextName": "nope"}, region=region),
            "ResourceNotFound",
        ),
    ]
    for send, code in cases:
        response = send()
        message = assert_error(response, code)  # checks Message iff modeled
        assert no_nulls(response.json())
        if code == "ResourceNotFound":
            assert message == f"Context {context_arn(region, 'nope')} does not exist."


def test_body_over_the_limit_is_413(start_server: Callable[..., Server]) -> None:
    server = start_server("--max-body", "2048")
    region = new_region()
    padding = "x" * (2048 - len(json.dumps({"SourceUri": ""})))
    at_limit = json.dumps({"SourceUri": padding}).encode()
    assert len(at_limit) == 2048
    assert ok(lineage(server.url, "ListContexts", at_limit, region=region)) == {
        "ContextSummaries": []
    }
    over = json.dumps({"SourceUri": padding + "x"}).encode()
    response = lineage(server.url, "ListContexts", over, region=region)
    assert response.status == 413
    body = response.json()
    assert isinstance(body["__type"], str)
    assert body["__type"]
    assert isinstance(body["message"], str)
    assert response.headers.get("content-type") == CONTENT_TYPE
    uuid.UUID(response.headers["x-amzn-requestid"])
    # The server is still serving afterwards.
    assert ok(lineage(server.url, "ListContexts", b"{}", region=region)) == {"ContextSummaries": []}


# -- generated input: never a 5xx ----------------------------------------------------------------

_KEYS = [
    "ContextName",
    "Source",
    "SourceUri",
    "SourceType",
    "SourceId",
    "ContextType",
    "Description",
    "Properties",
    "PropertiesToRemove",
    "Tags",
    "Key",
    "Value",
    "TagKeys",
    "ResourceArn",
    "MaxResults",
    "NextToken",
    "SortBy",
    "SortOrder",
    "CreatedAfter",
    "CreatedBefore",
    "StartArns",
    "Direction",
    "IncludeEdges",
    "Filters",
    "MaxDepth",
    "ArtifactArn",
    "SourceArn",
    "DestinationArn",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        [
            "Name",
            "CreationTime",
            "Ascending",
            "Both",
            "arn:aws:sagemaker:us-east-1:123456789012:context/x",
            "ctx-1",
            "2024-01-02T03:04:05Z",
            "",
        ]
    ),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(_KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=12,
)
_BODIES = st.one_of(
    st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=6).map(
        lambda d: json.dumps(d).encode()
    ),
    _JSON.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=40),
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(op=st.sampled_from(LINEAGE_OPERATIONS), body=_BODIES)
def test_random_bodies_never_cause_a_5xx(server: Server, op: str, body: bytes) -> None:
    response = lineage(server.url, op, body, region="whypothesis")
    assert response.status < 500, (op, body, response.status, response.body)
    payload = response.json()
    assert no_nulls(payload)
    if response.status != 200:
        assert isinstance(payload["__type"], str)
        assert isinstance(payload["message"], str)


@pytest.mark.parametrize(
    ("target", "body"),
    [
        (
            "CreateContext",
            {"ContextName": "c", "ContextType": "T", "Source": {"SourceUri": "a\x00b"}},
        ),
        ("ListContexts", {"SourceUri": "x\x00y"}),
        ("ListAssociations", {"SourceType": "a\x00"}),
        (
            "CreateContext",
            {
                "ContextName": "c",
                "ContextType": "T",
                "Source": {"SourceUri": "u"},
                "Properties": {"k\x00": "v"},
            },
        ),
    ],
)
def test_nul_characters_are_validation_errors_on_every_store(
    server: Server, target: str, body: dict[str, Any]
) -> None:
    response = call(server.url, f"SageMaker.{target}", body, region=f"n{uuid.uuid4().hex[:10]}")
    assert response.status == 400, response.body
    assert response.json()["__type"] == "ValidationException"
    assert "U+0000" in response.json()["message"]


def test_a_body_cut_short_by_a_disconnect_is_never_processed(
    start_server: Callable[..., Server],
) -> None:
    # With --no-auth nothing else would stop a truncated request; it must not be executed.
    running = start_server("--no-auth")
    body = b'{"ContextName":"cut-short","Source":{"SourceUri":"u"},"ContextType":"T"}'
    host, port = running.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
            b"X-Amz-Target: SageMaker.CreateContext\r\n"
            b"Content-Type: application/x-amz-json-1.1\r\n"
            b"Content-Length: " + str(len(body) + 40).encode() + b"\r\n\r\n" + body
        )
        time.sleep(0.3)
    time.sleep(0.5)
    names = [c["ContextName"] for c in running.client().list_contexts()["ContextSummaries"]]
    assert "cut-short" not in names
    # The same request sent whole is executed: the check above can fail.
    call(running.url, "SageMaker.CreateContext", body)
    names = [c["ContextName"] for c in running.client().list_contexts()["ContextSummaries"]]
    assert names == ["cut-short"]
