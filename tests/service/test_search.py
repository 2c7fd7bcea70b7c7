"""Search over experiments, trials and trial components (issue #15; §5, D68-D71), through real
boto3: records, every kind of property and operator, nesting, sorting and paging."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import Server
from tests.service.metrics_support import metrics_client
from tests.service.search_support import RUN_TAG, names, seed, tc_search


@pytest.fixture
def seeded(sm: Any, server: Server, region: str) -> Any:
    seed(sm, metrics_client(server, region))
    return sm


def f(name: str, op: str | None = None, value: str | None = None) -> dict[str, Any]:
    item = {"Name": name}
    if op is not None:
        item["Operator"] = op
    if value is not None:
        item["Value"] = value
    return item


def test_the_run_membership_check_and_its_record(seeded: Any, region: str) -> None:
    """What Run.__init__ sends (§5.7), and every member ExperimentAnalytics reads (§9.3)."""
    found = tc_search(
        seeded,
        f("TrialComponentName", "Equals", "RUN-0"),  # names compare case-insensitively
        f("Parents.TrialName", "Equals", "default-run-group-exp"),
    )
    assert found["TotalHits"] == {"Value": 1, "Relation": "EqualTo"}
    assert "NextToken" not in found
    record = found["Results"][0]["TrialComponent"]
    assert record["TrialComponentName"] == "run-0"
    assert record["DisplayName"] == "Run-0"
    assert record["Parameters"] == {"lr": {"NumberValue": 0.1}, "opt": {"StringValue": "adam"}}
    assert record["InputArtifacts"] == {
        "train": {"Value": "s3://data/0.csv", "MediaType": "text/csv"}
    }
    assert record["OutputArtifacts"] == {}
    assert record["Tags"] == [RUN_TAG]
    assert record["Parents"] == [{"TrialName": "Default-Run-Group-exp", "ExperimentName": "exp"}]
    [metric] = record["Metrics"]
    assert metric["MetricName"] == "test:accuracy"
    assert (metric["Count"], metric["Min"], metric["Max"]) == (3, 0.5, 0.52)
    assert record["CreatedBy"] == {}
    assert record["LineageGroupArn"].endswith(":lineage-group/sagemaker-default-lineage-group")
    loner = tc_search(seeded, f("TrialComponentName", "Equals", "loner"))["Results"][0]
    assert loner["TrialComponent"]["Parents"] == []  # lists always present (D66)
    assert loner["TrialComponent"]["Tags"] == []
    assert loner["TrialComponent"]["Metrics"] == []


def test_experiment_analytics_query(seeded: Any) -> None:
    """Parents.ExperimentName, sorted by a metric statistic spelled in lowercase (§5.3)."""
    found = tc_search(
        seeded,
        f("Parents.ExperimentName", "Equals", "exp"),
        SortBy="metrics.test:accuracy.max",
        SortOrder="Descending",
    )
    assert names(found) == ["run-2", "run-1", "run-0"]
    ascending = tc_search(
        seeded,
        f("Parents.ExperimentName", "Equals", "exp"),
        SortBy="Metrics.test:accuracy.Max",
        SortOrder="Ascending",
    )
    assert names(ascending) == ["run-0", "run-1", "run-2"]


def test_parameters_compare_by_their_own_kind(seeded: Any) -> None:
    assert names(
        tc_search(
            seeded,
            f("Parameters.lr", "GreaterThan", "0.15"),
            SortBy="CreationTime",
            SortOrder="Ascending",
        )
    ) == ["run-1", "run-2"]
    assert names(
        tc_search(
            seeded,
            f("Parameters.lr", "LessThanOrEqualTo", "0.2"),
            SortBy="CreationTime",
            SortOrder="Ascending",
        )
    ) == ["run-0", "run-1"]
    assert names(tc_search(seeded, f("Parameters.lr", "Equals", "0.3"))) == ["run-2"]
    assert names(tc_search(seeded, f("Parameters.opt", value="sgd"))) == [
        "run-1"
    ]  # Equals by default
    # A text parameter never satisfies a numeric comparison, nor a number Contains (§5.4).
    assert names(tc_search(seeded, f("Parameters.opt", "GreaterThan", "0"))) == []
    assert names(tc_search(seeded, f("Parameters.lr", "Contains", "0.1"))) == []
    assert names(tc_search(seeded, f("Parameters.opt", "In", "sgd, nadam"))) == ["run-1"]


def test_not_equals_and_not_exists_match_records_without_the_property(seeded: Any) -> None:
    sort = {"SortBy": "CreationTime", "SortOrder": "Ascending"}
    assert names(tc_search(seeded, f("Parameters.opt", "NotEquals", "adam"), **sort)) == [
        "run-1",
        "loner",
    ]
    assert names(tc_search(seeded, f("Parameters.lr", "NotExists"), **sort)) == ["loner"]
    assert names(tc_search(seeded, f("Parents.TrialName", "NotExists"), **sort)) == ["loner"]
    # A list matches NotEquals only when no element equals: run-2 is also in "other".
    not_other = tc_search(seeded, f("Parents.TrialName", "NotEquals", "other"), **sort)
    assert names(not_other) == ["run-0", "run-1", "loner"]
    assert names(
        tc_search(seeded, f("Tags.sagemaker:trial-component-source", "Exists"), **sort)
    ) == [
        "run-0",
        "run-2",
    ]


def test_text_contains_is_case_sensitive_but_names_are_not(seeded: Any) -> None:
    assert names(tc_search(seeded, f("DisplayName", "Contains", "Run-1"))) == ["run-1"]
    assert names(tc_search(seeded, f("DisplayName", "Contains", "run-1"))) == []
    assert names(tc_search(seeded, f("TrialComponentName", "Contains", "RUN-1"))) == ["run-1"]
    assert names(tc_search(seeded, f("Status.PrimaryStatus", "Equals", "InProgress"))) == ["run-2"]
    assert names(tc_search(seeded, f("InputArtifacts.train", "Contains", "/1."))) == ["run-1"]
    assert names(
        tc_search(
            seeded,
            f("InputArtifacts.train.MediaType", "Equals", "text/csv"),
            SortBy="Name" if False else "CreationTime",
        )
    ) == ["run-2", "run-1", "run-0"]


def test_arns_and_times(seeded: Any, region: str) -> None:
    arn = f"arn:aws:sagemaker:{region}:123456789012:experiment-trial-component/run-1"
    assert names(
        tc_search(
            seeded,
            f(
                "TrialComponentArn",
                "Equals",
                arn.upper()
                .replace("ARN:AWS:SAGEMAKER", "arn:aws:sagemaker")
                .replace(region.upper(), region),
            ),
        )
    ) == ["run-1"]
    created = seeded.describe_trial_component(TrialComponentName="run-1")["CreationTime"]
    stamp = created.isoformat()
    after = tc_search(
        seeded,
        f("CreationTime", "GreaterThanOrEqualTo", stamp),
        SortBy="CreationTime",
        SortOrder="Ascending",
    )
    assert names(after) == ["run-1", "run-2", "loner"]
    epoch = tc_search(
        seeded,
        f("CreationTime", "LessThan", str(created.timestamp())),
        SortBy="CreationTime",
        SortOrder="Ascending",
    )
    assert names(epoch) == ["run-0"]


def test_nested_filters_hold_on_one_element(seeded: Any) -> None:
    one_metric = {
        "NestedPropertyName": "Metrics",
        "Filters": [
            f("Metrics.MetricName", "Equals", "test:accuracy"),
            f("Metrics.Max", "GreaterThan", "0.6"),
        ],
    }
    found = tc_search(
        seeded,
        SearchExpression={"NestedFilters": [one_metric]},
        SortBy="CreationTime",
        SortOrder="Ascending",
    )
    assert names(found) == ["run-1", "run-2"]
    parents = {
        "NestedPropertyName": "Parents",
        "Filters": [
            f("Parents.TrialName", "Equals", "other"),
            f("Parents.ExperimentName", "Equals", "EXP"),
        ],
    }
    assert names(tc_search(seeded, SearchExpression={"NestedFilters": [parents]})) == ["run-2"]
    tags = {
        "NestedPropertyName": "Tags",
        "Filters": [
            f("Tags.Key", "Equals", "sagemaker:trial-component-source"),
            f("Tags.Value", "Equals", "run"),
        ],
    }
    assert len(tc_search(seeded, SearchExpression={"NestedFilters": [tags]})["Results"]) == 2


def test_sub_expressions_and_or(seeded: Any) -> None:
    expression = {
        "Filters": [f("Parents.ExperimentName", "Equals", "exp")],
        "SubExpressions": [
            {
                "Filters": [
                    f("Parameters.opt", "Equals", "sgd"),
                    f("Parameters.lr", "GreaterThan", "0.25"),
                ],
                "Operator": "Or",
            }
        ],
    }
    found = tc_search(
        seeded, SearchExpression=expression, SortBy="CreationTime", SortOrder="Ascending"
    )
    assert names(found) == ["run-1", "run-2"]
    either = {
        "Filters": [f("TrialComponentName", value="run-0"), f("TrialComponentName", value="loner")],
        "Operator": "Or",
    }
    assert sorted(names(tc_search(seeded, SearchExpression=either))) == ["loner", "run-0"]


def test_records_without_the_sort_value_come_last_in_both_orders(seeded: Any) -> None:
    for order in ("Ascending", "Descending"):
        found = tc_search(seeded, SortBy="Parameters.lr", SortOrder=order)
        assert names(found)[-1] == "loner"
        by_tag = tc_search(seeded, SortBy="Tags.sagemaker:trial-component-source", SortOrder=order)
        assert set(names(by_tag)[-2:]) == {"run-1", "loner"}
    # The default order: LastModifiedTime, Descending (D71); loner was touched last.
    assert names(tc_search(seeded))[0] == "loner"


def test_paging_is_keyset_with_exact_totals(seeded: Any) -> None:
    seen: list[str] = []
    totals: list[int] = []
    token = None
    while True:
        params: dict[str, Any] = {
            "SortBy": "Parameters.lr",
            "SortOrder": "Descending",
            "MaxResults": 1,
        }
        if token:
            params["NextToken"] = token
        page = tc_search(seeded, **params)
        assert page["TotalHits"]["Relation"] == "EqualTo"
        totals.append(page["TotalHits"]["Value"])
        seen.extend(names(page))
        token = page.get("NextToken")
        if not token:
            break
        if len(seen) == 1:
            seeded.disassociate_trial_component(TrialName="other", TrialComponentName="run-2")
            seeded.disassociate_trial_component(
                TrialName="Default-Run-Group-exp", TrialComponentName="run-1"
            )
            seeded.delete_trial_component(TrialComponentName="run-1")  # the next one: skipped
    assert seen == ["run-2", "run-0", "loner"]
    assert totals == [4, 3, 3]  # exact on every page, deletes included


def test_trial_and_experiment_records(seeded: Any) -> None:
    trials = seeded.search(Resource="ExperimentTrial", SortBy="TrialName", SortOrder="Ascending")
    assert names(trials, "Trial") == ["Default-Run-Group-exp", "other"]
    group = trials["Results"][0]["Trial"]
    assert group["ExperimentName"] == "exp"
    assert [s["TrialComponentName"] for s in group["TrialComponentSummaries"]] == [
        "run-0",
        "run-1",
        "run-2",
    ]
    assert group["TrialComponentSummaries"][0]["CreatedBy"] == {}
    assert group["Tags"] == []
    holding = seeded.search(
        Resource="ExperimentTrial",
        SearchExpression={
            "Filters": [f("TrialComponentSummaries.TrialComponentName", "Equals", "run-2")]
        },
        SortBy="TrialName",
        SortOrder="Ascending",
    )
    assert names(holding, "Trial") == ["Default-Run-Group-exp", "other"]
    experiments = seeded.search(
        Resource="Experiment", SearchExpression={"Filters": [f("Tags.team", "Equals", "ml")]}
    )
    record = experiments["Results"][0]["Experiment"]
    assert (record["ExperimentName"], record["Tags"]) == ("exp", [{"Key": "team", "Value": "ml"}])


def test_visibility_conditions_and_cross_account(seeded: Any) -> None:
    visible = tc_search(
        seeded,
        VisibilityConditions=[{"Key": "Tags.sagemaker:trial-component-source", "Value": "run"}],
        SortBy="CreationTime",
        SortOrder="Ascending",
    )
    assert names(visible) == ["run-0", "run-2"]
    shared = tc_search(seeded, CrossAccountFilterOption="CrossAccount")
    assert shared == {**shared, "Results": [], "TotalHits": {"Value": 0, "Relation": "EqualTo"}}


def test_the_longest_values_are_stored_indexed_and_found(sm: Any) -> None:
    """A 2,500-character parameter of 4-byte characters is 10 KB, past PostgreSQL's index-row
    limit: the text index holds a prefix, and the whole value is still compared."""
    longest = "\U0001f600" * 2500  # the model's maximum StringValue
    long_value = "\U0001f600" * 1000 + "a"  # Filter values stop at 1,024 characters
    twin = "\U0001f600" * 1000 + "b"  # the same prefix, another value
    for name, value in (("longest", longest), ("long", long_value), ("twin", twin)):
        sm.create_trial_component(TrialComponentName=name, Parameters={"p": {"StringValue": value}})
    assert names(tc_search(sm, f("Parameters.p", "Equals", long_value))) == ["long"]
    not_twin = tc_search(sm, f("Parameters.p", "NotEquals", twin), SortBy="CreationTime")
    assert names(not_twin) == ["long", "longest"]
    assert names(tc_search(sm, f("Parameters.p", "Contains", "\U0001f600a"))) == ["long"]


def test_two_bounds_on_one_property_hold_together(seeded: Any) -> None:
    between = tc_search(
        seeded,
        f("Parameters.lr", "GreaterThanOrEqualTo", "0.15"),
        f("Parameters.lr", "LessThan", "0.25"),
        f("Metrics.test:accuracy.Max", "GreaterThan", "0.1"),
        f("Metrics.test:accuracy.Max", "LessThan", "0.9"),
    )
    assert names(between) == ["run-1"]


def test_total_hits_is_exact_up_to_100(sm: Any) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: sm.create_trial_component(TrialComponentName=f"c{i}"), range(101)))
    assert tc_search(sm, MaxResults=5)["TotalHits"] == {
        "Value": 100,
        "Relation": "GreaterThanOrEqualTo",
    }  # S4
    sm.delete_trial_component(TrialComponentName="c0")
    assert tc_search(sm)["TotalHits"] == {"Value": 100, "Relation": "EqualTo"}


def test_exists_and_constant_properties(seeded: Any, region: str) -> None:
    """Review findings: Exists on an attribute matched every record; LineageGroupArn, the same
    on every trial component, never matched; a member's ARN never matched."""
    assert names(tc_search(seeded, f("RunName", "Exists"))) == []  # never set (D66)
    assert len(tc_search(seeded, f("RunName", "NotExists"))["Results"]) == 4
    assert names(
        tc_search(
            seeded, f("Parameters.opt", "Exists"), SortBy="CreationTime", SortOrder="Ascending"
        )
    ) == ["run-0", "run-1", "run-2"]
    group = f"arn:aws:sagemaker:{region}:123456789012:lineage-group/sagemaker-default-lineage-group"
    assert len(tc_search(seeded, f("LineageGroupArn", "Equals", group.upper()))["Results"]) == 4
    assert tc_search(seeded, f("LineageGroupArn", "NotExists"))["Results"] == []
    member = f"arn:aws:sagemaker:{region}:123456789012:experiment-trial-component/run-2"
    holding = seeded.search(
        Resource="ExperimentTrial",
        SearchExpression={
            "Filters": [f("TrialComponentSummaries.TrialComponentArn", "Equals", member)]
        },
        SortBy="TrialName",
        SortOrder="Ascending",
    )
    assert names(holding, "Trial") == ["Default-Run-Group-exp", "other"]
