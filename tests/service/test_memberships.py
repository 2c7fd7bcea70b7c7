"""AssociateTrialComponent and DisassociateTrialComponent (issue #14; §4.5, D63).

A trial component may sit in many trials; associating again changes nothing; disassociating a
non-member is ResourceNotFound; a membership is not a lineage association.
"""

from __future__ import annotations

import time
from typing import Any

from tests.awsjson import error_message
from tests.service.experiments_support import arn, component, experiment, trial


def _setup(sm: Any) -> None:
    experiment(sm, "e")
    for name in ("t1", "t2", "t3"):
        trial(sm, name, "e")
    component(sm, "c")


def _trials_of(sm: Any, name: str) -> list[str]:
    summaries = sm.list_trials(TrialComponentName=name, SortOrder="Ascending")["TrialSummaries"]
    return [s["TrialName"] for s in summaries]


def test_associate_answers_both_arns_and_is_idempotent(sm: Any, region: str) -> None:
    _setup(sm)
    before = sm.describe_trial_component(TrialComponentName="c")["LastModifiedTime"]
    time.sleep(0.01)
    response = sm.associate_trial_component(TrialName="T1", TrialComponentName="C")
    assert response["TrialComponentArn"] == arn(region, "component", "c")
    assert response["TrialArn"] == arn(region, "trial", "t1")
    # Membership changes bump the component's and the trial's modification time (§4.1).
    after = sm.describe_trial_component(TrialComponentName="c")["LastModifiedTime"]
    assert after > before
    assert sm.describe_trial(TrialName="t1")["LastModifiedTime"] == after
    again = sm.associate_trial_component(TrialName="t1", TrialComponentName="c")
    assert again["TrialArn"] == response["TrialArn"]
    assert _trials_of(sm, "c") == ["t1"]  # once, not twice


def test_a_component_may_sit_in_many_trials_and_leaves_one_at_a_time(sm: Any) -> None:
    _setup(sm)
    for name in ("t1", "t2", "t3"):
        sm.associate_trial_component(TrialName=name, TrialComponentName="c")
    assert _trials_of(sm, "c") == ["t1", "t2", "t3"]
    sm.disassociate_trial_component(TrialName="t2", TrialComponentName="c")
    assert _trials_of(sm, "c") == ["t1", "t3"]  # "This doesn't effect other trials"
    components = sm.list_trial_components(TrialName="t1")["TrialComponentSummaries"]
    assert [s["TrialComponentName"] for s in components] == ["c"]
    assert sm.list_trial_components(TrialName="t2")["TrialComponentSummaries"] == []


def test_missing_ends_and_non_members_are_resource_not_found(sm: Any, region: str) -> None:
    _setup(sm)
    cases = (
        ({"TrialName": "nope", "TrialComponentName": "c"}, "Trial", arn(region, "trial", "nope")),
        (
            {"TrialName": "t1", "TrialComponentName": "nope"},
            "TrialComponent",
            arn(region, "component", "nope"),
        ),
    )
    for call in (sm.associate_trial_component, sm.disassociate_trial_component):
        for params, label, target in cases:
            text = error_message("ResourceNotFound", call, **params)
            assert text == f"{label} {target} does not exist."
    text = error_message(
        "ResourceNotFound", sm.disassociate_trial_component, TrialName="t1", TrialComponentName="c"
    )
    assert text == (
        f"Trial component {arn(region, 'component', 'c')} is not associated with trial "
        f"{arn(region, 'trial', 't1')}."
    )
    assert _trials_of(sm, "c") == []


def test_a_membership_is_not_a_lineage_association(sm: Any) -> None:
    _setup(sm)
    sm.associate_trial_component(TrialName="t1", TrialComponentName="c")
    component_arn = sm.describe_trial_component(TrialComponentName="c")["TrialComponentArn"]
    assert sm.list_associations(SourceArn=component_arn)["AssociationSummaries"] == []
    assert sm.list_associations(DestinationArn=component_arn)["AssociationSummaries"] == []
    lineage = sm.query_lineage(StartArns=[component_arn], Direction="Both", IncludeEdges=True)
    # With edges the start comes first (D44); nothing else is reachable.
    assert [v["Arn"] for v in lineage["Vertices"]] == [component_arn]
    assert lineage["Edges"] == []


def test_names_that_fail_the_pattern_are_refused_before_lookup(sm: Any) -> None:
    text = error_message(
        "ValidationException",
        sm.associate_trial_component,
        TrialName="bad_name",
        TrialComponentName="c",
    )
    assert "at 'trialName' failed to satisfy constraint" in text
