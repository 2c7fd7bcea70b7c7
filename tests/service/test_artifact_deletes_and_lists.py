"""Artifacts over boto3: delete by ARN or Source (§4.6, D33) and list (§4.4)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from tests.awsjson import error_message
from tests.conftest import unique
from tests.service.artifacts_support import (
    create,
    source,
    summaries,
)

# -- delete -----------------------------------------------------------------------------------


def test_delete_by_arn_then_again(sm: Any) -> None:
    arn = create(sm)
    assert sm.delete_artifact(ArtifactArn=arn)["ArtifactArn"] == arn
    error_message("ResourceNotFound", sm.describe_artifact, ArtifactArn=arn)
    error_message("ResourceNotFound", sm.delete_artifact, ArtifactArn=arn)


def test_delete_by_arn_in_another_case_returns_canonical_arn(sm: Any) -> None:
    arn = create(sm)
    prefix, digest = arn.rsplit("/", 1)
    assert sm.delete_artifact(ArtifactArn=f"{prefix}/{digest.upper()}")["ArtifactArn"] == arn


def test_delete_by_source_with_types_in_any_order(sm: Any) -> None:
    uri = unique("s3://del/k")
    arn = create(sm, uri, ("MD5Hash", "m"), ("Custom", "c"))
    other = create(sm, uri, ("MD5Hash", "m"))
    response = sm.delete_artifact(Source=source(uri, ("Custom", "c"), ("MD5Hash", "m")))
    assert response["ArtifactArn"] == arn
    assert [s["ArtifactArn"] for s in summaries(sm, SourceUri=uri)] == [other]
    error_message(
        "ResourceNotFound",
        sm.delete_artifact,
        Source=source(uri, ("Custom", "c"), ("MD5Hash", "m")),
    )
    # Types given: an exact key match only, even when one artifact has that URI.
    error_message("ResourceNotFound", sm.delete_artifact, Source=source(uri, ("Custom", "c")))
    assert sm.describe_artifact(ArtifactArn=other)["ArtifactArn"] == other


def test_delete_by_uri_prefers_the_untyped_artifact(sm: Any) -> None:
    uri = unique("s3://del/bare")
    typed = create(sm, uri, ("Custom", "c"))
    bare = create(sm, uri)
    assert sm.delete_artifact(Source={"SourceUri": uri})["ArtifactArn"] == bare
    assert [s["ArtifactArn"] for s in summaries(sm, SourceUri=uri)] == [typed]


def test_delete_by_uri_takes_the_only_artifact(sm: Any) -> None:
    uri = unique("s3://del/only")
    typed = create(sm, uri, ("S3Version", "3"))
    assert sm.delete_artifact(Source={"SourceUri": uri})["ArtifactArn"] == typed
    error_message("ResourceNotFound", sm.describe_artifact, ArtifactArn=typed)
    error_message("ResourceNotFound", sm.delete_artifact, Source={"SourceUri": uri})


def test_delete_by_uri_with_several_candidates_is_rejected(sm: Any) -> None:
    uri = unique("s3://del/many")
    first = create(sm, uri, ("Custom", "1"))
    second = create(sm, uri, ("Custom", "2"))
    message = error_message("ValidationException", sm.delete_artifact, Source={"SourceUri": uri})
    assert "more than one artifact" in message
    assert {s["ArtifactArn"] for s in summaries(sm, SourceUri=uri)} == {first, second}


def test_delete_arn_wins_over_source(sm: Any) -> None:
    named_by_arn = create(sm)
    uri = unique("s3://del/source")
    named_by_source = create(sm, uri)
    response = sm.delete_artifact(ArtifactArn=named_by_arn, Source={"SourceUri": uri})
    assert response["ArtifactArn"] == named_by_arn
    assert sm.describe_artifact(ArtifactArn=named_by_source)["ArtifactArn"] == named_by_source
    # A stale Source beside a valid ARN is ignored; a missing ARN is not rescued by the Source.
    error_message(
        "ResourceNotFound",
        sm.delete_artifact,
        ArtifactArn=named_by_arn,
        Source={"SourceUri": uri},
    )
    assert sm.describe_artifact(ArtifactArn=named_by_source)["ArtifactArn"] == named_by_source


def test_delete_without_identifiers_is_rejected(sm: Any) -> None:
    message = error_message("ValidationException", sm.delete_artifact)
    assert message == "Either ArtifactArn or Source must be specified."


def test_deleted_source_can_be_created_again_with_the_same_arn(sm: Any) -> None:
    uri = unique("s3://again/k")
    arn = create(sm, uri, ("Custom", "x"), ArtifactName="first")
    sm.delete_artifact(ArtifactArn=arn)
    again = create(sm, uri, ("Custom", "x"), ArtifactName="second")
    assert again == arn
    assert sm.describe_artifact(ArtifactArn=arn)["ArtifactName"] == "second"


# -- list -------------------------------------------------------------------------------------


def _create_spaced(sm: Any, count: int, **kw: Any) -> list[str]:
    arns = []
    for _ in range(count):
        arns.append(create(sm, **kw))
        time.sleep(0.003)  # distinct creation milliseconds
    return arns


def test_list_defaults_newest_first_ten_per_page(sm: Any) -> None:
    arns = _create_spaced(sm, 12)
    first = sm.list_artifacts()
    assert [s["ArtifactArn"] for s in first["ArtifactSummaries"]] == arns[::-1][:10]
    second = sm.list_artifacts(NextToken=first["NextToken"])
    assert [s["ArtifactArn"] for s in second["ArtifactSummaries"]] == arns[::-1][10:]
    assert "NextToken" not in second


def test_list_sorts_by_creation_time_only(sm: Any) -> None:
    arns = _create_spaced(sm, 4)
    asc = sm.list_artifacts(SortBy="CreationTime", SortOrder="Ascending")
    assert [s["ArtifactArn"] for s in asc["ArtifactSummaries"]] == arns
    desc = sm.list_artifacts(SortBy="CreationTime", SortOrder="Descending")
    assert [s["ArtifactArn"] for s in desc["ArtifactSummaries"]] == arns[::-1]
    message = error_message("ValidationException", sm.list_artifacts, SortBy="Name")
    assert message == (
        "1 validation error detected: Value 'Name' at 'sortBy' failed to satisfy constraint: "
        "Member must satisfy enum value set: [CreationTime]"
    )
    error_message("ValidationException", sm.list_artifacts, SortOrder="ascending")


def test_list_summaries_carry_source_types(sm: Any) -> None:
    plain_uri, typed_uri = unique("s3://l/plain"), unique("s3://l/typed")
    plain = sm.create_artifact(Source={"SourceUri": plain_uri}, ArtifactType="DataSet")
    typed = create(
        sm,
        typed_uri,
        ("S3ETag", "e"),
        ("Custom", "c"),
        ArtifactName="Typed",
        ArtifactType="Model",
        Properties={"p": "v"},
        MetadataProperties={"ProjectId": "x"},
    )
    by_arn = {s["ArtifactArn"]: s for s in summaries(sm)}
    plain_summary = by_arn[plain["ArtifactArn"]]
    assert plain_summary["Source"] == {"SourceUri": plain_uri, "SourceTypes": []}
    assert "ArtifactName" not in plain_summary
    typed_summary = by_arn[typed]
    assert set(typed_summary) == {
        "ArtifactArn",
        "ArtifactName",
        "Source",
        "ArtifactType",
        "CreationTime",
        "LastModifiedTime",
    }
    assert typed_summary["ArtifactName"] == "Typed"
    assert typed_summary["ArtifactType"] == "Model"
    assert typed_summary["Source"] == source(typed_uri, ("S3ETag", "e"), ("Custom", "c"))
    assert isinstance(typed_summary["CreationTime"], datetime)


def test_list_filters_are_anded(sm: Any) -> None:
    uri = unique("s3://f/k")
    a = create(sm, uri, ("Custom", "1"), ArtifactType="Model")
    b = create(sm, uri, ("Custom", "2"), ArtifactType="DataSet")
    c = create(sm, ArtifactType="Model")
    assert {s["ArtifactArn"] for s in summaries(sm, SourceUri=uri)} == {a, b}
    assert {s["ArtifactArn"] for s in summaries(sm, ArtifactType="Model")} == {a, c}
    both = summaries(sm, SourceUri=uri, ArtifactType="Model")
    assert [s["ArtifactArn"] for s in both] == [a]
    assert summaries(sm, ArtifactType="model") == []  # exact, case-sensitive (D28)
    assert summaries(sm, SourceUri=uri.upper()) == []


def test_list_created_bounds_are_inclusive_whole_seconds(sm: Any) -> None:
    arn = create(sm)
    created = sm.describe_artifact(ArtifactArn=arn)["CreationTime"]
    second = created.replace(microsecond=0)
    listed = [s["ArtifactArn"] for s in summaries(sm, CreatedAfter=second, CreatedBefore=second)]
    assert listed == [arn]
    assert summaries(sm, CreatedAfter=second + timedelta(seconds=1)) == []
    assert summaries(sm, CreatedBefore=second - timedelta(seconds=1)) == []
    assert summaries(sm, CreatedAfter=second + timedelta(seconds=1), CreatedBefore=second) == []


def test_paginator_walks_every_page_without_repeats(sm: Any) -> None:
    arns = _create_spaced(sm, 7)
    pages = list(
        sm.get_paginator("list_artifacts").paginate(
            SortOrder="Ascending", PaginationConfig={"PageSize": 3}
        )
    )
    assert [len(p["ArtifactSummaries"]) for p in pages] == [3, 3, 1]
    assert "NextToken" not in pages[-1]
    assert [s["ArtifactArn"] for p in pages for s in p["ArtifactSummaries"]] == arns


def test_deleting_while_paging_skips_nothing(sm: Any) -> None:
    arns = _create_spaced(sm, 9)
    seen: list[str] = []
    token: str | None = None
    while True:
        kw: dict[str, Any] = {"MaxResults": 2}
        if token:
            kw["NextToken"] = token
        page = sm.list_artifacts(**kw)
        for item in page["ArtifactSummaries"]:
            seen.append(item["ArtifactArn"])
            sm.delete_artifact(ArtifactArn=item["ArtifactArn"])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == arns[::-1]
    assert sm.list_artifacts()["ArtifactSummaries"] == []


def test_token_bound_to_filters(sm: Any) -> None:
    uri = unique("s3://tok/k")
    for value in "abc":
        create(sm, uri, ("Custom", value))
    page = sm.list_artifacts(SourceUri=uri, MaxResults=1)
    message = error_message(
        "ValidationException",
        sm.list_artifacts,
        SourceUri=uri,
        ArtifactType="Other",
        NextToken=page["NextToken"],
    )
    assert message == "Invalid NextToken."
    error_message("ValidationException", sm.list_artifacts, NextToken="garbage")
