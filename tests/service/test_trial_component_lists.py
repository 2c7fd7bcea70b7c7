"""ListTrialComponents (issue #14; §4.6, D67): by experiment, trial or source, sorted, paged."""

from __future__ import annotations

from typing import Any

from tests.awsjson import error_message
from tests.service.experiments_support import (
    arn,
    component,
    experiment,
    in_order,
    page_through,
    trial,
)


def _names(response: dict[str, Any]) -> list[str]:
    return [s["TrialComponentName"] for s in response["TrialComponentSummaries"]]


def test_by_experiment_lists_components_of_any_of_its_trials_once(sm: Any) -> None:
    experiment(sm, "e")
    experiment(sm, "other")
    trial(sm, "t1", "e")
    trial(sm, "t2", "e")
    trial(sm, "t3", "other")
    in_order(lambda n: component(sm, n), ["a", "b", "c", "d"])
    for trial_name, names in (("t1", "ab"), ("t2", "bc"), ("t3", "d")):
        for name in names:
            sm.associate_trial_component(TrialName=trial_name, TrialComponentName=name)
    listed = sm.list_trial_components(ExperimentName="E", SortOrder="Ascending")
    assert _names(listed) == ["a", "b", "c"]  # b is in two trials of e: listed once
    assert _names(sm.list_trial_components(TrialName="t2", SortOrder="Ascending")) == ["b", "c"]
    assert _names(sm.list_trial_components(SortOrder="Ascending")) == ["a", "b", "c", "d"]
    # After its last membership in e is removed, a component leaves e's list.
    sm.disassociate_trial_component(TrialName="t2", TrialComponentName="c")
    assert _names(sm.list_trial_components(ExperimentName="e", SortOrder="Ascending")) == [
        "a",
        "b",
    ]


def test_summaries_carry_status_times_and_no_maps(sm: Any) -> None:
    component(sm, "s", Status={"PrimaryStatus": "Completed"}, Parameters={"p": {"NumberValue": 1}})
    summary = sm.list_trial_components()["TrialComponentSummaries"][0]
    assert set(summary) == {
        "TrialComponentName",
        "TrialComponentArn",
        "DisplayName",
        "Status",
        "CreationTime",
        "CreatedBy",
        "LastModifiedTime",
        "LastModifiedBy",
    }
    assert summary["Status"] == {"PrimaryStatus": "Completed"}
    assert summary["CreatedBy"] == {}


def test_only_one_of_the_three_filters(sm: Any) -> None:
    experiment(sm, "e")
    trial(sm, "t", "e")
    for params in (
        {"ExperimentName": "e", "TrialName": "t"},
        {"ExperimentName": "e", "SourceArn": "arn:aws:sagemaker:x:123456789012:training-job/j"},
        {"TrialName": "t", "SourceArn": "s"},
    ):
        text = error_message("ValidationException", sm.list_trial_components, **params)
        assert text == "Only one of ExperimentName, TrialName or SourceArn can be specified."


def test_filters_naming_nothing_are_resource_not_found(sm: Any, region: str) -> None:
    text = error_message("ResourceNotFound", sm.list_trial_components, ExperimentName="none")
    assert text == f"Experiment {arn(region, 'experiment', 'none')} does not exist."
    text = error_message("ResourceNotFound", sm.list_trial_components, TrialName="none")
    assert text == f"Trial {arn(region, 'trial', 'none')} does not exist."


def test_a_source_arn_no_component_has_lists_nothing(sm: Any) -> None:
    component(sm, "api-made")  # API-created components have no source
    job = "arn:aws:sagemaker:us-east-1:123456789012:training-job/none"
    assert sm.list_trial_components(SourceArn=job)["TrialComponentSummaries"] == []
    assert sm.list_trial_components(SourceArn="")["TrialComponentSummaries"] == []


def test_sort_by_name_pages_under_deletes(sm: Any) -> None:
    experiment(sm, "e")
    trial(sm, "t", "e")
    names = [f"run-{i:02d}" for i in range(8)]
    in_order(lambda n: component(sm, n), names)
    for name in names:
        sm.associate_trial_component(TrialName="t", TrialComponentName=name)
    first = sm.list_trial_components(
        TrialName="t", SortBy="Name", SortOrder="Ascending", MaxResults=3
    )
    assert _names(first) == names[:3]
    sm.disassociate_trial_component(TrialName="t", TrialComponentName="run-04")
    rest = page_through(
        sm.list_trial_components,
        "TrialComponentSummaries",
        3,
        TrialName="t",
        SortBy="Name",
        SortOrder="Ascending",
        NextToken=first["NextToken"],
    )
    assert [s["TrialComponentName"] for s in rest] == ["run-03", "run-05", "run-06", "run-07"]
    newest = sm.list_trial_components(ExperimentName="e", MaxResults=2)
    assert _names(newest) == ["run-07", "run-06"]  # CreationTime, Descending by default
    text = error_message(
        "ValidationException",
        sm.list_trial_components,
        TrialName="t",
        SortBy="CreationTime",
        NextToken=first["NextToken"],
    )
    assert text == "Invalid NextToken."
