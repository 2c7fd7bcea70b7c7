"""Actions over boto3: names and ARNs (§3.2-3.4, D17, D18, D20), shapes (§2.4, §4.3), Status
(D25), update (D31), delete (§4.6), list (§4.4) and tags (§4.7)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from tests.awsjson import error_message
from tests.conftest import Server, unique

ACCOUNT = "123456789012"
NAME_PATTERN = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}"
STATUSES = ["Unknown", "InProgress", "Completed", "Failed", "Stopping", "Stopped"]


def create(sm: Any, name: str | None = None, **kw: Any) -> str:
    kw.setdefault("Source", {"SourceUri": "job/train"})
    kw.setdefault("ActionType", "TrainingJob")
    arn: str = sm.create_action(ActionName=name or unique("act"), **kw)["ActionArn"]
    return arn


def summaries(sm: Any, **kw: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_actions").paginate(**kw):
        items.extend(page["ActionSummaries"])
    return items


def arn_of(region: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT}:action/{name}"


# -- create and describe ----------------------------------------------------------------------


def test_arn_lowercases_the_name(sm: Any, region: str) -> None:
    arn = create(sm, "My-Training-Action-1")
    assert arn == arn_of(region, "my-training-action-1")


def test_describe_returns_the_full_shape(sm: Any, region: str) -> None:
    metadata = {"CommitId": "abc", "Repository": "r", "GeneratedBy": "g", "ProjectId": "p"}
    properties = {"k": "v" * 2500, "": "", "e": ""}
    src = {"SourceUri": "arn:aws:sagemaker:job/x", "SourceType": "SageMakerJob", "SourceId": "i"}
    before = time.time()
    arn = create(
        sm,
        "Full-Action",
        Source=src,
        ActionType="ModelDeployment",
        Description="deploys",
        Status="InProgress",
        Properties=properties,
        MetadataProperties=metadata,
        Tags=[{"Key": "k", "Value": "v"}],
    )
    d = sm.describe_action(ActionName="Full-Action")
    d.pop("ResponseMetadata")
    created, modified = d.pop("CreationTime"), d.pop("LastModifiedTime")
    assert d == {
        "ActionName": "Full-Action",
        "ActionArn": arn,
        "Source": src,
        "ActionType": "ModelDeployment",
        "Description": "deploys",
        "Status": "InProgress",
        "Properties": properties,
        "CreatedBy": {},
        "LastModifiedBy": {},
        "MetadataProperties": metadata,
        "LineageGroupArn": (
            f"arn:aws:sagemaker:{region}:{ACCOUNT}:lineage-group/sagemaker-default-lineage-group"
        ),
    }
    assert created == modified
    assert before - 1 <= created.timestamp() <= time.time() + 1


def test_minimal_action_omits_unset_members(sm: Any) -> None:
    name = unique("min")
    create(sm, name, Source={"SourceUri": "u"}, ActionType="")
    d = sm.describe_action(ActionName=name)
    assert d["Source"] == {"SourceUri": "u"}
    assert d["Properties"] == {}
    assert d["ActionType"] == ""
    for absent in ("Status", "Description", "MetadataProperties"):
        assert absent not in d  # D25, §4.2


def test_describe_by_name_or_arn_in_any_case(sm: Any) -> None:
    arn = create(sm, "Mixed-Case")
    shouted = arn.replace("mixed-case", "MIXED-Case")
    for identifier in ("Mixed-Case", "mixed-case", "MIXED-CASE", arn, shouted):
        d = sm.describe_action(ActionName=identifier)
        assert d["ActionName"] == "Mixed-Case"
        assert d["ActionArn"] == arn


@pytest.mark.parametrize("kind", ["context", "artifact", "experiment", "experiment-trial"])
def test_describe_with_an_arn_of_another_kind_is_not_found(sm: Any, region: str, kind: str) -> None:
    name = unique("same")
    create(sm, name)
    sm.create_context(ContextName=name, Source={"SourceUri": "u"}, ContextType="T")
    other = f"arn:aws:sagemaker:{region}:{ACCOUNT}:{kind}/{name}"
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_action(ActionName=other)


def test_describe_foreign_or_missing_is_not_found(sm: Any, server: Server, region: str) -> None:
    name = unique("here")
    create(server.client(f"{region}x"), name)
    foreign = arn_of(f"{region}x", name)
    error_message("ResourceNotFound", sm.describe_action, ActionName=foreign)
    error_message(
        "ResourceNotFound",
        sm.describe_action,
        ActionName=foreign.replace(f":{region}x:", f":{region}:").replace(ACCOUNT, "210987654321"),
    )
    message = error_message("ResourceNotFound", sm.describe_action, ActionName="Nope")
    assert message == f"Action {arn_of(region, 'nope')} does not exist."


def test_duplicate_name_is_case_insensitive(sm: Any, region: str) -> None:
    arn = create(sm, "Dup-Name", Description="first")
    for name in ("Dup-Name", "dup-name", "DUP-NAME"):
        message = error_message(
            "ValidationException",
            sm.create_action,
            ActionName=name,
            Source={"SourceUri": "other"},
            ActionType="Other",
        )
        assert "already exists" in message
    d = sm.describe_action(ActionName=arn)
    assert d["ActionName"] == "Dup-Name"
    assert d["Description"] == "first"
    assert [s["ActionArn"] for s in summaries(sm)] == [arn]


def test_same_name_in_another_region_is_another_action(
    sm: Any, server: Server, region: str
) -> None:
    name = unique("twin")
    here = create(sm, name)
    there = create(server.client(f"{region}y"), name)
    assert here == arn_of(region, name)
    assert there == arn_of(f"{region}y", name)


def test_source_uri_is_not_unique(sm: Any) -> None:
    arns = {create(sm, Source={"SourceUri": "foo"}) for _ in range(3)}
    assert len(arns) == 3
    assert {s["ActionArn"] for s in summaries(sm, SourceUri="foo")} == arns


@pytest.mark.parametrize("name", ["with_underscore", "-leading", "trailing-", "a!b", "a b"])
def test_name_pattern_has_no_underscore(sm: Any, name: str) -> None:
    message = error_message(
        "ValidationException",
        sm.create_action,
        ActionName=name,
        Source={"SourceUri": "u"},
        ActionType="T",
    )
    assert message == (
        f"1 validation error detected: Value '{name}' at 'actionName' failed to satisfy "
        f"constraint: Member must satisfy regular expression pattern: {NAME_PATTERN}"
    )


def test_name_lengths(sm: Any) -> None:
    create(sm, "n" * 120)
    message = error_message(
        "ValidationException",
        sm.create_action,
        ActionName="n" * 121,
        Source={"SourceUri": "u"},
        ActionType="T",
    )
    assert "Member must have length less than or equal to 120" in message


def test_property_values_up_to_2500(sm: Any) -> None:
    name = unique("props")
    create(sm, name, Properties={"k": "v" * 2500})
    assert sm.describe_action(ActionName=name)["Properties"]["k"] == "v" * 2500
    message = error_message(
        "ValidationException",
        sm.create_action,
        ActionName=unique("props"),
        Source={"SourceUri": "u"},
        ActionType="T",
        Properties={"k": "v" * 2501},
    )
    assert "at 'properties'" in message
    assert "Member must have length less than or equal to 2500" in message
    message = error_message(
        "ValidationException",
        sm.create_action,
        ActionName=unique("props"),
        Source={"SourceUri": "u"},
        ActionType="T",
        Properties={f"k{i}": "v" for i in range(31)},
    )
    assert "Member must have length less than or equal to 30" in message


def test_status_and_metadata_validation(sm: Any) -> None:
    base = {"Source": {"SourceUri": "u"}, "ActionType": "T"}
    message = error_message(
        "ValidationException", sm.create_action, ActionName="s1", Status="Running", **base
    )
    assert message == (
        "1 validation error detected: Value 'Running' at 'status' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(STATUSES)}]"
    )
    error_message(
        "ValidationException", sm.create_action, ActionName="s2", Status="completed", **base
    )
    message = error_message(
        "ValidationException",
        sm.create_action,
        ActionName="s3",
        MetadataProperties={"Repository": "r" * 1025},
        **base,
    )
    assert "at 'metadataProperties.repository'" in message
    message = error_message(
        "ValidationException",
        sm.create_action,
        ActionName="s4",
        Description="d" * 3073,
        **base,
    )
    assert "at 'description'" in message
    assert summaries(sm) == []


def test_every_status_is_accepted(sm: Any) -> None:
    for status in STATUSES:
        name = f"status-{status}"
        create(sm, name, Status=status)
        assert sm.describe_action(ActionName=name)["Status"] == status


# -- update -----------------------------------------------------------------------------------


def test_update_description_status_and_properties(sm: Any) -> None:
    arn = create(
        sm, "Upd", Properties={"k1": "v1", "k2": "v2"}, MetadataProperties={"ProjectId": "p"}
    )
    first = sm.describe_action(ActionName="Upd")
    assert "Status" not in first
    time.sleep(0.01)
    response = sm.update_action(
        ActionName="UPD",
        Description="now described",
        Status="Completed",
        Properties={"k3": "v" * 2500, "k2": "changed"},
        PropertiesToRemove=["k1", "not-there"],
    )
    assert response["ActionArn"] == arn
    d = sm.describe_action(ActionName="upd")
    assert d["Description"] == "now described"
    assert d["Status"] == "Completed"
    assert d["Properties"] == {"k2": "changed", "k3": "v" * 2500}
    assert d["MetadataProperties"] == {"ProjectId": "p"}
    assert d["ActionName"] == "Upd"
    assert d["ActionType"] == first["ActionType"] and d["Source"] == first["Source"]
    assert d["CreationTime"] == first["CreationTime"]
    assert d["LastModifiedTime"] > first["LastModifiedTime"]


def test_update_leaves_absent_members_alone(sm: Any) -> None:
    create(sm, "Keep", Description="desc", Status="InProgress", Properties={"a": "1"})
    sm.update_action(ActionName="Keep", Properties={"b": "2"})
    d = sm.describe_action(ActionName="Keep")
    assert d["Description"] == "desc"
    assert d["Status"] == "InProgress"
    assert d["Properties"] == {"a": "1", "b": "2"}
    sm.update_action(ActionName="Keep", Description="")
    d = sm.describe_action(ActionName="Keep")
    assert d["Description"] == ""
    assert d["Status"] == "InProgress"


def test_update_properties_merge_then_remove(sm: Any) -> None:
    create(sm, "Order", Properties={"a": "1"})
    sm.update_action(ActionName="Order", Properties={"b": "2"}, PropertiesToRemove=["b", "a"])
    assert sm.describe_action(ActionName="Order")["Properties"] == {}


def test_update_limits(sm: Any) -> None:
    create(sm, "Limits", Properties={f"k{i}": "v" for i in range(30)})
    message = error_message(
        "ValidationException", sm.update_action, ActionName="Limits", Properties={"x": "y"}
    )
    assert "at 'properties'" in message and "less than or equal to 30" in message
    message = error_message(
        "ValidationException",
        sm.update_action,
        ActionName="Limits",
        Properties={"k0": "v" * 2501},
    )
    assert "less than or equal to 2500" in message
    error_message("ValidationException", sm.update_action, ActionName="Limits", Status="Done")
    assert len(sm.describe_action(ActionName="Limits")["Properties"]) == 30


def test_update_takes_a_name_only(sm: Any) -> None:
    arn = create(sm, "By-Name")
    message = error_message(
        "ValidationException", sm.update_action, ActionName=arn, Description="d"
    )
    assert "at 'actionName'" in message and NAME_PATTERN in message
    message = error_message(
        "ResourceNotFound", sm.update_action, ActionName="Missing-One", Description="d"
    )
    assert message.endswith(":action/missing-one does not exist.")


# -- delete -----------------------------------------------------------------------------------


def test_delete_then_again(sm: Any, region: str) -> None:
    create(sm, "Gone-Soon")
    assert sm.delete_action(ActionName="GONE-SOON")["ActionArn"] == arn_of(region, "gone-soon")
    error_message("ResourceNotFound", sm.describe_action, ActionName="Gone-Soon")
    message = error_message("ResourceNotFound", sm.delete_action, ActionName="Gone-Soon")
    assert message == f"Action {arn_of(region, 'gone-soon')} does not exist."


def test_delete_takes_a_name_only(sm: Any) -> None:
    arn = create(sm, "Not-By-Arn")
    error_message("ValidationException", sm.delete_action, ActionName=arn)
    assert sm.describe_action(ActionName=arn)["ActionArn"] == arn


def test_deleted_name_is_reusable(sm: Any) -> None:
    arn = create(sm, "Reuse", ActionType="First")
    sm.delete_action(ActionName="Reuse")
    assert create(sm, "reuse", ActionType="Second") == arn
    d = sm.describe_action(ActionName=arn)
    assert d["ActionName"] == "reuse"
    assert d["ActionType"] == "Second"


# -- list -------------------------------------------------------------------------------------


def test_list_summaries_status_only_when_set(sm: Any) -> None:
    with_status = create(sm, "With-Status", Status="Failed", Description="d", Properties={"a": "b"})
    without = create(sm, "Without-Status", Source={"SourceUri": "u", "SourceType": "t"})
    by_arn = {s["ActionArn"]: s for s in summaries(sm)}
    assert by_arn[with_status]["Status"] == "Failed"
    assert set(by_arn[with_status]) == {
        "ActionArn",
        "ActionName",
        "Source",
        "ActionType",
        "Status",
        "CreationTime",
        "LastModifiedTime",
    }
    assert "Status" not in by_arn[without]
    assert by_arn[without]["Source"] == {"SourceUri": "u", "SourceType": "t"}
    assert by_arn[without]["ActionName"] == "Without-Status"
    sm.update_action(ActionName="Without-Status", Status="Stopped")
    assert {s["ActionArn"]: s for s in summaries(sm)}[without]["Status"] == "Stopped"


def test_list_sorts_by_creation_time_and_name(sm: Any) -> None:
    names = ["b-second", "A-first", "c-third", "B-fourth"]
    arns = []
    for name in names:
        arns.append(create(sm, name))
        time.sleep(0.003)
    listed = [s["ActionName"] for s in summaries(sm)]
    assert listed == names[::-1]  # default CreationTime, Descending
    asc = [s["ActionName"] for s in summaries(sm, SortBy="CreationTime", SortOrder="Ascending")]
    assert asc == names
    by_name = [s["ActionName"] for s in summaries(sm, SortBy="Name", SortOrder="Ascending")]
    assert by_name == sorted(names)  # code-point order: upper case first (D29)
    by_name_desc = [s["ActionName"] for s in summaries(sm, SortBy="Name")]
    assert by_name_desc == sorted(names, reverse=True)
    error_message("ValidationException", sm.list_actions, SortBy="ActionName")


def test_list_filters(sm: Any) -> None:
    a = create(sm, Source={"SourceUri": "s3://x"}, ActionType="Train")
    b = create(sm, Source={"SourceUri": "s3://x"}, ActionType="Deploy")
    c = create(sm, Source={"SourceUri": "s3://y"}, ActionType="Train")
    assert {s["ActionArn"] for s in summaries(sm, SourceUri="s3://x")} == {a, b}
    assert {s["ActionArn"] for s in summaries(sm, ActionType="Train")} == {a, c}
    assert [s["ActionArn"] for s in summaries(sm, SourceUri="s3://x", ActionType="Train")] == [a]
    assert summaries(sm, ActionType="train") == []
    created = sm.describe_action(ActionName=a)["CreationTime"].replace(microsecond=0)
    newest = sm.describe_action(ActionName=c)["CreationTime"].replace(microsecond=0)
    window = summaries(sm, CreatedAfter=created, CreatedBefore=newest)
    assert {s["ActionArn"] for s in window} == {a, b, c}
    assert summaries(sm, CreatedAfter=newest + timedelta(seconds=1)) == []
    assert summaries(sm, CreatedBefore=created - timedelta(seconds=1)) == []


def test_paging_by_name_with_deletes(sm: Any) -> None:
    names = [f"page-{i:02d}" for i in range(7)]
    for name in names:
        create(sm, name)
    seen: list[str] = []
    token = None
    while True:
        kw: dict[str, Any] = {"SortBy": "Name", "SortOrder": "Ascending", "MaxResults": 3}
        if token:
            kw["NextToken"] = token
        page = sm.list_actions(**kw)
        assert page["ActionSummaries"], "never an empty page with a token"
        for item in page["ActionSummaries"]:
            seen.append(item["ActionName"])
            sm.delete_action(ActionName=item["ActionName"])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names
    assert summaries(sm) == []


def test_paginator(sm: Any) -> None:
    for i in range(5):
        create(sm, f"pg-{i}")
    pages = list(
        sm.get_paginator("list_actions").paginate(
            SortBy="Name", SortOrder="Descending", PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(p["ActionSummaries"]) for p in pages] == [2, 2, 1]
    assert [s["ActionName"] for p in pages for s in p["ActionSummaries"]] == [
        f"pg-{i}" for i in (4, 3, 2, 1, 0)
    ]


# -- tags -------------------------------------------------------------------------------------


def test_tags_on_actions(sm: Any) -> None:
    arn = create(sm, "Tagged", Tags=[{"Key": "x", "Value": "1"}, {"Key": "x", "Value": "2"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "x", "Value": "2"}]  # D27
    added = sm.add_tags(
        ResourceArn=arn.replace("tagged", "TAGGED"), Tags=[{"Key": "y", "Value": ""}]
    )
    assert added["Tags"] == [{"Key": "y", "Value": ""}]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "x", "Value": "3"}, {"Key": "z", "Value": "4"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "x", "Value": "3"},
        {"Key": "y", "Value": ""},
        {"Key": "z", "Value": "4"},
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["y"])
    assert [t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]] == ["x", "z"]
    message = error_message(
        "ValidationException", sm.delete_tags, ResourceArn=arn, TagKeys=["aws:x"]
    )
    assert "aws:" in message


def test_tags_go_with_the_deleted_action(sm: Any) -> None:
    arn = create(sm, "Tag-Cascade", Tags=[{"Key": "a", "Value": "1"}])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    sm.delete_action(ActionName="Tag-Cascade")
    assert error_message("ValidationException", sm.list_tags, ResourceArn=arn) == (
        "Resource does not exist"
    )
    assert create(sm, "Tag-Cascade") == arn
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []


def test_at_most_50_tags_per_action(sm: Any) -> None:
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    arn = create(sm, "Fifty-Tags", Tags=tags)
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "k0", "Value": "overwritten"}])
    error_message(
        "ValidationException", sm.add_tags, ResourceArn=arn, Tags=[{"Key": "k50", "Value": "v"}]
    )
    listed = sm.list_tags(ResourceArn=arn)["Tags"]
    assert len(listed) == 50
    assert listed[0] == {"Key": "k0", "Value": "overwritten"}
