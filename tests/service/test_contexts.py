"""Contexts, exactly as SageMaker serves them (issue #2), through real boto3.

Every test runs in a region of its own (the ``sm`` fixture), so lists see only that test's data.
Spec references are to shared/reference/sagemaker-lineage-api.md.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.awsjson import ACCOUNT, context_arn, expect_error, message
from tests.conftest import Server, unique

SOURCE = {"SourceUri": "s3://bucket/key"}


def create(sm: Any, name: str, **params: Any) -> str:
    params.setdefault("Source", SOURCE)
    params.setdefault("ContextType", "Endpoint")
    arn: str = sm.create_context(ContextName=name, **params)["ContextArn"]
    return arn


def create_in_order(sm: Any, names: Iterable[str], **params: Any) -> list[str]:
    """Create one after another, each in a later millisecond than the one before."""
    arns = []
    for name in names:
        arns.append(create(sm, name, **params))
        time.sleep(0.003)
    return arns


def create_parallel(sm: Any, names: list[str]) -> list[str]:
    """Create concurrently: many share a CreationTime millisecond, so ARN tie-breaks matter."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda n: create(sm, n), names))


def describe(sm: Any, name_or_arn: str) -> dict[str, Any]:
    response: dict[str, Any] = sm.describe_context(ContextName=name_or_arn)
    response.pop("ResponseMetadata")
    return response


def ms(value: dt.datetime) -> int:
    return round(value.timestamp() * 1000)


