"""Server-side shape validation and its Coral message format (spec §1.7, §2, D9-D11, D14).

botocore checks only ``required``, types and ``min`` on the client; ``raw`` is a client built with
``parameter_validation=False`` so that what botocore would stop still reaches the server, as it
does from other SDKs.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.awsjson import expect_error, lineage, message
from tests.conftest import Server

NAME_PATTERN = "[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,119}"
NAME_OR_ARN_PATTERN = (
    r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:context\/)?"
    r"([a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,119})"
)
TAG_PATTERN = r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"
SOURCE = {"SourceUri": "s3://b/k"}


@pytest.fixture
def raw(server: Server, region: str) -> Any:
    """A client that sends whatever it is given (no client-side validation)."""
    return server.client(region, parameter_validation=False)


def item(value: str | None, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


def errors(*items: str) -> str:
    noun = "validation error" if len(items) == 1 else "validation errors"
    return f"{len(items)} {noun} detected: " + "; ".join(items)


def rejected(operation: Any, **params: Any) -> str:
    return message(expect_error("ValidationException", operation, **params))


def valid(**overrides: Any) -> dict[str, Any]:
    """A valid CreateContext request with ``overrides`` applied."""
    params: dict[str, Any] = {"ContextName": "ok", "Source": SOURCE, "ContextType": "T"}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


# -- required ------------------------------------------------------------------------------------


def test_required_member_missing(raw: Any) -> None:
    text = rejected(raw.create_context, ContextName="ok", Source=SOURCE)
    assert text == (
        "1 validation error detected: Value null at 'contextType' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_every_missing_required_member_is_reported_in_model_order(raw: Any) -> None:
    text = rejected(raw.create_context)
    assert text == errors(
        item(None, "contextName", "Member must not be null"),
        item(None, "source", "Member must not be null"),
        item(None, "contextType", "Member must not be null"),
    )


def test_nested_required_member(raw: Any) -> None:
    text = rejected(raw.create_context, **valid(Source={"SourceType": "S3"}))
    assert text == errors(item(None, "source.sourceUri", "Member must not be null"))
    text = rejected(
        raw.add_tags, ResourceArn="arn:aws:sagemaker:r:123456789012:context/x", Tags=[{"Key": "k"}]
    )
    assert text == errors(item(None, "tags.1.member.value", "Member must not be null"))


# -- lengths -------------------------------------------------------------------------------------


def test_max_length(sm: Any) -> None:
    long_type = "t" * 257
    text = rejected(sm.create_context, **valid(ContextType=long_type))
    assert text == errors(
        item(long_type, "contextType", "Member must have length less than or equal to 256")
    )
    long_uri = "s" * 2049
    text = rejected(sm.create_context, **valid(Source={"SourceUri": long_uri}))
    assert text == errors(
        item(long_uri, "source.sourceUri", "Member must have length less than or equal to 2048")
    )


def test_too_long_name_reports_length_then_pattern(sm: Any) -> None:
    name = "a" * 121  # also beyond the pattern's {0,119}
    text = rejected(sm.create_context, **valid(ContextName=name))
    assert text == errors(
        item(name, "contextName", "Member must have length less than or equal to 120"),
        item(
            name, "contextName", f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
        ),
    )


def test_longest_name_is_accepted(sm: Any) -> None:
    name = "A" + "b-_c" * 29 + "xyz"
    assert len(name) == 120
    arn = sm.create_context(**valid(ContextName=name))["ContextArn"]
    assert arn.endswith("/" + name.lower())


def test_lengths_count_code_points(sm: Any) -> None:
    # D10: 3072 code points of 2-byte UTF-8 (and astral characters, 2 UTF-16 units) fit.
    sm.create_context(**valid(ContextName="cp1", Description="é" * 3072))
    sm.create_context(**valid(ContextName="cp2", Description="😀" * 3072))
    assert sm.describe_context(ContextName="cp2")["Description"] == "😀" * 3072
    text = rejected(sm.create_context, **valid(ContextName="cp3", Description="é" * 3073))
    assert text == errors(
        item("é" * 3073, "description", "Member must have length less than or equal to 3072")
    )


def test_min_length(raw: Any) -> None:
    text = rejected(raw.create_context, **valid(Source={"SourceUri": ""}))
    assert text == errors(
        item("", "source.sourceUri", "Member must have length greater than or equal to 1")
    )
    text = rejected(raw.create_context, **valid(ContextName=""))
    assert text == errors(
        item("", "contextName", "Member must have length greater than or equal to 1"),
        item("", "contextName", f"Member must satisfy regular expression pattern: {NAME_PATTERN}"),
    )
    text = rejected(raw.describe_context, ContextName="")
    assert text.startswith(
        "2 validation errors detected: "
        + item("", "contextName", "Member must have length greater than or equal to 1")
    )
    text = rejected(
        raw.add_tags,
        ResourceArn="arn:aws:sagemaker:r:123456789012:context/x",
        Tags=[{"Key": "", "Value": "v"}],
    )
    assert text == errors(
        item("", "tags.1.member.key", "Member must have length greater than or equal to 1")
    )


# -- patterns ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a-", "ab!c", "-a", "a b", "_a", "a--", "bad name!", "é"])
def test_name_pattern_is_a_full_match(sm: Any, name: str) -> None:
    text = rejected(sm.create_context, **valid(ContextName=name))
    assert text == errors(
        item(name, "contextName", f"Member must satisfy regular expression pattern: {NAME_PATTERN}")
    )


@pytest.mark.parametrize("name", ["a", "a_b", "a-_-b", "A1__2--3", "9"])
def test_underscores_and_dashes_between_alphanumerics_are_fine(sm: Any, name: str) -> None:
    assert sm.create_context(**valid(ContextName=name))["ContextArn"].endswith(name.lower())


def test_describe_pattern_accepts_name_or_arn_only(sm: Any) -> None:
    for bad in ("a-", "arn:aws:sagemaker:r:123456789012:context/", "arn:aws:s3:::bucket/x"):
        text = rejected(sm.describe_context, ContextName=bad)
        assert text == errors(
            item(
                bad,
                "contextName",
                f"Member must satisfy regular expression pattern: {NAME_OR_ARN_PATTERN}",
            )
        )


def test_update_and_delete_take_names_not_arns(sm: Any, region: str) -> None:
    arn = sm.create_context(**valid(ContextName="ByName"))["ContextArn"]
    for operation in (sm.update_context, sm.delete_context):
        text = rejected(operation, ContextName=arn)
        assert text == errors(
            item(
                arn,
                "contextName",
                f"Member must satisfy regular expression pattern: {NAME_PATTERN}",
            )
        )
    assert sm.describe_context(ContextName="ByName")["ContextArn"] == arn


def test_tag_patterns(sm: Any) -> None:
    arn = sm.create_context(**valid(ContextName="Tagged"))["ContextArn"]
    tags = [{"Key": "fine", "Value": "ok"}, {"Key": "bad!key", "Value": "bad#value"}]
    text = rejected(sm.add_tags, ResourceArn=arn, Tags=tags)
    assert text == errors(
        item(
            "bad!key",
            "tags.2.member.key",
            f"Member must satisfy regular expression pattern: {TAG_PATTERN}",
        ),
        item(
            "bad#value",
            "tags.2.member.value",
            f"Member must satisfy regular expression pattern: {TAG_PATTERN}",
        ),
    )
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []


def test_resource_arn_pattern(sm: Any) -> None:
    text = rejected(sm.list_tags, ResourceArn="not-an-arn")
    assert text == errors(
        item(
            "not-an-arn",
            "resourceArn",
            "Member must satisfy regular expression pattern: "
            "arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+",
        )
    )


# -- enums and numbers ---------------------------------------------------------------------------


def test_enum_and_range_errors_together(sm: Any) -> None:
    text = rejected(sm.list_contexts, SortBy="Bogus", MaxResults=101)
    assert text == (
        "2 validation errors detected: Value 'Bogus' at 'sortBy' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Name, CreationTime]; Value '101' at 'maxResults' "
        "failed to satisfy constraint: Member must have value less than or equal to 100"
    )


def test_enums_are_case_sensitive(sm: Any) -> None:
    text = rejected(sm.list_contexts, SortOrder="ascending")
    assert text == errors(
        item(
            "ascending", "sortOrder", "Member must satisfy enum value set: [Ascending, Descending]"
        )
    )
    text = rejected(sm.list_contexts, SortBy="name")
    assert "Member must satisfy enum value set: [Name, CreationTime]" in text


def test_numeric_ranges(raw: Any, sm: Any) -> None:
    text = rejected(raw.list_contexts, MaxResults=0)
    assert text == errors(
        item("0", "maxResults", "Member must have value greater than or equal to 1")
    )
    text = rejected(raw.list_contexts, MaxResults=-5)
    assert text == errors(
        item("-5", "maxResults", "Member must have value greater than or equal to 1")
    )
    arn = sm.create_context(**valid(ContextName="ForTags"))["ContextArn"]
    text = rejected(raw.list_tags, ResourceArn=arn, MaxResults=49)
    assert text == errors(
        item("49", "maxResults", "Member must have value greater than or equal to 50")
    )
    assert sm.list_contexts(MaxResults=1)["ContextSummaries"]
    assert "Tags" in sm.list_tags(ResourceArn=arn, MaxResults=50)


# -- collections ---------------------------------------------------------------------------------


def test_map_size(sm: Any) -> None:
    properties = {f"k{i}": f"v{i}" for i in range(31)}
    text = rejected(sm.create_context, **valid(Properties=properties))
    rendered = "{" + ", ".join(f"k{i}=v{i}" for i in range(31)) + "}"
    assert text == errors(
        item(rendered, "properties", "Member must have length less than or equal to 30")
    )
    sm.create_context(**valid(ContextName="thirty", Properties=dict(list(properties.items())[:30])))


def test_list_size(sm: Any, raw: Any) -> None:
    arn = sm.create_context(**valid(ContextName="lists"))["ContextArn"]
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    text = rejected(sm.add_tags, ResourceArn=arn, Tags=tags)
    assert text.startswith("1 validation error detected: Value '[")
    assert text.endswith(
        "]' at 'tags' failed to satisfy constraint: "
        "Member must have length less than or equal to 50"
    )
    text = rejected(raw.delete_tags, ResourceArn=arn, TagKeys=[])
    assert text == errors(
        item("[]", "tagKeys", "Member must have length greater than or equal to 1")
    )
    keys = [f"k{i}" for i in range(51)]
    text = rejected(sm.delete_tags, ResourceArn=arn, TagKeys=keys)
    assert text == errors(
        item(
            "[" + ", ".join(keys) + "]",
            "tagKeys",
            "Member must have length less than or equal to 50",
        )
    )


def test_boundaries_are_accepted(sm: Any) -> None:
    arn = sm.create_context(
        **valid(
            ContextName="edges",
            Source={"SourceUri": "s" * 2048, "SourceType": "t" * 256, "SourceId": ""},
            ContextType="c" * 256,
            Description="d" * 3072,
            Properties={"k" * 2500: "v" * 2500, "": ""},
            Tags=[{"Key": "k" * 128, "Value": "v" * 256}],
        )
    )["ContextArn"]
    described = sm.describe_context(ContextName=arn)
    assert described["Properties"] == {"k" * 2500: "v" * 2500, "": ""}
    assert described["Source"]["SourceUri"] == "s" * 2048
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k" * 128, "Value": "v" * 256}]


def test_empty_containers_mean_none(sm: Any) -> None:
    arn = sm.create_context(**valid(ContextName="empty", Properties={}, Tags=[]))["ContextArn"]
    sm.update_context(ContextName="empty", Properties={}, PropertiesToRemove=[])
    assert sm.describe_context(ContextName="empty")["Properties"] == {}
    assert sm.add_tags(ResourceArn=arn, Tags=[])["Tags"] == []
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []


def test_map_keys_and_values(sm: Any) -> None:
    long = "x" * 2501
    text = rejected(sm.create_context, **valid(Properties={"k": long}))
    prefix = errors(item(f"{{k={long}}}", "properties", "Map value must satisfy constraint: ["))
    assert text.startswith(prefix)
    assert "Member must have length less than or equal to 2500" in text[len(prefix) :]
    assert text.endswith("Member must not be null]")

    text = rejected(sm.create_context, **valid(Properties={long: "v"}))
    prefix = errors(item(f"{{{long}=v}}", "properties", "Map keys must satisfy constraint: ["))
    assert text.startswith(prefix)
    assert "Member must have length less than or equal to 2500" in text[len(prefix) :]

    text = rejected(sm.create_context, **valid(Properties={long: long}))
    assert text.startswith("2 validation errors detected: ")
    assert "Map keys must satisfy constraint" in text.split("; ")[0]
    assert "Map value must satisfy constraint" in text.split("; ")[-1]


def test_null_map_value_violates_the_value_constraint(server: Server, region: str) -> None:
    body = {
        "ContextName": "nullmap",
        "Source": SOURCE,
        "ContextType": "T",
        "Properties": {"k": None},
    }
    response = lineage(server.url, "CreateContext", body, region=region)
    assert response.status == 400
    assert response.json()["__type"] == "ValidationException"
    assert "Map value must satisfy constraint: [" in response.json()["message"]


def test_list_of_scalars_element_constraint(sm: Any) -> None:
    sm.create_context(**valid(ContextName="elems"))
    long = "r" * 2501
    text = rejected(sm.update_context, ContextName="elems", PropertiesToRemove=["fine", long])
    prefix = (
        f"1 validation error detected: Value '[fine, {long}]' at 'propertiesToRemove' failed to "
        "satisfy constraint: Member must satisfy constraint: ["
    )
    assert text.startswith(prefix)
    assert "Member must have length less than or equal to 2500" in text
    assert text.endswith("Member must not be null]")
    arn = sm.describe_context(ContextName="elems")["ContextArn"]
    text = rejected(sm.delete_tags, ResourceArn=arn, TagKeys=["ok", "bad!"])
    assert text.startswith("1 validation error detected: Value '[ok, bad!]' at 'tagKeys' failed")
    assert f"Member must satisfy regular expression pattern: {TAG_PATTERN}" in text
    # PropertiesToRemove has no count limit.
    sm.update_context(ContextName="elems", PropertiesToRemove=[f"p{i}" for i in range(200)])


# -- several errors, and where validation sits in the pipeline -----------------------------------


def test_every_violation_is_counted_in_member_order(sm: Any) -> None:
    long_type, long_description = "t" * 257, "d" * 3073
    text = rejected(
        sm.create_context,
        ContextName="a-",
        Source=SOURCE,
        ContextType=long_type,
        Description=long_description,
        Tags=[{"Key": "k" * 129, "Value": "v"}],
    )
    assert text == errors(
        item(
            "a-", "contextName", f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
        ),
        item(long_type, "contextType", "Member must have length less than or equal to 256"),
        item(long_description, "description", "Member must have length less than or equal to 3072"),
        item("k" * 129, "tags.1.member.key", "Member must have length less than or equal to 128"),
    )


def test_validation_comes_before_existence_checks(sm: Any) -> None:
    # D14: shape validation first, so a missing context with a bad request is a validation error.
    text = rejected(sm.update_context, ContextName="missing", Properties={"k": "v" * 2501})
    assert "Map value must satisfy constraint" in text
    text = rejected(sm.describe_context, ContextName="missing-")
    assert "regular expression pattern" in text
    # Nothing was created by any rejected request.
    assert sm.list_contexts()["ContextSummaries"] == []


def test_business_rule_messages_have_no_validation_prefix(sm: Any) -> None:
    sm.create_context(**valid(ContextName="once"))
    text = rejected(sm.create_context, **valid(ContextName="ONCE"))
    assert "validation error" not in text
    assert "already exists" in text
