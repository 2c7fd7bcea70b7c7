"""The default lineage group: created with the first entity, described and listed (D23)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

GROUP = "sagemaker-default-lineage-group"


def test_no_group_before_the_first_entity(sm: Any) -> None:
    assert sm.list_lineage_groups()["LineageGroupSummaries"] == []
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_lineage_group(LineageGroupName=GROUP)


def test_first_entity_creates_the_group(sm: Any, region: str) -> None:
    arn = sm.create_context(ContextName="c", Source={"SourceUri": "u"}, ContextType="t")[
        "ContextArn"
    ]
    described = sm.describe_context(ContextName=arn)
    group = sm.describe_lineage_group(LineageGroupName=GROUP)
    assert group["LineageGroupArn"] == described["LineageGroupArn"]
    assert (
        group["LineageGroupArn"] == f"arn:aws:sagemaker:{region}:123456789012:lineage-group/{GROUP}"
    )
    assert group["CreationTime"] == described["CreationTime"]
    summaries = sm.list_lineage_groups()["LineageGroupSummaries"]
    assert [s["LineageGroupName"] for s in summaries] == [GROUP]
    assert sm.list_lineage_groups(CreatedBefore=0)["LineageGroupSummaries"] == []


def test_other_groups_and_policies_do_not_exist(sm: Any) -> None:
    sm.create_action(ActionName="a", Source={"SourceUri": "u"}, ActionType="t")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_lineage_group(LineageGroupName="other-group")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.get_lineage_group_policy(LineageGroupName=GROUP)
    with pytest.raises(ClientError) as info:
        sm.list_lineage_groups(NextToken="abc")
    assert info.value.response["Error"]["Code"] == "ValidationException"