def at_ms(milliseconds: int) -> dt.datetime:
    """A datetime botocore sends as exactly ``milliseconds`` (it keeps whole milliseconds)."""
    whole = dt.datetime.fromtimestamp(milliseconds // 1000, tz=dt.UTC)
    return whole + dt.timedelta(milliseconds=milliseconds % 1000)


def arns_of(summaries: list[dict[str, Any]]) -> list[str]:
    return [s["ContextArn"] for s in summaries]


def page_through(
    sm: Any,
    page_size: int | None = None,
    after_page: Callable[[list[dict[str, Any]]], None] | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """Every summary, page by page, checking the token rules of D30 on the way."""
    if page_size is not None:
        params["MaxResults"] = page_size
    seen_tokens: set[str] = set()
    items: list[dict[str, Any]] = []
    while True:
        response = sm.list_contexts(**params)
        page = response["ContextSummaries"]
        token = response.get("NextToken")
        if token:
            # Never an empty (or short) page with a token: more items really follow.
            assert len(page) == (page_size or 10)
            assert token not in seen_tokens, "a NextToken was repeated"
            seen_tokens.add(token)
        items.extend(page)
        if after_page is not None:
            after_page(page)
        if not token:
            return items
        params["NextToken"] = token


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


# -- ListContexts: filters -----------------------------------------------------------------------


def test_list_filters_are_exact_case_sensitive_and_anded(sm: Any) -> None:
    a = create(sm, "fa", Source={"SourceUri": "s3://b/A"}, ContextType="Endpoint")
    b = create(sm, "fb", Source={"SourceUri": "s3://b/a"}, ContextType="Endpoint")
    c = create(sm, "fc", Source={"SourceUri": "s3://b/A"}, ContextType="Model")
    d = create(sm, "fd", Source={"SourceUri": "s3://b/A"}, ContextType="endpoint")

    def listed(**filters: Any) -> set[str]:
        return set(arns_of(page_through(sm, **filters)))

    assert listed() == {a, b, c, d}
    assert listed(SourceUri="s3://b/A") == {a, c, d}
    assert listed(SourceUri="s3://b/a") == {b}
    assert listed(SourceUri="s3://b") == set()  # no prefix matching
    assert listed(ContextType="Endpoint") == {a, b}
    assert listed(ContextType="endpoint") == {d}
    assert listed(SourceUri="s3://b/A", ContextType="Endpoint") == {a}
    assert listed(SourceUri="s3://b/a", ContextType="Model") == set()


def test_list_summaries_have_exactly_the_summary_members(sm: Any) -> None:
    arn = create(
        sm,
        "Summ",
        Source={"SourceUri": "s3://s", "SourceType": "S3"},
        Description="not in summaries",
        Properties={"p": "v"},
    )
    (summary,) = sm.list_contexts()["ContextSummaries"]
    described = describe(sm, arn)
    assert summary == {
        "ContextArn": arn,
        "ContextName": "Summ",
        "Source": {"SourceUri": "s3://s", "SourceType": "S3"},
        "ContextType": "Endpoint",
        "CreationTime": described["CreationTime"],
        "LastModifiedTime": described["LastModifiedTime"],
    }


def test_created_after_and_before_are_inclusive_at_millisecond_precision(sm: Any) -> None:
    arn = create(sm, "Timed")
    t = ms(describe(sm, arn)["CreationTime"])

    def listed(**filters: Any) -> list[str]:
        return arns_of(sm.list_contexts(**filters)["ContextSummaries"])

    # Fractional bounds (botocore sends whole milliseconds) compare exactly, inclusively.
    assert listed(CreatedAfter=at_ms(t)) == [arn]
    assert listed(CreatedBefore=at_ms(t)) == [arn]
    assert listed(CreatedAfter=at_ms(t), CreatedBefore=at_ms(t)) == [arn]
    if t % 1000 != 999:  # t + 1 ms is still fractional, so compared exactly
        assert listed(CreatedAfter=at_ms(t + 1)) == []
    if t % 1000 != 1:
        assert listed(CreatedBefore=at_ms(t - 1)) == []
    # After > Before is an empty page, not an error (D28).
    response = sm.list_contexts(CreatedAfter=at_ms(t + 5000), CreatedBefore=at_ms(t - 5000))
    assert response["ContextSummaries"] == []
    assert "NextToken" not in response


def test_integral_time_bounds_compare_whole_seconds(sm: Any) -> None:
    """D28: botocore sends whole seconds for a datetime without a fraction, so an integral
    bound is compared with the creation time truncated to the second."""
    arn = create(sm, "Seconds")
    t = ms(describe(sm, arn)["CreationTime"])
    second = t // 1000

    def listed(**filters: Any) -> list[str]:
        return arns_of(sm.list_contexts(**filters)["ContextSummaries"])

    same_second = dt.datetime.fromtimestamp(second, tz=dt.UTC)
    # CreatedBefore=<that second> includes an item created later within that second.
    assert listed(CreatedBefore=same_second) == [arn]
    assert listed(CreatedAfter=same_second) == [arn]
    assert listed(CreatedAfter=same_second, CreatedBefore=same_second) == [arn]
    assert listed(CreatedBefore=same_second - dt.timedelta(seconds=1)) == []
    assert listed(CreatedAfter=same_second + dt.timedelta(seconds=1)) == []
    # Integer epoch seconds, as older botocore sends them, behave the same.
    assert listed(CreatedBefore=second) == [arn]
    assert listed(CreatedAfter=second + 1) == []


def test_time_filters_and_with_the_other_filters(sm: Any) -> None:
    early = create(sm, "Early", ContextType="A")
    time.sleep(0.01)
    late_a = create(sm, "LateA", ContextType="A")
    create(sm, "LateB", ContextType="B")
    boundary = ms(describe(sm, late_a)["CreationTime"])
    assert ms(describe(sm, early)["CreationTime"]) < boundary
    listed = sm.list_contexts(ContextType="A", CreatedAfter=at_ms(boundary))["ContextSummaries"]
    assert arns_of(listed) == [late_a]
    listed = sm.list_contexts(ContextType="A", CreatedBefore=at_ms(boundary - 1))
    assert arns_of(listed["ContextSummaries"]) == [early]


# -- ListContexts: order and pages ---------------------------------------------------------------


def test_default_is_ten_per_page_newest_first(sm: Any) -> None:
    names = [f"d{i:02d}" for i in range(12)]
    arns = create_in_order(sm, names)
    first = sm.list_contexts()
    assert arns_of(first["ContextSummaries"]) == arns[::-1][:10]
    second = sm.list_contexts(NextToken=first["NextToken"])
    assert arns_of(second["ContextSummaries"]) == arns[::-1][10:]
    assert "NextToken" not in second


def test_sort_by_creation_time_both_orders(sm: Any) -> None:
    arns = create_in_order(sm, ["c", "a", "D", "b"])
    ascending = page_through(sm, SortBy="CreationTime", SortOrder="Ascending")
    assert arns_of(ascending) == arns  # creation order, as AWS's integration test expects
    descending = page_through(sm, SortBy="CreationTime", SortOrder="Descending")
    assert arns_of(descending) == arns[::-1]
    assert arns_of(page_through(sm, SortBy="CreationTime")) == arns[::-1]
    assert arns_of(page_through(sm, SortOrder="Ascending")) == arns


def test_sort_by_name_uses_stored_names_in_code_point_order(sm: Any) -> None:
    names = ["beta", "Zed", "alpha", "Alpha2", "b_1", "B0", "a-9"]
    create_in_order(sm, names)
    ascending = [s["ContextName"] for s in page_through(sm, SortBy="Name", SortOrder="Ascending")]
    assert ascending == sorted(names)  # "Zed" before "alpha": not case-folded
    descending = [
        s["ContextName"] for s in page_through(sm, 2, SortBy="Name", SortOrder="Descending")
    ]
    assert descending == sorted(names, reverse=True)
    default_order = [s["ContextName"] for s in page_through(sm, SortBy="Name")]
    assert default_order == sorted(names, reverse=True)


def test_creation_time_ties_are_broken_by_arn_across_pages(sm: Any) -> None:
    names = [f"tie-{uuid.uuid4().hex[:6]}" for _ in range(40)]
    create_parallel(sm, names)
    full = sm.list_contexts(MaxResults=100, SortOrder="Ascending")["ContextSummaries"]
    keys = [(ms(s["CreationTime"]), s["ContextArn"]) for s in full]
    assert len(full) == 40
    assert keys == sorted(keys)
    for order in ("Ascending", "Descending"):
        for size in (1, 3):
            paged = page_through(sm, size, SortOrder=order)
            expected = sorted(keys, reverse=order == "Descending")
            assert [(ms(s["CreationTime"]), s["ContextArn"]) for s in paged] == expected


def test_every_page_size_from_1_to_100(sm: Any) -> None:
    names = [f"p{i:03d}" for i in range(101)]
    create_parallel(sm, names)
    everything = arns_of(page_through(sm, 100))
    assert len(everything) == 101
    assert len(set(everything)) == 101
    first = sm.list_contexts(MaxResults=100)
    assert len(first["ContextSummaries"]) == 100
    assert "NextToken" in first
    last = sm.list_contexts(MaxResults=100, NextToken=first["NextToken"])
    assert len(last["ContextSummaries"]) == 1
    assert "NextToken" not in last
    for size in (1, 7, 10, 50, 99):
        assert arns_of(page_through(sm, size)) == everything, size
    for order in ("Ascending", "Descending"):
        by_name = page_through(sm, 33, SortBy="Name", SortOrder=order)
        expected = sorted(names, reverse=order == "Descending")
        assert [s["ContextName"] for s in by_name] == expected


def test_exact_multiple_of_page_size_has_no_token_on_last_page(sm: Any) -> None:
    create_in_order(sm, ["m1", "m2", "m3", "m4"])
    first = sm.list_contexts(MaxResults=2)
    assert len(first["ContextSummaries"]) == 2
    second = sm.list_contexts(MaxResults=2, NextToken=first["NextToken"])
    assert len(second["ContextSummaries"]) == 2
    assert "NextToken" not in second
    assert "NextToken" not in sm.list_contexts(MaxResults=4)
    empty_region = sm.list_contexts(ContextType="none-of-these")
    assert empty_region["ContextSummaries"] == []
    assert "NextToken" not in empty_region


def test_boto3_paginator_returns_everything(sm: Any) -> None:
    arns = create_in_order(sm, [f"pg{i}" for i in range(11)])
    paginator = sm.get_paginator("list_contexts")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 3}))
    assert [len(p["ContextSummaries"]) for p in pages] == [3, 3, 3, 2]
    result = paginator.paginate(SortOrder="Ascending").build_full_result()
    assert arns_of(result["ContextSummaries"]) == arns
    limited = paginator.paginate(PaginationConfig={"MaxItems": 4, "PageSize": 3})
    assert len(limited.build_full_result()["ContextSummaries"]) == 4


