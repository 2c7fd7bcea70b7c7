"""Trial components and experiments in the lineage graph (issue #14; §7, D72, D73, D37 replaced).

Trial components are ``TrialComponent`` vertices; experiments are association ends that are
stored and listed but never traversed; no association joins two experiment entities.
"""

from __future__ import annotations

from typing import Any

from tests.awsjson import error_message
from tests.service.experiments_support import arn, component, experiment, trial


def _artifact(sm: Any, uri: str, kind: str = "Model") -> str:
    created: str = sm.create_artifact(Source={"SourceUri": uri}, ArtifactType=kind)["ArtifactArn"]
    return created


def test_a_run_between_its_data_and_its_model(sm: Any) -> None:
    data = _artifact(sm, "s3://data/train.csv", "DataSet")
    run = component(sm, "Train-Run-1")
    model = _artifact(sm, "s3://models/m.tar.gz")
    sm.add_association(SourceArn=data, DestinationArn=run, AssociationType="ContributedTo")
    sm.add_association(SourceArn=run, DestinationArn=model, AssociationType="Produced")

    upstream = sm.query_lineage(StartArns=[model], Direction="Ascendants")
    assert upstream["Vertices"] == [
        {"Arn": run, "Type": "ExperimentTrialComponent", "LineageType": "TrialComponent"},
        {"Arn": data, "Type": "DataSet", "LineageType": "Artifact"},
    ]
    only_runs = sm.query_lineage(
        StartArns=[model],
        Direction="Ascendants",
        Filters={"LineageTypes": ["TrialComponent"], "Types": ["ExperimentTrialComponent"]},
    )
    assert [v["Arn"] for v in only_runs["Vertices"]] == [run]
    # Properties never match a trial component (it has none, D72).
    by_property = sm.query_lineage(
        StartArns=[model], Direction="Ascendants", Filters={"Properties": {"k": "v"}}
    )
    assert by_property["Vertices"] == []
    # A trial component is a valid start (LineageTrialComponent.dataset_artifacts()).
    from_run = sm.query_lineage(StartArns=[run], Direction="Both", IncludeEdges=True)
    assert {v["Arn"] for v in from_run["Vertices"]} == {run, data, model}
    assert len(from_run["Edges"]) == 2


def test_list_associations_types_and_names_experiment_ends(sm: Any) -> None:
    run = component(sm, "Named-Run")
    model = _artifact(sm, "s3://models/x")
    study = experiment(sm, "Study")
    sm.add_association(SourceArn=run, DestinationArn=model, AssociationType="Produced")
    sm.add_association(SourceArn=model, DestinationArn=study, AssociationType="AssociatedWith")
    out = sm.list_associations(SourceArn=run)["AssociationSummaries"]
    assert len(out) == 1
    assert out[0]["SourceType"] == "SageMakerExperimentTrialComponent"  # D72
    assert out[0]["SourceName"] == "Named-Run"
    into = sm.list_associations(DestinationArn=study)["AssociationSummaries"]
    assert into[0]["DestinationType"] == "SageMakerExperiment"
    assert into[0]["DestinationName"] == "Study"
    typed = sm.list_associations(SourceType="SageMakerExperimentTrialComponent")
    assert [a["SourceArn"] for a in typed["AssociationSummaries"]] == [run]


def test_experiments_are_stored_but_never_traversed(sm: Any) -> None:
    study = experiment(sm, "Hub")
    left = _artifact(sm, "s3://left")
    right = _artifact(sm, "s3://right")
    sm.add_association(SourceArn=left, DestinationArn=study)
    sm.add_association(SourceArn=study, DestinationArn=right)
    walk = sm.query_lineage(StartArns=[left], Direction="Both", IncludeEdges=True)
    assert [v["Arn"] for v in walk["Vertices"]] == [left]  # neither the experiment nor right
    assert walk["Edges"] == []
    from_experiment = sm.query_lineage(StartArns=[study], IncludeEdges=True)
    assert from_experiment["Vertices"] == []
    assert from_experiment["Edges"] == []  # D73


def test_no_association_joins_two_experiment_entities(sm: Any) -> None:
    run = component(sm, "r1")
    other = component(sm, "r2")
    study = experiment(sm, "s")
    for source, destination in ((run, other), (run, study), (study, run), (study, study)):
        text = error_message(
            "ValidationException", sm.add_association, SourceArn=source, DestinationArn=destination
        )
        assert text == "An association can't be created between two experiment entities."


def test_trials_are_not_association_ends(sm: Any, region: str) -> None:
    experiment(sm, "e")
    trial_arn = trial(sm, "t", "e")
    model = _artifact(sm, "s3://m")
    text = error_message(
        "ValidationException", sm.add_association, SourceArn=model, DestinationArn=trial_arn
    )
    assert "at 'destinationArn' failed to satisfy constraint" in text


def test_missing_experiment_ends_are_resource_not_found(sm: Any, region: str) -> None:
    model = _artifact(sm, "s3://m")
    for kind, label in (("component", "TrialComponent"), ("experiment", "Experiment")):
        target = arn(region, kind, "Ghost")
        text = error_message(
            "ResourceNotFound", sm.add_association, SourceArn=model, DestinationArn=target
        )
        assert text == f"{label} {target} does not exist."
    ghost = arn(region, "component", "ghost")
    text = error_message("ResourceNotFound", sm.query_lineage, StartArns=[ghost])
    assert text == f"TrialComponent {ghost} does not exist."


def test_deleting_a_component_or_experiment_deletes_its_associations(sm: Any) -> None:
    run = component(sm, "doomed")
    study = experiment(sm, "doomed-exp")
    model = _artifact(sm, "s3://kept")
    sm.add_association(SourceArn=run, DestinationArn=model)
    sm.add_association(SourceArn=model, DestinationArn=study)
    sm.delete_trial_component(TrialComponentName="doomed")
    sm.delete_experiment(ExperimentName="doomed-exp")
    assert sm.list_associations(SourceArn=model)["AssociationSummaries"] == []
    assert sm.list_associations(DestinationArn=model)["AssociationSummaries"] == []
    assert sm.describe_artifact(ArtifactArn=model)["ArtifactArn"] == model  # the other end stays


def test_a_component_is_tagged_like_a_lineage_entity(sm: Any) -> None:
    run = component(sm, "tagged")
    sm.add_tags(ResourceArn=run, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    sm.add_tags(ResourceArn=run, Tags=[{"Key": "a", "Value": "3"}])
    assert sm.list_tags(ResourceArn=run)["Tags"] == [
        {"Key": "a", "Value": "3"},
        {"Key": "b", "Value": "2"},
    ]
    sm.delete_tags(ResourceArn=run, TagKeys=["a"])
    assert sm.list_tags(ResourceArn=run)["Tags"] == [{"Key": "b", "Value": "2"}]
    experiment(sm, "e")
    trial_arn = trial(sm, "t", "e")
    sm.add_tags(ResourceArn=trial_arn, Tags=[{"Key": "k", "Value": "v"}])
    assert sm.list_tags(ResourceArn=trial_arn)["Tags"] == [{"Key": "k", "Value": "v"}]


def test_the_first_component_creates_the_default_lineage_group(sm: Any, region: str) -> None:
    experiment(sm, "no-group-yet")
    assert sm.list_lineage_groups()["LineageGroupSummaries"] == []  # experiments do not (D23)
    component(sm, "first")
    groups = sm.list_lineage_groups()["LineageGroupSummaries"]
    assert [g["LineageGroupName"] for g in groups] == ["sagemaker-default-lineage-group"]
