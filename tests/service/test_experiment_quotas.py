"""Experiment quotas (issue #14; §8.2, D64): trials per experiment, trial components per trial,
and the per-account limits that are off unless configured, with AWS's message template."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.awsjson import error_message
from tests.conftest import Backend, Server, launch
from tests.service.experiments_support import component, experiment, trial

SUFFIX = (
    "Please use AWS Service Quotas to request an increase for this quota. If AWS Service Quotas "
    "is not available, contact AWS support to request an increase for this quota."
)


def limit_text(name: str, limit: int, used: int, units: str) -> str:
    return (
        f"The account-level service limit '{name}, excluding those automatically created by "
        f"SageMaker' is {limit} {units}, with current utilization of {used} {units} and a "
        f"request delta of 1 {units}. {SUFFIX}"
    )


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[Server]:
    args = ["--quota", "trials_per_experiment=2", "--quota", "trial_components_per_trial=2"]
    args += ["--quota", "experiments=3", "--quota", "trial_components=4"]
    running = launch(tmp_path_factory.mktemp("stemma-exp-quotas"), *args, backend=backend)
    yield running
    running.stop()


@pytest.fixture
def lm(limited: Server) -> Any:
    return limited.client(f"q{uuid.uuid4().hex[:12]}")


def expect_limit(call: Any, **params: Any) -> str:
    return error_message("ResourceLimitExceeded", call, **params)


def test_trials_per_experiment(lm: Any) -> None:
    experiment(lm, "e")
    experiment(lm, "f")
    trial(lm, "t1", "e")
    trial(lm, "t2", "e")
    text = expect_limit(lm.create_trial, TrialName="t3", ExperimentName="e")
    assert text == limit_text(
        "Total number of trials allowed in a single experiment", 2, 2, "Trials"
    )
    trial(lm, "t3", "f")  # another experiment has room
    # A duplicate is reported before the quota (D26, D60).
    text = error_message("ValidationException", lm.create_trial, TrialName="t1", ExperimentName="e")
    assert "already exists" in text
    lm.delete_trial(TrialName="t1")  # deletes release capacity
    trial(lm, "t4", "e")


def test_trial_components_per_trial(lm: Any) -> None:
    experiment(lm, "e")
    trial(lm, "t", "e")
    trial(lm, "u", "e")
    for name in ("c1", "c2", "c3"):
        component(lm, name)
    lm.associate_trial_component(TrialName="t", TrialComponentName="c1")
    lm.associate_trial_component(TrialName="t", TrialComponentName="c2")
    text = expect_limit(lm.associate_trial_component, TrialName="t", TrialComponentName="c3")
    assert text == limit_text(
        "Total number of trial components allowed in a single trial", 2, 2, "Trial Components"
    )
    # Re-associating a member never trips the limit (D63) ...
    lm.associate_trial_component(TrialName="t", TrialComponentName="c2")
    # ... another trial has room, and a disassociation releases capacity.
    lm.associate_trial_component(TrialName="u", TrialComponentName="c3")
    lm.disassociate_trial_component(TrialName="t", TrialComponentName="c1")
    lm.associate_trial_component(TrialName="t", TrialComponentName="c3")
    members = lm.list_trial_components(TrialName="t", SortBy="Name", SortOrder="Ascending")
    assert [s["TrialComponentName"] for s in members["TrialComponentSummaries"]] == ["c2", "c3"]


def test_per_account_limits_when_configured(lm: Any) -> None:
    for name in ("e1", "e2", "e3"):
        experiment(lm, name)
    text = expect_limit(lm.create_experiment, ExperimentName="e4")
    assert text == limit_text("Total number of experiments allowed", 3, 3, "Experiments")
    for index in range(4):
        component(lm, f"c{index}")
    text = expect_limit(lm.create_trial_component, TrialComponentName="c4")
    assert text == limit_text("Total number of trial components allowed", 4, 4, "Trial Components")
    error_message("ResourceNotFound", lm.describe_trial_component, TrialComponentName="c4")


def test_the_defaults_are_300_trials_and_50_components(server: Server) -> None:
    sm = server.client(f"d{uuid.uuid4().hex[:12]}")
    experiment(sm, "e")
    trial(sm, "t", "e")
    for index in range(51):
        component(sm, f"c{index}")
    for index in range(50):
        sm.associate_trial_component(TrialName="t", TrialComponentName=f"c{index}")
    text = expect_limit(sm.associate_trial_component, TrialName="t", TrialComponentName="c50")
    assert " is 50 Trial Components, with current utilization of 50 " in text


def test_racing_creates_and_associations_stop_exactly_at_the_limit(lm: Any) -> None:
    """Children of one parent are added one at a time (the parent's row is locked), so racing
    writers on either store never overshoot a per-parent quota."""
    experiment(lm, "race")
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(
            pool.map(
                lambda i: _try(lm.create_trial, TrialName=f"t{i}", ExperimentName="race"), range(8)
            )
        )
    assert outcomes.count("ok") == 2
    assert outcomes.count("ResourceLimitExceeded") == 6
    assert len(lm.list_trials(ExperimentName="race")["TrialSummaries"]) == 2
    trial_name = lm.list_trials(ExperimentName="race")["TrialSummaries"][0]["TrialName"]
    experiment(lm, "spare")
    for index in range(3):  # stays under the account's limit of 4 trial components
        component(lm, f"r{index}")
    with ThreadPoolExecutor(3) as pool:
        outcomes = list(
            pool.map(
                lambda i: _try(
                    lm.associate_trial_component, TrialName=trial_name, TrialComponentName=f"r{i}"
                ),
                range(3),
            )
        )
    assert sorted(outcomes) == ["ResourceLimitExceeded", "ok", "ok"]
    members = lm.list_trial_components(TrialName=trial_name)["TrialComponentSummaries"]
    assert len(members) == 2


def _try(call: Any, **params: Any) -> str:
    try:
        call(**params)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return "ok"