def test_deleting_every_item_while_paging_skips_nothing(sm: Any) -> None:
    names = [f"del{i:02d}" for i in range(17)]

    def delete_page(page: list[dict[str, Any]]) -> None:
        for summary in page:
            sm.delete_context(ContextName=summary["ContextName"])

    for sort, order in (("CreationTime", "Descending"), ("Name", "Ascending")):
        create_parallel(sm, names)
        seen = page_through(sm, 4, delete_page, SortBy=sort, SortOrder=order)
        assert sorted(s["ContextName"] for s in seen) == names
        assert sm.list_contexts()["ContextSummaries"] == []


def test_items_created_while_paging_appear_only_ahead_of_the_cursor(sm: Any) -> None:
    old = create_in_order(sm, ["old1", "old2", "old3"])
    first = sm.list_contexts(MaxResults=2, SortOrder="Ascending")
    assert arns_of(first["ContextSummaries"]) == old[:2]
    newer = create(sm, "newer")  # ahead of an ascending cursor: returned
    rest = page_through(sm, 2, SortOrder="Ascending", NextToken=first["NextToken"])
    assert arns_of(rest) == [old[2], newer]

    first = sm.list_contexts(MaxResults=2)  # descending: newest first
    assert arns_of(first["ContextSummaries"]) == [newer, old[2]]
    time.sleep(0.003)
    create(sm, "newest")  # behind a descending cursor: not returned
    rest = page_through(sm, 2, NextToken=first["NextToken"])
    assert arns_of(rest) == [old[1], old[0]]


