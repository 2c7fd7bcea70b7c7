"""Search's refusals (§5.8, D68-D71): each with its ValidationException text, and none of them
a 500, whatever the expression."""

from __future__ import annotations

from typing import Any

import pytest

from tests.awsjson import error_message


def bad(sm: Any, **params: Any) -> str:
    params.setdefault("Resource", "ExperimentTrialComponent")
    return error_message("ValidationException", sm.search, **params)


def expr(*filters: dict[str, Any], **rest: Any) -> dict[str, Any]:
    return {"Filters": list(filters), **rest}


def test_unserved_resources(sm: Any) -> None:
    for resource in ("TrainingJob", "Pipeline", "Model"):
        assert bad(sm, Resource=resource) == (
            f"Search is not supported for resource type {resource} by this server."
        )


def test_empty_expressions_at_any_depth(sm: Any) -> None:
    text = "You must provide at least one subexpression, filter, or nested filter."
    assert bad(sm, SearchExpression={}) == text
    assert bad(sm, SearchExpression={"Operator": "And"}) == text


def test_more_than_fifty_elements(sm: Any) -> None:
    twenty = [{"Name": "DisplayName", "Value": f"d{i}"} for i in range(20)]
    nested = {"NestedPropertyName": "Tags", "Filters": [{"Name": "Tags.Key", "Value": "k"}]}
    expression = {
        "Filters": twenty,
        "SubExpressions": [{"Filters": twenty}],
        "NestedFilters": [nested] * 5,
    }
    # 20 + 1 + 20 filters, 5 nested objects with a filter each: 51.
    assert bad(sm, SearchExpression=expression) == (
        "The search expression has 51 elements; the maximum is 50."
    )


@pytest.mark.parametrize(
    ("resource", "name"),
    [
        ("ExperimentTrialComponent", "Bogus"),
        ("ExperimentTrialComponent", "ExperimentName"),
        ("Experiment", "Parameters.lr"),
        ("ExperimentTrial", "Metrics.loss"),
        ("Experiment", "Status.PrimaryStatus"),
    ],
)
def test_unknown_properties(sm: Any, resource: str, name: str) -> None:
    text = bad(sm, Resource=resource, SearchExpression=expr({"Name": name, "Value": "x"}))
    assert text == f"'{name}' is not a valid property for resource {resource}."
    text = bad(sm, Resource=resource, SortBy=name)
    assert text == f"'{name}' is not a valid property for resource {resource}."


@pytest.mark.parametrize(
    ("name", "operator"),
    [
        ("DisplayName", "GreaterThan"),
        ("TrialComponentName", "LessThanOrEqualTo"),
        ("Parents.TrialName", "GreaterThanOrEqualTo"),
        ("Metrics.loss.Max", "Contains"),
        ("CreationTime", "In"),
    ],
)
def test_operators_the_value_kind_does_not_support(sm: Any, name: str, operator: str) -> None:
    text = bad(sm, SearchExpression=expr({"Name": name, "Operator": operator, "Value": "1"}))
    assert text == f"Operator {operator} is not supported for property '{name}'."


def test_values_that_do_not_parse(sm: Any) -> None:
    assert bad(
        sm, SearchExpression=expr({"Name": "Metrics.loss", "Operator": "LessThan", "Value": "low"})
    ) == ("Value 'low' is not a valid number for property 'Metrics.loss'.")
    assert bad(
        sm,
        SearchExpression=expr({"Name": "StartTime", "Operator": "LessThan", "Value": "yesterday"}),
    ) == ("Value 'yesterday' is not a valid timestamp for property 'StartTime'.")
    assert bad(sm, SearchExpression=expr({"Name": "DisplayName", "Operator": "Contains"})) == (
        "Filter on 'DisplayName' requires a Value for operator Contains."
    )


def test_nested_filter_paths(sm: Any) -> None:
    nested = {
        "NestedPropertyName": "Metrics",
        "Filters": [{"Name": "Parents.TrialName", "Value": "t"}],
    }
    assert bad(sm, SearchExpression={"NestedFilters": [nested]}) == (
        "Filter 'Parents.TrialName' must start with 'Metrics.'."
    )
    unknown = {
        "NestedPropertyName": "Metrics",
        "Filters": [{"Name": "Metrics.Median", "Value": "1"}],
    }
    assert bad(sm, SearchExpression={"NestedFilters": [unknown]}) == (
        "'Metrics.Median' is not a valid property for resource ExperimentTrialComponent."
    )
    artifacts = {
        "NestedPropertyName": "InputArtifacts",
        "Filters": [{"Name": "InputArtifacts.Value", "Value": "s3://x"}],
    }
    assert "not supported by this server" in bad(
        sm, SearchExpression={"NestedFilters": [artifacts]}
    )


def test_one_contains_outside_names_tags_and_artifacts(sm: Any) -> None:
    many_names = expr(
        {"Name": "DisplayName", "Operator": "Contains", "Value": "a"},
        {"Name": "TrialComponentName", "Operator": "Contains", "Value": "b"},
        {"Name": "Tags.k", "Operator": "Contains", "Value": "c"},
        {"Name": "Status.Message", "Operator": "Contains", "Value": "d"},
    )
    assert (
        sm.search(Resource="ExperimentTrialComponent", SearchExpression=many_names)["Results"] == []
    )
    two = expr(
        {"Name": "Status.Message", "Operator": "Contains", "Value": "a"},
        {"Name": "Parameters.opt", "Operator": "Contains", "Value": "b"},
    )
    assert bad(sm, SearchExpression=two) == "'CONTAINS' operator usage limit of 1 exceeded."


def test_page_tokens_are_bound_to_the_request(sm: Any) -> None:
    for i in range(3):
        sm.create_trial_component(TrialComponentName=f"c{i}")
    token = sm.search(Resource="ExperimentTrialComponent", MaxResults=1)["NextToken"]
    assert bad(sm, SortBy="CreationTime", NextToken=token) == "Invalid NextToken."
    assert bad(sm, Resource="ExperimentTrial", NextToken=token) == "Invalid NextToken."


def test_the_model_constraints_still_apply(sm: Any) -> None:
    text = bad(sm, MaxResults=101)
    assert "at 'maxResults' failed to satisfy constraint" in text
    text = bad(sm, SearchExpression=expr(*[{"Name": "DisplayName", "Value": "x"}] * 21))
    assert "at 'searchExpression.filters' failed to satisfy constraint" in text
