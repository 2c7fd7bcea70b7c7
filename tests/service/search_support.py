"""A small experiment to search: three runs in a trial, with parameters, metrics and tags."""

from __future__ import annotations

import time
from typing import Any

from tests.service.experiments_support import component, experiment, trial

RUN_TAG = {"Key": "sagemaker:trial-component-source", "Value": "run"}


def seed(sm: Any, mm: Any) -> None:
    """exp > Default-Run-Group-exp > run-0, run-1, run-2 (created in that order); run-2 is also
    in trial ``other``; ``loner`` is in no trial and has nothing but its name."""
    experiment(sm, "exp", Tags=[{"Key": "team", "Value": "ml"}])
    trial(sm, "Default-Run-Group-exp", "exp")
    trial(sm, "other", "exp")
    now = time.time()
    for i, (lr, opt) in enumerate(((0.1, "adam"), (0.2, "sgd"), (0.3, "adam"))):
        component(
            sm,
            f"run-{i}",
            DisplayName=f"Run-{i}",
            Status={"PrimaryStatus": "Completed" if i < 2 else "InProgress"},
            Parameters={"lr": {"NumberValue": lr}, "opt": {"StringValue": opt}},
            InputArtifacts={"train": {"Value": f"s3://data/{i}.csv", "MediaType": "text/csv"}},
            Tags=[RUN_TAG] if i != 1 else [],
        )
        sm.associate_trial_component(
            TrialName="Default-Run-Group-exp", TrialComponentName=f"run-{i}"
        )
        mm.batch_put_metrics(
            TrialComponentName=f"run-{i}",
            MetricData=[
                {
                    "MetricName": "test:accuracy",
                    "Timestamp": now,
                    "Step": s,
                    "Value": 0.5 + 0.1 * i + 0.01 * s,
                }
                for s in range(3)
            ],
        )
        time.sleep(0.003)
    sm.associate_trial_component(TrialName="other", TrialComponentName="run-2")
    component(sm, "loner")


def names(response: dict[str, Any], member: str = "TrialComponent") -> list[str]:
    return [r[member][f"{member}Name"] for r in response["Results"]]


def tc_search(sm: Any, *filters: dict[str, Any], **params: Any) -> dict[str, Any]:
    if filters:
        params.setdefault("SearchExpression", {"Filters": list(filters)})
    result: dict[str, Any] = sm.search(Resource="ExperimentTrialComponent", **params)
    return result