def test_empty_next_token_means_first_page(sm: Any) -> None:
    arns = create_in_order(sm, ["e1", "e2"])
    response = sm.list_contexts(NextToken="")
    assert arns_of(response["ContextSummaries"]) == arns[::-1]


def test_invalid_tampered_and_mismatched_tokens_are_rejected(sm: Any) -> None:
    create_in_order(sm, ["t1", "t2", "t3"])
    token = sm.list_contexts(MaxResults=1)["NextToken"]
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    bad_tokens = ["abc", "not a token!", tampered, token[:-4], token + "AAAA"]
    for bad in bad_tokens:
        error = expect_error("ValidationException", sm.list_contexts, NextToken=bad)
        assert message(error) == "Invalid NextToken."
    # Reused with other filters or another sort: refused (D30).
    for changed in (
        {"ContextType": "Endpoint"},
        {"SourceUri": SOURCE["SourceUri"]},
        {"SortOrder": "Ascending"},
        {"SortBy": "Name"},
        {"CreatedAfter": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
        {"CreatedBefore": dt.datetime(2100, 1, 1, tzinfo=dt.UTC)},
    ):
        error = expect_error(
            "ValidationException", sm.list_contexts, MaxResults=1, NextToken=token, **changed
        )
        assert message(error) == "Invalid NextToken.", changed
    # The untouched token still works.
    assert len(sm.list_contexts(MaxResults=1, NextToken=token)["ContextSummaries"]) == 1


def test_token_from_another_operation_is_invalid(sm: Any) -> None:
    arn = create(sm, "Tok1")
    create(sm, "Tok2")
    token = sm.list_contexts(MaxResults=1)["NextToken"]
    error = expect_error("ValidationException", sm.list_tags, ResourceArn=arn, NextToken=token)
    assert message(error) == "Invalid NextToken."


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
