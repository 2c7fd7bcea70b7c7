"""stemma.protocol against botocore's own serializer and parser: the client is the judge.

No server here. Requests are built by botocore's JSON serializer and decoded by stemma's parser;
stemma's responses and errors are read back by botocore's JSON response parser, the way a boto3
client reads them (including the modeled-error step of ``Endpoint._add_modeled_error_fields``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.model import OperationModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from stemma.protocol import errors, model
from stemma.protocol.errors import SerializationException, ServiceError, ValidationException
from stemma.protocol.parser import parse_body
from stemma.protocol.serializer import CONTENT_TYPE, error_body, serialize_output
from stemma.protocol.validator import validate

WHEN = dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:context/my-ctx"


def op(name: str) -> OperationModel:
    operation = model.operation(name)
    assert operation is not None
    return operation


def botocore_body(name: str, params: dict[str, Any]) -> bytes:
    request = create_serializer("json").serialize_to_request(params, op(name))
    assert request["headers"]["X-Amz-Target"] == f"SageMaker.{name}"
    body: bytes = request["body"]
    return body


def botocore_reads(
    name: str, body: bytes, status: int = 200, request_id: str = "rid-1"
) -> dict[str, Any]:
    """What a boto3 client returns (or puts in ClientError.response) for this HTTP answer."""
    response = {
        "status_code": status,
        "headers": {"x-amzn-requestid": request_id, "content-type": CONTENT_TYPE},
        "body": body,
    }
    parser = create_parser("json")
    operation = op(name)
    parsed: dict[str, Any] = parser.parse(response, operation.output_shape)
    code = parsed.get("Error", {}).get("Code")
    if code is not None:
        error_shape = operation.service_model.shape_for_error_code(code)
        if error_shape is not None:
            parsed.update(parser.parse(response, error_shape))
    return parsed


# -- requests: botocore serializer -> stemma parser ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "params"),
    [
        (
            "CreateContext",
            {
                "ContextName": "My-Ctx",
                "Source": {"SourceUri": "s3://b/k", "SourceType": "S3", "SourceId": "e"},
                "ContextType": "Endpoint",
                "Description": "déscription ✓",
                "Properties": {"a": "b", "": ""},
                "Tags": [{"Key": "k", "Value": "v"}, {"Key": "k2", "Value": ""}],
            },
        ),
        ("DescribeContext", {"ContextName": ARN}),
        (
            "UpdateContext",
            {
                "ContextName": "My-Ctx",
                "Description": "",
                "Properties": {},
                "PropertiesToRemove": ["a", "b"],
            },
        ),
        ("DeleteContext", {"ContextName": "My-Ctx"}),
        ("AddTags", {"ResourceArn": ARN, "Tags": [{"Key": "a", "Value": "b"}]}),
        ("ListTags", {"ResourceArn": ARN, "MaxResults": 50, "NextToken": "tok"}),
        ("DeleteTags", {"ResourceArn": ARN, "TagKeys": ["a", "b"]}),
        (
            "QueryLineage",
            {
                "StartArns": [ARN],
                "Direction": "Both",
                "IncludeEdges": True,
                "MaxDepth": 10,
                "Filters": {"Types": ["Endpoint"], "Properties": {"k": "v"}},
            },
        ),
    ],
)
def test_botocore_requests_round_trip(name: str, params: dict[str, Any]) -> None:
    assert parse_body(op(name), botocore_body(name, params)) == params


def test_request_timestamps_become_float_epoch_seconds() -> None:
    params = {
        "CreatedAfter": WHEN,
        "CreatedBefore": WHEN.replace(microsecond=0),
        "SortBy": "Name",
        "SortOrder": "Ascending",
        "MaxResults": 7,
    }
    parsed = parse_body(op("ListContexts"), botocore_body("ListContexts", params))
    assert parsed == {
        "CreatedAfter": 1704164645.678,
        "CreatedBefore": 1704164645.0,
        "SortBy": "Name",
        "SortOrder": "Ascending",
        "MaxResults": 7,
    }
    assert all(type(parsed[k]) is float for k in ("CreatedAfter", "CreatedBefore"))
    assert type(parsed["MaxResults"]) is int


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1704164645, 1704164645.0),
        (1704164645.5, 1704164645.5),
        ("1704164645", 1704164645.0),
        ("2024-01-02T03:04:05Z", 1704164645.0),
        ("2024-01-02T03:04:05.250+00:00", 1704164645.25),
    ],
)
def test_lenient_timestamp_forms(raw: Any, expected: float) -> None:
    body = json.dumps({"CreatedAfter": raw}).encode()
    assert parse_body(op("ListContexts"), body) == {"CreatedAfter": expected}


def test_empty_body_unknown_members_and_nulls() -> None:
    assert parse_body(op("ListContexts"), b"") == {}
    assert parse_body(op("ListContexts"), b" \r\n ") == {}
    body = b'{"SortBy": null, "Unknown": {"x": 1}, "SourceUri": "u", "Source": {"Nested": 1}}'
    assert parse_body(op("ListContexts"), body) == {"SourceUri": "u"}
    nested = b'{"ContextName": "n", "Source": {"SourceUri": "u", "Extra": 1, "SourceId": null}}'
    assert parse_body(op("CreateContext"), nested) == {
        "ContextName": "n",
        "Source": {"SourceUri": "u"},
    }


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[]",
        b"null",
        b'"s"',
        b'{"ContextName": 5}',
        b'{"ContextName": "n", "Source": []}',
        b'{"ContextName": "n", "Properties": {"k": 1}}',
        b'{"ContextName": "n", "Tags": [{"Key": false}]}',
    ],
)
def test_undecodable_requests_raise_serialization_exception(body: bytes) -> None:
    with pytest.raises(SerializationException):
        parse_body(op("CreateContext"), body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"MaxResults": "1"}',
        b'{"MaxResults": 2.5}',
        b'{"MaxResults": true}',
        b'{"CreatedAfter": "x"}',
    ],
)
def test_wrong_scalar_types_raise_serialization_exception(body: bytes) -> None:
    with pytest.raises(SerializationException):
        parse_body(op("ListContexts"), body)


# -- responses: stemma serializer -> botocore parser ---------------------------------------------


def test_describe_output_is_read_by_botocore() -> None:
    result = {
        "ContextName": "My-Ctx",
        "ContextArn": ARN,
        "Source": {"SourceUri": "s3://b/k"},
        "ContextType": "Endpoint",
        "Description": None,  # absent: omitted, never null
        "Properties": {},
        "CreationTime": 1608224704.1494,  # rounded to milliseconds on the wire
        "CreatedBy": {},
        "LastModifiedTime": 1608224704,
        "LastModifiedBy": {},
        "LineageGroupArn": "arn:aws:sagemaker:us-east-1:123456789012:lineage-group/x",
        "InternalOnly": "must not leak",
    }
    body = serialize_output(op("DescribeContext"), result)
    wire = json.loads(body)
    assert "Description" not in wire
    assert "InternalOnly" not in wire
    assert wire["CreationTime"] == 1608224704.149
    assert wire["LastModifiedTime"] == 1608224704
    assert wire["CreatedBy"] == {}
    assert b"null" not in body

    parsed = botocore_reads("DescribeContext", body, request_id="req-42")
    assert parsed["ResponseMetadata"]["RequestId"] == "req-42"
    assert parsed["ContextName"] == "My-Ctx"
    assert parsed["Properties"] == {}
    assert parsed["CreatedBy"] == {}
    assert parsed["CreationTime"].timestamp() == pytest.approx(1608224704.149, abs=1e-6)
    assert parsed["LastModifiedTime"] == dt.datetime.fromtimestamp(1608224704, tz=dt.UTC)


def test_datetime_values_serialize_as_numbers() -> None:
    body = serialize_output(
        op("ListContexts"),
        {
            "ContextSummaries": [
                {"ContextArn": ARN, "CreationTime": WHEN, "LastModifiedTime": 1.0005},
            ],
            "NextToken": None,
        },
    )
    wire = json.loads(body)
    assert wire == {
        "ContextSummaries": [
            {"ContextArn": ARN, "CreationTime": 1704164645.678, "LastModifiedTime": 1.0}
        ]
    }
    parsed = botocore_reads("ListContexts", body)
    assert parsed["ContextSummaries"][0]["CreationTime"] == WHEN
    assert "NextToken" not in parsed


def test_member_less_output_is_an_empty_object() -> None:
    body = serialize_output(op("DeleteTags"), {})
    assert body == b"{}"
    assert set(botocore_reads("DeleteTags", body)) == {"ResponseMetadata"}


ERROR_CLASSES = [
    cls
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, ServiceError) and cls is not ServiceError
]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_error_bodies_are_read_by_botocore(cls: type[ServiceError]) -> None:
    text = f"something about {cls.__name__} went wrong: café"
    error = cls(text)
    body = error_body(error)
    wire = json.loads(body)
    modeled = error.code in model.modeled_error_codes()
    assert wire["__type"] == error.code
    assert "#" not in error.code
    assert wire["message"] == text
    if modeled:
        assert wire["Message"] == text
    else:
        assert "Message" not in wire

    parsed = botocore_reads("DescribeContext", body, status=error.status, request_id="rid-9")
    assert parsed["Error"]["Code"] == error.code
    assert parsed["Error"]["Message"] == text
    assert parsed["ResponseMetadata"]["RequestId"] == "rid-9"
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == error.status
    if modeled:
        assert parsed["Message"] == text
    else:
        assert "Message" not in parsed


def test_the_four_lineage_errors_are_modeled_and_statuses_match_the_catalogue() -> None:
    assert {
        "ConflictException",
        "ResourceInUse",
        "ResourceLimitExceeded",
        "ResourceNotFound",
    } <= model.modeled_error_codes()
    assert "ValidationException" not in model.modeled_error_codes()
    statuses = {cls("m").code: cls("m").status for cls in ERROR_CLASSES}
    for code in (
        "ValidationException",
        "SerializationException",
        "UnknownOperationException",
        "ResourceNotFound",
        "ResourceLimitExceeded",
        "ConflictException",
        "ThrottlingException",
    ):
        assert statuses[code] == 400, code
    assert statuses["InternalFailure"] == 500
    assert statuses["ServiceUnavailable"] == 503
    assert errors.UnknownOperationException("GET /", status=405).status == 405


# -- validator -----------------------------------------------------------------------------------


def invalid(name: str, params: dict[str, Any]) -> str:
    with pytest.raises(ValidationException) as info:
        validate(op(name), params)
    return info.value.message


def test_valid_requests_pass() -> None:
    validate(op("ListContexts"), {})
    validate(
        op("CreateContext"),
        {
            "ContextName": "a_b-c",
            "Source": {"SourceUri": "u"},
            "ContextType": "",
            "Tags": [{"Key": "ключ", "Value": "значение 1"}],
        },
    )
    validate(op("DescribeContext"), {"ContextName": ARN.replace("my-ctx", "My_Ctx")})
    validate(op("ListTags"), {"ResourceArn": ARN, "MaxResults": 1_000_000})


def test_validator_message_format() -> None:
    assert invalid("DescribeContext", {}) == (
        "1 validation error detected: Value null at 'contextName' failed to satisfy constraint: "
        "Member must not be null"
    )
    assert invalid("ListContexts", {"SortBy": "Bogus", "MaxResults": 101}) == (
        "2 validation errors detected: Value 'Bogus' at 'sortBy' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Name, CreationTime]; Value '101' at 'maxResults' "
        "failed to satisfy constraint: Member must have value less than or equal to 100"
    )
    assert invalid(
        "CreateContext",
        {"ContextName": "bad name!", "Source": {"SourceUri": "u"}, "ContextType": "t"},
    ) == (
        "1 validation error detected: Value 'bad name!' at 'contextName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,119}"
    )


@pytest.mark.parametrize("name", ["a-", "ab!c", "a b", "-a"])
def test_patterns_are_full_matches(name: str) -> None:
    text = invalid("DeleteContext", {"ContextName": name})
    assert f"Value '{name}' at 'contextName'" in text
    assert "regular expression pattern" in text


def test_nested_paths_and_counts() -> None:
    text = invalid(
        "CreateContext",
        {
            "ContextName": "ok",
            "Source": {"SourceUri": ""},
            "ContextType": "t",
            "Tags": [{"Key": "fine", "Value": "v"}, {"Key": "bad!", "Value": None}],
        },
    )
    assert text.startswith("3 validation errors detected: ")
    items = text.removeprefix("3 validation errors detected: ").split("; ")
    assert items[0].startswith("Value '' at 'source.sourceUri' failed")
    assert items[1].startswith("Value 'bad!' at 'tags.2.member.key' failed")
    assert items[2] == (
        "Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null"
    )


def test_query_lineage_limits_including_patched_minimums() -> None:
    # D15: MaxDepth and MaxResults below 1 are rejected although the model has no minimum.
    assert "Member must have value greater than or equal to 1" in invalid(
        "QueryLineage", {"MaxDepth": 0}
    )
    assert "Member must have value greater than or equal to 1" in invalid(
        "QueryLineage", {"MaxResults": -5}
    )
    assert "Member must have value less than or equal to 10" in invalid(
        "QueryLineage", {"MaxDepth": 11}
    )
    assert "Member must have value less than or equal to 50" in invalid(
        "QueryLineage", {"MaxResults": 51}
    )
    text = invalid("QueryLineage", {"StartArns": [ARN, ARN]})
    assert "at 'startArns' failed to satisfy constraint: Member must have length less than" in text
    text = invalid("QueryLineage", {"Filters": {"LineageTypes": ["Bogus"]}})
    assert text.startswith("1 validation error detected: Value '[Bogus]' at 'filters.lineageTypes'")
    assert "Member must satisfy constraint: [Member must satisfy enum value set: [" in text
    validate(op("QueryLineage"), {"StartArns": [], "MaxDepth": 10, "MaxResults": 50})


def test_artifact_property_values_allow_4096_and_context_values_2500() -> None:
    source = {"SourceUri": "u"}
    validate(
        op("CreateArtifact"),
        {"Source": source, "ArtifactType": "t", "Properties": {"k": "v" * 4096}},
    )
    assert "Map value must satisfy constraint" in invalid(
        "CreateArtifact", {"Source": source, "ArtifactType": "t", "Properties": {"k": "v" * 4097}}
    )
    assert "Map value must satisfy constraint" in invalid(
        "CreateContext",
        {"ContextName": "c", "Source": source, "ContextType": "t", "Properties": {"k": "v" * 2501}},
    )
