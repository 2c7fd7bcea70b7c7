"""AddTags, ListTags and DeleteTags on context ARNs (spec §4.7, D27, D34-D36)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.awsjson import context_arn, expect_error, lineage, message
from tests.conftest import Server


def tag(key: str, value: str = "v") -> dict[str, str]:
    return {"Key": key, "Value": value}


def new_context(sm: Any, name: str = "Tagged", tags: list[dict[str, str]] | None = None) -> str:
    params: dict[str, Any] = {"Tags": tags} if tags is not None else {}
    arn: str = sm.create_context(
        ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="Endpoint", **params
    )["ContextArn"]
    return arn


def listed(sm: Any, arn: str, **params: Any) -> list[dict[str, str]]:
    response = sm.list_tags(ResourceArn=arn, **params)
    assert "NextToken" not in response
    tags: list[dict[str, str]] = response["Tags"]
    return tags


def test_add_tags_returns_the_tags_and_list_keeps_insertion_order(sm: Any) -> None:
    arn = new_context(sm)
    assert listed(sm, arn) == []
    first = [tag("b", "1"), tag("a", "2")]
    response = sm.add_tags(ResourceArn=arn, Tags=first)
    assert response["Tags"] == first  # the SDK's set_tag reads response["Tags"]
    sm.add_tags(ResourceArn=arn, Tags=[tag("c", "3")])
    assert listed(sm, arn) == [tag("b", "1"), tag("a", "2"), tag("c", "3")]
    assert listed(sm, arn)[-1] == tag("c", "3")  # what AWS's integration test compares


def test_add_tags_upserts_and_an_overwrite_keeps_its_position(sm: Any) -> None:
    arn = new_context(sm)
    sm.add_tags(ResourceArn=arn, Tags=[tag("a"), tag("b"), tag("c")])
    response = sm.add_tags(ResourceArn=arn, Tags=[tag("b", "new"), tag("d", "4")])
    assert response["Tags"] == [tag("b", "new"), tag("d", "4")]
    assert listed(sm, arn) == [tag("a"), tag("b", "new"), tag("c"), tag("d", "4")]
    sm.add_tags(ResourceArn=arn, Tags=[tag("a", "again")])
    tags = listed(sm, arn)
    assert tags == [tag("a", "again"), tag("b", "new"), tag("c"), tag("d", "4")]
    assert len({t["Key"] for t in tags}) == len(tags)


def test_create_time_tags_come_first_and_last_duplicate_wins(sm: Any) -> None:
    arn = new_context(sm, tags=[tag("x", "1"), tag("y", "2"), tag("x", "3")])
    tags = listed(sm, arn)
    assert len(tags) == 2
    assert tag("x", "3") in tags  # D27: last wins
    assert tag("y", "2") in tags
    sm.add_tags(ResourceArn=arn, Tags=[tag("z")])
    assert listed(sm, arn)[:2] == tags
    assert listed(sm, arn)[2] == tag("z")


def test_duplicate_keys_in_one_add_tags_request_last_wins(sm: Any) -> None:
    arn = new_context(sm, tags=[tag("a", "0")])
    response = sm.add_tags(ResourceArn=arn, Tags=[tag("a", "1"), tag("b", "2"), tag("a", "3")])
    returned = response["Tags"]
    assert sorted(t["Key"] for t in returned) == ["a", "b"]
    assert tag("a", "3") in returned
    assert listed(sm, arn) == [tag("a", "3"), tag("b", "2")]


def test_empty_tag_value_and_unicode_keys_are_accepted(sm: Any) -> None:
    arn = new_context(sm)
    tags = [tag("clé-ünï 名前", "värde 値 1"), tag("path/a:b=c+d@e_f.g", ""), tag("x", "")]
    sm.add_tags(ResourceArn=arn, Tags=tags)
    assert listed(sm, arn) == tags


def test_arn_is_matched_case_insensitively(sm: Any) -> None:
    arn = new_context(sm, "CaseTags")
    shouted = arn.replace("context/casetags", "context/CASETAGS")
    sm.add_tags(ResourceArn=shouted, Tags=[tag("k")])
    assert listed(sm, arn) == [tag("k")]
    assert listed(sm, shouted) == [tag("k")]
    sm.delete_tags(ResourceArn=shouted, TagKeys=["k"])
    assert listed(sm, arn) == []


def test_at_most_fifty_tags_per_resource(sm: Any) -> None:
    fifty = [tag(f"k{i:02d}", str(i)) for i in range(50)]
    arn = new_context(sm, tags=fifty)
    assert listed(sm, arn) == fifty
    error = expect_error("ValidationException", sm.add_tags, ResourceArn=arn, Tags=[tag("k50")])
    assert "50" in message(error)
    # Overwriting an existing key at the limit is still allowed.
    sm.add_tags(ResourceArn=arn, Tags=[tag("k07", "changed")])
    assert listed(sm, arn)[7] == tag("k07", "changed")
    assert len(listed(sm, arn)) == 50


def test_a_request_crossing_the_limit_changes_nothing(sm: Any) -> None:
    thirty = [tag(f"a{i}") for i in range(30)]
    arn = new_context(sm, tags=thirty)
    more = [tag(f"b{i}") for i in range(21)]
    expect_error("ValidationException", sm.add_tags, ResourceArn=arn, Tags=more)
    assert listed(sm, arn) == thirty
    sm.add_tags(ResourceArn=arn, Tags=more[:20])
    assert len(listed(sm, arn)) == 50


def test_aws_prefix_is_reserved(sm: Any, region: str) -> None:
    arn = new_context(sm)
    expected = "System prefix 'aws:' reserved for AWS usage in tag key: aws:owner"
    error = expect_error(
        "ValidationException", sm.add_tags, ResourceArn=arn, Tags=[tag("ok"), tag("aws:owner")]
    )
    assert message(error) == expected
    assert listed(sm, arn) == []  # nothing of the rejected request was applied
    error = expect_error(
        "ValidationException", sm.delete_tags, ResourceArn=arn, TagKeys=["aws:owner"]
    )
    assert message(error) == expected
    error = expect_error(
        "ValidationException",
        sm.create_context,
        ContextName="AwsTagged",
        Source={"SourceUri": "s"},
        ContextType="t",
        Tags=[tag("aws:owner")],
    )
    assert message(error) == expected
    # The entity and its tags are written together or not at all.
    expect_error("ResourceNotFound", sm.describe_context, ContextName="AwsTagged")
    # "aws" without the colon is an ordinary key.
    sm.add_tags(ResourceArn=arn, Tags=[tag("awsome")])
    assert listed(sm, arn) == [tag("awsome")]


def test_unknown_resources_do_not_exist(sm: Any, region: str, server: Server) -> None:
    missing = context_arn(region, "ghost")
    hosted = new_context(sm, "Real")
    foreign_region = hosted.replace(f":{region}:", ":us-west-2:")
    others = [
        missing,
        foreign_region,
        hosted.replace("123456789012", "210987654321"),
        f"arn:aws:sagemaker:{region}:123456789012:experiment/real",
        f"arn:aws:sagemaker:{region}:123456789012:training-job/real",
        f"arn:aws:sagemaker:{region}:123456789012:context",
    ]
    for arn in others:
        for operation, params in (
            (sm.add_tags, {"Tags": [tag("k")]}),
            (sm.list_tags, {}),
            (sm.delete_tags, {"TagKeys": ["k"]}),
        ):
            error = expect_error("ValidationException", operation, ResourceArn=arn, **params)
            assert message(error) == "Resource does not exist", (arn, operation)
    # The hosted context in its own region is unaffected by all of that.
    assert listed(sm, hosted) == []
    other_region = server.client(f"o{uuid.uuid4().hex[:8]}")
    error = expect_error("ValidationException", other_region.list_tags, ResourceArn=hosted)
    assert message(error) == "Resource does not exist"


def test_delete_tags_removes_keys_and_ignores_absent_ones(sm: Any) -> None:
    arn = new_context(sm, tags=[tag("a"), tag("b"), tag("c")])
    response = sm.delete_tags(ResourceArn=arn, TagKeys=["b", "not-there"])
    response.pop("ResponseMetadata")
    assert response == {}
    assert listed(sm, arn) == [tag("a"), tag("c")]
    sm.delete_tags(ResourceArn=arn, TagKeys=["b"])  # already gone: fine
    sm.add_tags(ResourceArn=arn, Tags=[tag("b", "back")])
    assert listed(sm, arn) == [tag("a"), tag("c"), tag("b", "back")]  # re-added at the end


def test_list_tags_pages(sm: Any) -> None:
    fifty = [tag(f"t{i:02d}") for i in range(50)]
    arn = new_context(sm, tags=fifty)
    assert listed(sm, arn) == fifty  # default page 50 (D34) holds them all
    assert listed(sm, arn, MaxResults=50) == fifty
    assert listed(sm, arn, MaxResults=10_000) == fifty  # no maximum
    assert listed(sm, arn, MaxResults=50, NextToken="") == fifty
    error = expect_error("ValidationException", sm.list_tags, ResourceArn=arn, NextToken="bogus")
    assert message(error) == "Invalid NextToken."


@pytest.mark.parametrize("size", [2**31, 2**63 - 1, 2**64 - 1, 10**23])
def test_huge_list_tags_page_size_is_not_a_fault(server: Server, region: str, size: int) -> None:
    # ListTags.MaxResults has a minimum of 50 and no maximum (§2.4); whatever stemma makes of a
    # huge value, it is the client's doing and must not be a 5xx (§11).
    arn = new_context(server.client(region), tags=[tag("a")])
    body = f'{{"ResourceArn": "{arn}", "MaxResults": {size}}}'
    response = lineage(server.url, "ListTags", body, region=region)
    assert response.status in (200, 400), (response.status, response.body)
    if response.status == 200:
        assert response.json() == {"Tags": [tag("a")]}
    else:
        assert response.json()["__type"] in ("ValidationException", "SerializationException")


def test_deleting_a_context_deletes_its_tags(sm: Any) -> None:
    arn = new_context(sm, "Gone", tags=[tag("a")])
    sm.add_tags(ResourceArn=arn, Tags=[tag("b")])
    sm.delete_context(ContextName="Gone")
    error = expect_error("ValidationException", sm.list_tags, ResourceArn=arn)
    assert message(error) == "Resource does not exist"
    again = new_context(sm, "GONE")
    assert again == arn
    assert listed(sm, again) == []
