"""Helpers shared by the experiment test modules: ARNs, creates, and paging through lists.

Spec references are to shared/reference/sagemaker-experiments-api.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from tests.awsjson import ACCOUNT

PREFIXES = {
    "experiment": "experiment",
    "trial": "experiment-trial",
    "component": "experiment-trial-component",
}


def arn(region: str, kind: str, name: str) -> str:
    """The canonical (lowercase) ARN of an experiment entity (D57)."""
    return f"arn:aws:sagemaker:{region}:{ACCOUNT}:{PREFIXES[kind]}/{name.lower()}"


def experiment(sm: Any, name: str, **params: Any) -> str:
    created: str = sm.create_experiment(ExperimentName=name, **params)["ExperimentArn"]
    return created


def trial(sm: Any, name: str, experiment_name: str, **params: Any) -> str:
    created: str = sm.create_trial(TrialName=name, ExperimentName=experiment_name, **params)[
        "TrialArn"
    ]
    return created


def component(sm: Any, name: str, **params: Any) -> str:
    created: str = sm.create_trial_component(TrialComponentName=name, **params)["TrialComponentArn"]
    return created


def in_order(create: Any, names: Iterable[str]) -> list[str]:
    """Create one after another, each in a later millisecond than the one before."""
    arns = []
    for name in names:
        arns.append(create(name))
        time.sleep(0.003)
    return arns


def bare(response: dict[str, Any]) -> dict[str, Any]:
    response.pop("ResponseMetadata", None)
    return response


def page_through(list_call: Any, key: str, page_size: int, **params: Any) -> list[dict[str, Any]]:
    """Every summary of a List* call, page by page, checking the token rules (D30): a token
    only when a full page is followed by more, never repeated."""
    seen: set[str] = set()
    items: list[dict[str, Any]] = []
    while True:
        response = list_call(MaxResults=page_size, **params)
        page = response[key]
        token = response.get("NextToken")
        items.extend(page)
        if not token:
            return items
        assert len(page) == page_size
        assert token not in seen
        seen.add(token)
        params["NextToken"] = token
