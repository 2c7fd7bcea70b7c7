"""Trial components (issue #14): create, describe, the update merge rules, delete (§4, D65-D66).

Spec references are to shared/reference/sagemaker-experiments-api.md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from typing import Any

import pytest

from tests.awsjson import assert_error, error_message, lineage
from tests.conftest import Server
from tests.service.experiments_support import arn, bare, component, experiment, trial

GROUP = "lineage-group/sagemaker-default-lineage-group"


def test_create_with_every_member_then_describe(sm: Any, region: str) -> None:
    start = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    end = start + dt.timedelta(minutes=5)
    created = component(
        sm,
        "My-Run-1",
        DisplayName="Training",
        Status={"PrimaryStatus": "InProgress", "Message": "Within a run context"},
        StartTime=start,
        EndTime=end,
        Parameters={"lr": {"NumberValue": 0.1}, "opt": {"StringValue": "adam"}},
        InputArtifacts={"train": {"Value": "s3://data/train.csv", "MediaType": "text/csv"}},
        OutputArtifacts={"model": {"Value": "s3://models/m.tar.gz"}},
        MetadataProperties={"GeneratedBy": "notebook"},
        Tags=[{"Key": "sagemaker:trial-component-source", "Value": "run"}],
    )
    assert created == arn(region, "component", "my-run-1")
    described = bare(sm.describe_trial_component(TrialComponentName="my-run-1"))
    created_at, modified_at = described.pop("CreationTime"), described.pop("LastModifiedTime")
    assert created_at == modified_at
    assert described == {
        "TrialComponentName": "My-Run-1",
        "TrialComponentArn": created,
        "DisplayName": "Training",
        "Status": {"PrimaryStatus": "InProgress", "Message": "Within a run context"},
        "StartTime": start,
        "EndTime": end,
        "CreatedBy": {},
        "LastModifiedBy": {},
        "Parameters": {"lr": {"NumberValue": 0.1}, "opt": {"StringValue": "adam"}},
        "InputArtifacts": {"train": {"Value": "s3://data/train.csv", "MediaType": "text/csv"}},
        "OutputArtifacts": {"model": {"Value": "s3://models/m.tar.gz"}},  # no MediaType
        "MetadataProperties": {"GeneratedBy": "notebook"},
        "Metrics": [],
        "LineageGroupArn": f"arn:aws:sagemaker:{region}:123456789012:{GROUP}",
    }


def test_a_bare_component_still_has_its_maps_and_metrics(sm: Any) -> None:
    component(sm, "bare")
    described = bare(sm.describe_trial_component(TrialComponentName="bare"))
    # D66: ExperimentAnalytics calls .items() on these, so they are never absent.
    assert described["Parameters"] == {}
    assert described["InputArtifacts"] == {}
    assert described["OutputArtifacts"] == {}
    assert described["Metrics"] == []
    assert described["DisplayName"] == "bare"
    for absent in ("Status", "StartTime", "EndTime", "Source", "Sources", "MetadataProperties"):
        assert absent not in described


def test_describe_takes_a_name_or_an_arn_of_this_kind_only(sm: Any, region: str) -> None:
    created = component(sm, "ByArn")
    assert sm.describe_trial_component(TrialComponentName=created)["TrialComponentName"] == "ByArn"
    mixed = created.replace("/byarn", "/ByArn")  # ARNs are matched case-insensitively
    assert sm.describe_trial_component(TrialComponentName=mixed)["TrialComponentArn"] == created
    experiment_arn = experiment(sm, "ByArn")
    text = error_message(
        "ResourceNotFound", sm.describe_trial_component, TrialComponentName=experiment_arn
    )
    assert text == f"TrialComponent {experiment_arn} does not exist."  # D61
    other_region = created.replace(f":{region}:", ":eu-west-1:")
    error_message("ResourceNotFound", sm.describe_trial_component, TrialComponentName=other_region)


def test_duplicates_and_missing_components(sm: Any, region: str) -> None:
    component(sm, "Once")
    text = error_message(
        "ValidationException", sm.create_trial_component, TrialComponentName="ONCE"
    )
    assert text == "TrialComponent with name (ONCE) already exists."
    target = arn(region, "component", "never")
    for call in (sm.describe_trial_component, sm.update_trial_component, sm.delete_trial_component):
        text = error_message("ResourceNotFound", call, TrialComponentName="never")
        assert text == f"TrialComponent {target} does not exist."


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({}, "Parameter 'p' must have exactly one of StringValue or NumberValue."),
        (
            {"StringValue": "a", "NumberValue": 1.0},
            "Parameter 'p' must have exactly one of StringValue or NumberValue.",
        ),
        ({"NumberValue": math.nan}, "Parameter 'p' has a non-finite NumberValue."),
        ({"NumberValue": math.inf}, "Parameter 'p' has a non-finite NumberValue."),
        ({"NumberValue": -math.inf}, "Parameter 'p' has a non-finite NumberValue."),
    ],
)
def test_parameter_values_hold_one_finite_value(sm: Any, value: dict[str, Any], text: str) -> None:
    # botocore sends NaN and the infinities as the strings "NaN", "Infinity", "-Infinity".
    parameters = {"p": value}
    assert (
        error_message(
            "ValidationException",
            sm.create_trial_component,
            TrialComponentName="c",
            Parameters=parameters,
        )
        == text
    )
    component(sm, "c")
    assert (
        error_message(
            "ValidationException",
            sm.update_trial_component,
            TrialComponentName="c",
            Parameters=parameters,
        )
        == text
    )
    assert sm.describe_trial_component(TrialComponentName="c")["Parameters"] == {}


def test_other_strings_in_a_double_are_a_serialization_error(server: Server, region: str) -> None:
    body = {"TrialComponentName": "c", "Parameters": {"p": {"NumberValue": "nan"}}}
    response = lineage(server.url, "CreateTrialComponent", json.dumps(body), region=region)
    assert_error(response, "SerializationException")


def test_update_upserts_maps_then_removes_keys(sm: Any) -> None:
    component(
        sm,
        "merge",
        Parameters={"keep": {"NumberValue": 1.0}, "swap": {"StringValue": "old"}},
        InputArtifacts={"in1": {"Value": "s3://a", "MediaType": "text/csv"}},
        OutputArtifacts={"out1": {"Value": "s3://o"}},
    )
    # AWS's own test: upsert and remove in one call (test_trial_component.py:54-98).
    sm.update_trial_component(
        TrialComponentName="merge",
        Parameters={"foo": {"StringValue": "bar"}, "swap": {"NumberValue": 100.1}},
        ParametersToRemove=["foo", "absent-key"],
        InputArtifacts={"in1": {"Value": "s3://b"}},  # replaces the whole entry
        InputArtifactsToRemove=[],
        OutputArtifactsToRemove=["out1"],
    )
    described = sm.describe_trial_component(TrialComponentName="merge")
    assert described["Parameters"] == {
        "keep": {"NumberValue": 1.0},
        "swap": {"NumberValue": 100.1},
    }
    assert described["InputArtifacts"] == {"in1": {"Value": "s3://b"}}
    assert described["OutputArtifacts"] == {}


def test_empty_maps_change_nothing_and_status_is_replaced_whole(sm: Any) -> None:
    component(
        sm,
        "runlike",
        Status={"PrimaryStatus": "InProgress", "Message": "Within a run context"},
        Parameters={"a": {"NumberValue": 1.0}},
    )
    time.sleep(0.01)
    before = sm.describe_trial_component(TrialComponentName="runlike")
    # What Run sends on exit: its whole maps again (often {}) and a Status without a Message.
    sm.update_trial_component(
        TrialComponentName="runlike",
        Status={"PrimaryStatus": "Completed"},
        Parameters={},
        InputArtifacts={},
        OutputArtifacts={},
        EndTime=before["CreationTime"] - dt.timedelta(days=1),  # before StartTime: accepted
    )
    after = sm.describe_trial_component(TrialComponentName="runlike")
    assert after["Status"] == {"PrimaryStatus": "Completed"}  # the old Message is gone
    assert after["Parameters"] == {"a": {"NumberValue": 1.0}}
    assert after["LastModifiedTime"] > before["LastModifiedTime"]
    assert after["DisplayName"] == "runlike"


def test_limits_apply_to_the_merged_maps(sm: Any) -> None:
    full = {f"p{i}": {"NumberValue": float(i)} for i in range(300)}
    component(sm, "full", Parameters=full)
    text = error_message(
        "ValidationException",
        sm.update_trial_component,
        TrialComponentName="full",
        Parameters={"one-more": {"StringValue": "x"}},
    )
    assert text.startswith("1 validation error detected: Value '")
    assert text.endswith(
        "at 'parameters' failed to satisfy constraint: "
        "Member must have length less than or equal to 300"
    )
    # Removing one in the same call makes room: limits are checked after the merge.
    sm.update_trial_component(
        TrialComponentName="full",
        Parameters={"one-more": {"StringValue": "x"}},
        ParametersToRemove=["p0"],
    )
    parameters = sm.describe_trial_component(TrialComponentName="full")["Parameters"]
    assert len(parameters) == 300
    assert "p0" not in parameters
    artifacts = {f"a{i}": {"Value": "s3://x"} for i in range(60)}
    component(sm, "arts", OutputArtifacts=artifacts)
    text = error_message(
        "ValidationException",
        sm.update_trial_component,
        TrialComponentName="arts",
        OutputArtifacts={"extra": {"Value": "s3://y"}},
    )
    assert "at 'outputArtifacts' failed to satisfy constraint" in text


def test_the_model_constraints_are_enforced(sm: Any) -> None:
    text = error_message(
        "ValidationException",
        sm.create_trial_component,
        TrialComponentName="c",
        Status={"PrimaryStatus": "Running"},
        Parameters={"k": {"StringValue": "v" * 2501}},
    )
    assert text.startswith("2 validation errors detected: ")
    assert "at 'status.primaryStatus' failed to satisfy constraint" in text
    assert (
        "failed to satisfy constraint: Member must have length less than or equal to 2500" in text
    )
    text = error_message(
        "ValidationException",
        sm.create_trial_component,
        TrialComponentName="c",
        InputArtifacts={"k": {"Value": "v", "MediaType": "not a media type"}},
    )
    assert "at 'inputArtifacts.k.mediaType' failed to satisfy constraint" in text
    error_message("ResourceNotFound", sm.describe_trial_component, TrialComponentName="c")


def test_delete_cascades_tags_and_is_refused_while_in_a_trial(sm: Any) -> None:
    experiment(sm, "e")
    trial(sm, "t1", "e")
    created = component(sm, "c", Tags=[{"Key": "k", "Value": "v"}])
    sm.associate_trial_component(TrialName="t1", TrialComponentName="c")
    text = error_message("ValidationException", sm.delete_trial_component, TrialComponentName="c")
    assert text == f"Trial component {created} is associated with trials; disassociate it first."
    assert sm.list_tags(ResourceArn=created)["Tags"] == [{"Key": "k", "Value": "v"}]  # untouched
    sm.disassociate_trial_component(TrialName="t1", TrialComponentName="c")
    assert sm.delete_trial_component(TrialComponentName="C")["TrialComponentArn"] == created
    assert error_message("ValidationException", sm.list_tags, ResourceArn=created) == (
        "Resource does not exist"
    )
    component(sm, "c")  # the name is free at once
    assert sm.list_tags(ResourceArn=created)["Tags"] == []
