"""Contexts, exactly as SageMaker serves them (issue #2), through real boto3.

Every test runs in a region of its own (the ``sm`` fixture), so lists see only that test's data.
Spec references are to shared/reference/sagemaker-lineage-api.md.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.awsjson import ACCOUNT, context_arn, expect_error, message
from tests.conftest import Server, unique
from tests.service.contexts_support import (
    SOURCE,
    arns_of,
    create,
    describe,
)

# -- CreateContext and DescribeContext ---------------------------------------------------------


def test_create_with_every_member_then_describe_returns_all_fields(sm: Any, region: str) -> None:
    before = time.time()
    response = sm.create_context(
        ContextName="Every-Member_Ctx1",
        Source={"SourceUri": "s3://bucket/model.tar.gz", "SourceType": "S3", "SourceId": "etag"},
        ContextType="Endpoint",
        Description="a context with every member",
        Properties={"stage": "prod", "": "empty key is allowed", "blank": ""},
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    after = time.time()
    arn = f"arn:aws:sagemaker:{region}:{ACCOUNT}:context/every-member_ctx1"
    assert response["ContextArn"] == arn
    assert set(response) == {"ContextArn", "ResponseMetadata"}

    described = describe(sm, "Every-Member_Ctx1")
    created, modified = described.pop("CreationTime"), described.pop("LastModifiedTime")
    assert described == {
        "ContextName": "Every-Member_Ctx1",
        "ContextArn": arn,
        "Source": {"SourceUri": "s3://bucket/model.tar.gz", "SourceType": "S3", "SourceId": "etag"},
        "ContextType": "Endpoint",
        "Description": "a context with every member",
        "Properties": {"stage": "prod", "": "empty key is allowed", "blank": ""},
        "CreatedBy": {},
        "LastModifiedBy": {},
        "LineageGroupArn": (
            f"arn:aws:sagemaker:{region}:{ACCOUNT}:lineage-group/sagemaker-default-lineage-group"
        ),
    }
    assert created == modified  # Create sets both (§4.1)
    assert before - 0.002 <= created.timestamp() <= after + 0.002
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]


def test_describe_omits_unset_optional_members_but_always_has_properties(sm: Any) -> None:
    create(sm, "Minimal")
    described = describe(sm, "Minimal")
    assert "Description" not in described
    assert described["Source"] == SOURCE
    assert described["Properties"] == {}  # D8: always emitted
    assert described["CreatedBy"] == {}
    assert described["LastModifiedBy"] == {}
    assert "LineageGroupArn" in described


def test_empty_context_type_and_description_are_kept(sm: Any) -> None:
    # String256 and ExperimentDescription allow the empty string; "" is a value, not absence.
    create(sm, "Empties", ContextType="", Description="", Source={"SourceUri": "u"})
    described = describe(sm, "Empties")
    assert described["ContextType"] == ""
    assert described["Description"] == ""


def test_arn_carries_the_lowercased_name_and_name_keeps_its_case(sm: Any, region: str) -> None:
    arn = create(sm, "MyContext")
    assert arn == f"arn:aws:sagemaker:{region}:123456789012:context/mycontext"
    assert describe(sm, arn)["ContextName"] == "MyContext"


def test_arn_partition_follows_the_region(server: Server) -> None:
    for prefix, partition in (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov")):
        region = f"{prefix}{uuid.uuid4().hex[:8]}"
        client = server.client(region)
        arn = create(client, "Partitioned")
        assert arn == context_arn(region, "Partitioned", partition)
        assert describe(client, arn)["LineageGroupArn"].startswith(
            f"arn:{partition}:sagemaker:{region}:"
        )
        # The same context under the plain aws partition names nothing (D19).
        wrong_partition = context_arn(region, "Partitioned")
        expect_error("ResourceNotFound", client.describe_context, ContextName=wrong_partition)


def test_describe_by_name_or_arn_in_any_case(sm: Any, region: str) -> None:
    arn = create(sm, "Case-Ctx")
    expected = describe(sm, "Case-Ctx")
    upper_arn = arn.replace("context/case-ctx", "context/CASE-CTX")
    for identifier in ("case-ctx", "CASE-CTX", "cAsE-cTx", arn, upper_arn):
        assert describe(sm, identifier) == expected, identifier
    assert expected["ContextArn"] == arn


def test_duplicate_name_is_compared_case_insensitively(sm: Any) -> None:
    create(sm, "Dup-Ctx", ContextType="First")
    original = describe(sm, "Dup-Ctx")
    for name in ("Dup-Ctx", "dup-ctx", "DUP-CTX"):
        error = expect_error(
            "ValidationException",
            sm.create_context,
            ContextName=name,
            Source={"SourceUri": "s3://other"},
            ContextType="Second",
        )
        assert "already exists" in message(error)
        assert message(error) == f"Context with name ({name}) already exists."
    # The duplicate attempt overwrote nothing.
    assert describe(sm, "dup-ctx") == original


def test_names_are_reusable_right_after_delete(sm: Any) -> None:
    first = create(sm, "Reuse", ContextType="Old")
    assert sm.delete_context(ContextName="Reuse")["ContextArn"] == first
    second = create(sm, "REUSE", ContextType="New")
    assert second == first
    described = describe(sm, "reuse")
    assert described["ContextName"] == "REUSE"
    assert described["ContextType"] == "New"


# -- ResourceNotFound ----------------------------------------------------------------------------


def test_missing_context_is_resource_not_found_everywhere(sm: Any, region: str) -> None:
    arn = context_arn(region, "Nope")
    expected = f"Context {arn} does not exist."
    calls: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (sm.describe_context, {"ContextName": "Nope"}),
        (sm.describe_context, {"ContextName": arn}),
        (sm.update_context, {"ContextName": "Nope", "Description": "d"}),
        (sm.delete_context, {"ContextName": "Nope"}),
    ]
    for operation, params in calls:
        error = expect_error("ResourceNotFound", operation, **params)
        assert isinstance(error, sm.exceptions.ResourceNotFound)
        assert message(error) == expected  # D13
        assert error.response["Message"] == expected


def test_delete_returns_the_arn_and_a_second_delete_is_not_found(sm: Any) -> None:
    arn = create(sm, "Doomed")
    response = sm.delete_context(ContextName="DOOMED")
    assert response["ContextArn"] == arn
    assert set(response) == {"ContextArn", "ResponseMetadata"}
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_context(ContextName="Doomed")
    error = expect_error("ResourceNotFound", sm.delete_context, ContextName="Doomed")
    assert error.response["Message"] == f"Context {arn} does not exist."
    assert sm.list_contexts()["ContextSummaries"] == []


# -- UpdateContext -------------------------------------------------------------------------------


def test_update_merges_properties_then_removes(sm: Any) -> None:
    create(sm, "Upd", Properties={"k1": "v1", "k2": "v2", "k4": "v4"})
    arn = sm.update_context(
        ContextName="UPD",
        Properties={"k2": "new", "k3": "v3", "k4": "set-then-removed"},
        PropertiesToRemove=["k1", "k4", "never-there"],
    )["ContextArn"]
    assert arn.endswith(":context/upd")
    assert describe(sm, "Upd")["Properties"] == {"k2": "new", "k3": "v3"}


def test_update_as_aws_integration_test_does_it(sm: Any) -> None:
    # tests/integ/sagemaker/lineage/test_context.py::test_save in aws/sagemaker-python-sdk.
    create(sm, "Integ", Properties={"k1": "v1"})
    sm.update_context(ContextName="Integ", Properties={"k3": "v3"}, PropertiesToRemove=["k1"])
    assert describe(sm, "Integ")["Properties"] == {"k3": "v3"}


def test_update_changes_description_and_leaves_absent_members_alone(sm: Any) -> None:
    create(sm, "Desc", Description="old", Properties={"a": "1"}, ContextType="T")
    sm.update_context(ContextName="Desc", Properties={"b": "2"})
    described = describe(sm, "Desc")
    assert described["Description"] == "old"
    assert described["Properties"] == {"a": "1", "b": "2"}
    sm.update_context(ContextName="Desc", Description="new")
    described = describe(sm, "Desc")
    assert described["Description"] == "new"
    assert described["Properties"] == {"a": "1", "b": "2"}
    assert described["ContextType"] == "T"
    assert described["Source"] == SOURCE
    assert described["ContextName"] == "Desc"
    sm.update_context(ContextName="Desc", Description="")
    assert describe(sm, "Desc")["Description"] == ""


def test_update_bumps_last_modified_time_even_without_changes(sm: Any) -> None:
    create(sm, "Bump")
    before = describe(sm, "Bump")
    time.sleep(0.01)
    sm.update_context(ContextName="Bump")
    after = describe(sm, "Bump")
    assert after["CreationTime"] == before["CreationTime"]
    assert after["LastModifiedTime"] > before["LastModifiedTime"]
    assert after["LastModifiedTime"].timestamp() <= time.time() + 0.002
    summary = sm.list_contexts()["ContextSummaries"][0]
    assert summary["LastModifiedTime"] == after["LastModifiedTime"]
    assert summary["CreationTime"] == before["CreationTime"]


def test_update_over_30_properties_after_merge_is_rejected(sm: Any) -> None:
    existing = {f"k{i:02d}": str(i) for i in range(29)}
    create(sm, "Full", Properties=existing)
    # 29 + 1 = 30 is fine.
    sm.update_context(ContextName="Full", Properties={"k29": "29"})
    error = expect_error(
        "ValidationException", sm.update_context, ContextName="Full", Properties={"x": "y"}
    )
    text = message(error)
    assert text.startswith("1 validation error detected: Value '{")
    assert text.endswith(
        "}' at 'properties' failed to satisfy constraint: "
        "Member must have length less than or equal to 30"
    )
    # Nothing was written by the failed update.
    assert describe(sm, "Full")["Properties"] == {**existing, "k29": "29"}
    # Merge then remove: 30 + 1 - 1 stays within the limit.
    sm.update_context(ContextName="Full", Properties={"x": "y"}, PropertiesToRemove=["k00"])
    properties = describe(sm, "Full")["Properties"]
    assert len(properties) == 30
    assert "k00" not in properties
    assert properties["x"] == "y"


# -- quotas (§7) ---------------------------------------------------------------------------------

QUOTA_MESSAGE = (
    "The account-level service limit 'Total number of contexts allowed, excluding those "
    "automatically created by SageMaker' is 3 Contexts, with current utilization of 3 Contexts "
    "and a request delta of 1 Contexts."
)


def test_quota_limits_contexts_per_region(start_server: Callable[..., Server]) -> None:
    server = start_server("--quota", "contexts=3")
    sm = server.client(f"q{uuid.uuid4().hex[:8]}")
    for name in ("q1", "q2", "q3"):
        create(sm, name)
    error = expect_error(
        "ResourceLimitExceeded",
        sm.create_context,
        ContextName="q4",
        Source=SOURCE,
        ContextType="Endpoint",
        Tags=[{"Key": "k", "Value": "v"}],
    )
    assert isinstance(error, sm.exceptions.ResourceLimitExceeded)
    assert message(error) == QUOTA_MESSAGE
    assert error.response["Message"] == QUOTA_MESSAGE
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_context(ContextName="q4")

    # D26: at the quota, a duplicate is still "already exists", not ResourceLimitExceeded.
    error = expect_error(
        "ValidationException",
        sm.create_context,
        ContextName="Q1",
        Source=SOURCE,
        ContextType="Endpoint",
    )
    assert "already exists" in message(error)

    # Deleting releases capacity; the next create over the limit fails again.
    sm.delete_context(ContextName="q2")
    create(sm, "q4")
    error = expect_error(
        "ResourceLimitExceeded", sm.create_context, ContextName="q5", Source=SOURCE, ContextType=""
    )
    assert message(error) == QUOTA_MESSAGE
    assert len(sm.list_contexts()["ContextSummaries"]) == 3

    # The quota is per (account, region): another region has its own three.
    other = server.client(f"q{uuid.uuid4().hex[:8]}")
    for name in ("q1", "q2", "q3"):
        create(other, name)
    with pytest.raises(other.exceptions.ResourceLimitExceeded):
        create(other, "q4")


# -- regions (§3.1) ------------------------------------------------------------------------------


def test_regions_are_isolated(server: Server) -> None:
    region_a, region_b = f"ra{uuid.uuid4().hex[:8]}", f"rb{uuid.uuid4().hex[:8]}"
    a, b = server.client(region_a), server.client(region_b)
    arn_a = create(a, "Shared", ContextType="InA")
    arn_b = create(b, "Shared", ContextType="InB")  # the same name is free in another region
    assert arn_a == context_arn(region_a, "Shared")
    assert arn_b == context_arn(region_b, "Shared")
    only_a = create(a, unique("only-a"))

    assert set(arns_of(a.list_contexts()["ContextSummaries"])) == {arn_a, only_a}
    assert arns_of(b.list_contexts()["ContextSummaries"]) == [arn_b]
    assert describe(a, "shared")["ContextType"] == "InA"
    assert describe(b, "shared")["ContextType"] == "InB"

    # Another region's ARN resolves to nothing (D19), even where the name exists locally.
    error = expect_error("ResourceNotFound", a.describe_context, ContextName=arn_b)
    assert isinstance(error, a.exceptions.ResourceNotFound)
    expect_error("ResourceNotFound", b.describe_context, ContextName=only_a)
    other_account = arn_a.replace(ACCOUNT, "210987654321")
    expect_error("ResourceNotFound", a.describe_context, ContextName=other_account)

    a.delete_context(ContextName="Shared")
    assert describe(b, "Shared")["ContextArn"] == arn_b
    expect_error("ResourceNotFound", b.delete_context, ContextName=only_a.rsplit("/", 1)[1])
