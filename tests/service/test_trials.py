"""Trials (issue #14): each in one experiment, fixed at creation (§3.5, §4, D59-D62, D67)."""

from __future__ import annotations

import time
from typing import Any

from tests.awsjson import error_message
from tests.service.experiments_support import (
    arn,
    bare,
    component,
    experiment,
    in_order,
    page_through,
    trial,
)


def test_create_then_describe_echoes_the_experiment_spelling(sm: Any, region: str) -> None:
    experiment(sm, "My-Exp")
    created = trial(
        sm,
        "Run-Group",
        "my-exp",  # the SDK passes the lowercased name (D59)
        MetadataProperties={"CommitId": "abc", "Repository": "git://r"},
        Tags=[{"Key": "k", "Value": "v"}],
    )
    assert created == arn(region, "trial", "run-group")
    described = bare(sm.describe_trial(TrialName="RUN-GROUP"))
    described.pop("CreationTime")
    described.pop("LastModifiedTime")
    assert described == {
        "TrialName": "Run-Group",
        "TrialArn": created,
        "DisplayName": "Run-Group",
        "ExperimentName": "my-exp",
        "MetadataProperties": {"CommitId": "abc", "Repository": "git://r"},
        "CreatedBy": {},
        "LastModifiedBy": {},
    }
    assert sm.list_tags(ResourceArn=created)["Tags"] == [{"Key": "k", "Value": "v"}]


def test_a_trial_needs_an_existing_experiment(sm: Any, region: str) -> None:
    text = error_message(
        "ResourceNotFound", sm.create_trial, TrialName="orphan", ExperimentName="Missing"
    )
    assert text == f"Experiment {arn(region, 'experiment', 'missing')} does not exist."
    error_message("ResourceNotFound", sm.describe_trial, TrialName="orphan")


def test_a_duplicate_is_reported_before_a_missing_experiment(sm: Any) -> None:
    experiment(sm, "e")
    trial(sm, "t", "e")
    text = error_message("ValidationException", sm.create_trial, TrialName="T", ExperimentName="x")
    assert text == "Trial with name (T) already exists."  # D60: before reference checks


def test_missing_trial_is_resource_not_found(sm: Any, region: str) -> None:
    target = arn(region, "trial", "nope")
    for call in (sm.describe_trial, sm.update_trial, sm.delete_trial):
        assert error_message("ResourceNotFound", call, TrialName="nope") == (
            f"Trial {target} does not exist."
        )


def test_update_sets_the_display_name(sm: Any) -> None:
    experiment(sm, "e")
    trial(sm, "t", "e")
    before = sm.describe_trial(TrialName="t")
    time.sleep(0.01)
    sm.update_trial(TrialName="T", DisplayName="shown")
    after = sm.describe_trial(TrialName="t")
    assert after["DisplayName"] == "shown"
    assert after["LastModifiedTime"] > before["LastModifiedTime"]
    sm.update_trial(TrialName="t")  # nothing to change: still a success
    assert sm.describe_trial(TrialName="t")["DisplayName"] == "shown"


def test_delete_is_refused_while_the_trial_holds_components(sm: Any, region: str) -> None:
    experiment(sm, "e")
    created = trial(sm, "t", "e")
    component(sm, "c")
    sm.associate_trial_component(TrialName="t", TrialComponentName="c")
    text = error_message("ValidationException", sm.delete_trial, TrialName="t")
    assert text == f"Trial {created} has trial components; disassociate them first."
    sm.disassociate_trial_component(TrialName="t", TrialComponentName="c")
    assert sm.delete_trial(TrialName="t")["TrialArn"] == created
    # Its components are never deleted with it (§4.7).
    assert sm.describe_trial_component(TrialComponentName="c")["TrialComponentName"] == "c"


def test_list_by_experiment_and_by_component(sm: Any, region: str) -> None:
    experiment(sm, "e1")
    experiment(sm, "e2")
    in_order(lambda n: trial(sm, n, "e1"), ["a", "b", "c"])
    trial(sm, "d", "e2")
    component(sm, "tc")
    sm.associate_trial_component(TrialName="a", TrialComponentName="tc")
    sm.associate_trial_component(TrialName="d", TrialComponentName="tc")

    def names(**kw: Any) -> list[str]:
        return [
            s["TrialName"] for s in sm.list_trials(SortOrder="Ascending", **kw)["TrialSummaries"]
        ]

    assert names() == ["a", "b", "c", "d"]
    assert names(ExperimentName="E1") == ["a", "b", "c"]
    assert names(TrialComponentName="TC") == ["a", "d"]
    assert names(ExperimentName="e2", TrialComponentName="tc") == ["d"]  # AND-ed (D67)
    summary = sm.list_trials(ExperimentName="e2")["TrialSummaries"][0]
    assert set(summary) == {
        "TrialArn",
        "TrialName",
        "DisplayName",
        "CreationTime",
        "LastModifiedTime",
    }
    for member, value, kind in (
        ("ExperimentName", "none", "experiment"),
        ("TrialComponentName", "none", "component"),
    ):
        text = error_message("ResourceNotFound", sm.list_trials, **{member: value})
        assert arn(region, kind, "none") in text


def test_list_pages_by_name_under_deletes(sm: Any) -> None:
    experiment(sm, "e")
    names = [f"t{i:02d}" for i in range(7)]
    in_order(lambda n: trial(sm, n, "e"), names)
    first = sm.list_trials(ExperimentName="e", MaxResults=2, SortBy="Name", SortOrder="Descending")
    assert [s["TrialName"] for s in first["TrialSummaries"]] == ["t06", "t05"]
    sm.delete_trial(TrialName="t03")
    rest = page_through(
        sm.list_trials,
        "TrialSummaries",
        2,
        ExperimentName="e",
        SortBy="Name",
        SortOrder="Descending",
        NextToken=first["NextToken"],
    )
    assert [s["TrialName"] for s in rest] == ["t04", "t02", "t01", "t00"]
