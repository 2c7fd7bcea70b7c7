"""Experiments (issue #14), exactly as SageMaker serves them, through real boto3.

Spec references are to shared/reference/sagemaker-experiments-api.md (§3, §4, D57-D62).
"""

from __future__ import annotations

import time
from typing import Any

from tests.awsjson import error_message, expect_error, message
from tests.service.experiments_support import arn, bare, experiment, in_order, page_through, trial


def test_create_then_describe_returns_every_member(sm: Any, region: str) -> None:
    before = time.time()
    created = experiment(
        sm,
        "Churn-Model",
        DisplayName="churn-display",
        Description="predict churn",
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    after = time.time()
    assert created == arn(region, "experiment", "churn-model")  # lowercase ARN (D57)
    described = bare(sm.describe_experiment(ExperimentName="churn-model"))
    created_at, modified_at = described.pop("CreationTime"), described.pop("LastModifiedTime")
    assert described == {
        "ExperimentName": "Churn-Model",  # the name keeps its case
        "ExperimentArn": created,
        "DisplayName": "churn-display",
        "Description": "predict churn",
        "CreatedBy": {},
        "LastModifiedBy": {},
    }
    assert created_at == modified_at
    assert before - 0.002 <= created_at.timestamp() <= after + 0.002
    assert sm.list_tags(ResourceArn=created)["Tags"] == [{"Key": "team", "Value": "ml"}]


def test_display_name_defaults_to_the_name_and_unset_members_are_omitted(sm: Any) -> None:
    experiment(sm, "Plain")
    described = bare(sm.describe_experiment(ExperimentName="PLAIN"))
    assert described["DisplayName"] == "Plain"  # D58
    assert "Description" not in described
    assert "Source" not in described


def test_duplicate_names_are_refused_case_insensitively(sm: Any) -> None:
    experiment(sm, "Dup")
    text = error_message("ValidationException", sm.create_experiment, ExperimentName="DUP")
    assert text == "Experiment with name (DUP) already exists."  # D60
    assert sm.describe_experiment(ExperimentName="dup")["ExperimentName"] == "Dup"


def test_an_experiment_and_a_trial_may_share_a_name(sm: Any) -> None:
    experiment(sm, "Shared")
    trial(sm, "Shared", "Shared")
    assert sm.describe_trial(TrialName="shared")["TrialName"] == "Shared"


def test_missing_experiment_is_resource_not_found(sm: Any, region: str) -> None:
    target = arn(region, "experiment", "nope")
    for call in (sm.describe_experiment, sm.update_experiment, sm.delete_experiment):
        text = error_message("ResourceNotFound", call, ExperimentName="Nope")
        assert text == f"Experiment {target} does not exist."


def test_describe_takes_a_name_not_an_arn(sm: Any, region: str) -> None:
    created = experiment(sm, "Named")
    text = error_message("ValidationException", sm.describe_experiment, ExperimentName=created)
    assert "failed to satisfy constraint" in text


def test_names_follow_the_entity_name_pattern(sm: Any) -> None:
    for bad in ("has_underscore", "has space", "-leading", "x" * 121):
        error = expect_error("ValidationException", sm.create_experiment, ExperimentName=bad)
        assert "at 'experimentName' failed to satisfy constraint" in message(error)
    error = expect_error(
        "ValidationException", sm.create_experiment, ExperimentName="ok", DisplayName="a b"
    )
    assert "at 'displayName'" in message(error)  # DisplayName is name-shaped too
    text = error_message(
        "ValidationException", sm.create_experiment, ExperimentName="ok", Description="d" * 3073
    )
    assert "at 'description'" in text
    assert sm.list_experiments()["ExperimentSummaries"] == []  # nothing half-written


def test_update_replaces_present_members_and_bumps_the_time(sm: Any, region: str) -> None:
    experiment(sm, "Upd", Description="old", DisplayName="old-name")
    before = sm.describe_experiment(ExperimentName="upd")
    time.sleep(0.01)
    response = sm.update_experiment(ExperimentName="UPD", Description="new")
    assert response["ExperimentArn"] == arn(region, "experiment", "upd")
    after = sm.describe_experiment(ExperimentName="upd")
    assert after["Description"] == "new"
    assert after["DisplayName"] == "old-name"  # absent: unchanged
    assert after["LastModifiedTime"] > before["LastModifiedTime"]
    assert after["CreationTime"] == before["CreationTime"]
    sm.update_experiment(ExperimentName="upd", DisplayName="renamed")
    assert sm.describe_experiment(ExperimentName="upd")["DisplayName"] == "renamed"


def test_delete_removes_the_experiment_its_tags_and_frees_the_name(sm: Any, region: str) -> None:
    created = experiment(sm, "Gone", Tags=[{"Key": "k", "Value": "v"}])
    assert sm.delete_experiment(ExperimentName="gone")["ExperimentArn"] == created
    error_message("ResourceNotFound", sm.describe_experiment, ExperimentName="gone")
    error_message("ResourceNotFound", sm.delete_experiment, ExperimentName="gone")
    assert error_message("ValidationException", sm.list_tags, ResourceArn=created) == (
        "Resource does not exist"
    )
    experiment(sm, "GONE")  # the name is free at once; the new one has no tags
    assert sm.list_tags(ResourceArn=created)["Tags"] == []


def test_delete_is_refused_while_the_experiment_has_trials(sm: Any) -> None:
    created = experiment(sm, "Parent")
    trial(sm, "child", "parent")
    text = error_message("ValidationException", sm.delete_experiment, ExperimentName="parent")
    assert text == f"Experiment {created} has trials; delete them first."  # D62
    assert sm.describe_trial(TrialName="child")["ExperimentName"] == "parent"  # no cascade
    sm.delete_trial(TrialName="child")
    sm.delete_experiment(ExperimentName="parent")


def test_list_sorts_filters_and_pages(sm: Any) -> None:
    names = [f"exp-{i:02d}" for i in range(12)]
    arns = in_order(lambda n: experiment(sm, n), names)
    newest_first = [s["ExperimentArn"] for s in sm.list_experiments()["ExperimentSummaries"]]
    assert newest_first == arns[::-1][:10]  # defaults: CreationTime, Descending, 10 (§4.6)
    summary = sm.list_experiments(MaxResults=1)["ExperimentSummaries"][0]
    assert set(summary) == {
        "ExperimentArn",
        "ExperimentName",
        "DisplayName",
        "CreationTime",
        "LastModifiedTime",
    }
    every = page_through(
        sm.list_experiments, "ExperimentSummaries", 5, SortBy="Name", SortOrder="Ascending"
    )
    assert [s["ExperimentName"] for s in every] == names
    middle = sm.describe_experiment(ExperimentName="exp-05")["CreationTime"]
    after = sm.list_experiments(CreatedAfter=middle, SortOrder="Ascending")
    assert [s["ExperimentName"] for s in after["ExperimentSummaries"]] == names[5:]
    before = sm.list_experiments(CreatedBefore=middle, SortOrder="Ascending")
    assert [s["ExperimentName"] for s in before["ExperimentSummaries"]] == names[:6]


def test_paging_skips_nothing_while_experiments_are_deleted(sm: Any) -> None:
    names = [f"pg-{i:02d}" for i in range(9)]
    in_order(lambda n: experiment(sm, n), names)
    first = sm.list_experiments(MaxResults=3, SortBy="Name", SortOrder="Ascending")
    assert [s["ExperimentName"] for s in first["ExperimentSummaries"]] == names[:3]
    sm.delete_experiment(ExperimentName="pg-02")  # on the page already returned
    sm.delete_experiment(ExperimentName="pg-04")  # on the next page
    rest = page_through(
        sm.list_experiments,
        "ExperimentSummaries",
        3,
        SortBy="Name",
        SortOrder="Ascending",
        NextToken=first["NextToken"],
    )
    assert [s["ExperimentName"] for s in rest] == ["pg-03", "pg-05", "pg-06", "pg-07", "pg-08"]


def test_a_token_from_another_list_is_invalid(sm: Any) -> None:
    in_order(lambda n: experiment(sm, n), ["a1", "a2", "a3"])
    token = sm.list_experiments(MaxResults=1)["NextToken"]
    text = error_message("ValidationException", sm.list_experiments, SortBy="Name", NextToken=token)
    assert text == "Invalid NextToken."
