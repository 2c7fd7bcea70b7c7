"""ListContexts: filters, order, pages and tokens (issue #2, spec §4.4, D28-D30), through real
boto3. Every test runs in a region of its own, so lists see only that test's data."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from tests.awsjson import expect_error, message
from tests.service.contexts_support import (
    SOURCE,
    arns_of,
    at_ms,
    create,
    create_in_order,
    create_parallel,
    describe,
    ms,
    page_through,
)

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
