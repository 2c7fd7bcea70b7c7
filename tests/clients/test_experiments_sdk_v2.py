"""SageMaker Python SDK v2 (``sagemaker<3``): ``sagemaker.experiments`` against stemma.

Runs in the ``sdk2`` client venv; see README.md here. ``Experiment``, ``_Trial`` and
``_TrialComponent`` are the classes behind the SDK's ``Run``; these tests drive the classes
directly (reference §9.2, §9.3), and ``test_runs_sdk_v2.py`` drives ``Run`` itself. The SDK's own
cleanup loops sleep 1.2 s between calls to dodge AWS's throttling (§8.3); the tests replace
``time`` in those modules with a recorder so that they run in milliseconds and can still check how
often the SDK paused.

The SDK is pointed at stemma through ``Session(sagemaker_client=boto3.client(...,
endpoint_url=URL))``; every test works in a region of its own.
"""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sagemaker.experiments import experiment as experiment_module
from sagemaker.experiments import trial_component as trial_component_module
from sagemaker.experiments._api_types import (
    TrialComponentArtifact,
    TrialComponentStatus,
    TrialComponentSummary,
    TrialSummary,
)
from sagemaker.experiments.experiment import Experiment
from sagemaker.experiments.trial import _Trial
from sagemaker.experiments.trial_component import _TrialComponent
from sagemaker.lineage.artifact import Artifact, DatasetArtifact, ModelArtifact
from sagemaker.lineage.association import Association
from sagemaker.lineage.lineage_trial_component import LineageTrialComponent
from sagemaker.lineage.query import (
    LineageEntityEnum,
    LineageFilter,
    LineageQuery,
    LineageQueryDirectionEnum,
)
from sagemaker.lineage.visualizer import LineageTableVisualizer
from sagemaker.session import Session

from tests.clients.conftest import (
    ACCOUNT_ID,
    DEFAULT_LINEAGE_GROUP,
    Server,
    arn,
    boto_client,
    unique,
)


@pytest.fixture
def session(server: Server, region: str) -> Any:
    import boto3

    boto_session = boto3.Session(region_name=region)
    return Session(
        boto_session=boto_session,
        sagemaker_client=boto_session.client("sagemaker", endpoint_url=server.url),
    )


@pytest.fixture
def sm(server: Server, region: str) -> Any:
    """A plain boto3 client, to check what the SDK did behind its objects."""
    return boto_client(server.url, region)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The SDK's throttling pauses, recorded instead of slept."""
    slept: list[float] = []
    fake_time = SimpleNamespace(sleep=slept.append, time=time.time)
    monkeypatch.setattr(experiment_module, "time", fake_time)
    monkeypatch.setattr(trial_component_module, "time", fake_time)
    return slept


def sent(session: Any, operation: str) -> list[dict[str, Any]]:
    """Records the parameters of every ``operation`` request the session's client sends."""
    requests: list[dict[str, Any]] = []
    session.sagemaker_client.meta.events.register(
        f"provide-client-params.sagemaker.{operation}",
        lambda params, **_: requests.append(dict(params)),
    )
    return requests


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


ARN_KINDS = {
    "Experiment": "experiment",
    "Trial": "experiment-trial",
    "TrialComponent": "experiment-trial-component",
}


def not_found(region: str, kind: str, name: str) -> tuple[str, str]:
    """The ResourceNotFound error of a missing experiment entity (reference §3.3, D13)."""
    return ("ResourceNotFound", f"{kind} {arn(region, ARN_KINDS[kind], name)} does not exist.")


def test_experiment_create_load_save_delete(session: Any, sm: Any, region: str) -> None:
    name = unique("Churn")
    created = Experiment.create(
        experiment_name=name,
        description="first",
        tags=[{"Key": "team", "Value": "ml"}],
        sagemaker_session=session,
    )
    experiment_arn = arn(region, "experiment", name)
    assert created.experiment_arn == experiment_arn  # the SDK keeps CreateExperiment's answer

    loaded = Experiment.load(experiment_name=name.lower(), sagemaker_session=session)
    assert loaded.experiment_name == name  # original case, found case-insensitively (D57)
    assert loaded.experiment_arn == experiment_arn
    assert loaded.display_name == name  # defaults to the name (D58)
    assert loaded.description == "first"
    assert loaded.created_by == {}
    assert isinstance(loaded.creation_time, dt.datetime)
    assert loaded.last_modified_time == loaded.creation_time

    # save() sends UpdateExperiment with the members the SDK lists: name, description, display.
    time.sleep(0.01)
    loaded.display_name = "Churn-model"
    loaded.description = "second"
    assert loaded.save() is loaded  # the SDK merges UpdateExperiment's answer into itself
    assert loaded.experiment_arn == experiment_arn
    described = sm.describe_experiment(ExperimentName=name)
    assert (described["DisplayName"], described["Description"]) == ("Churn-model", "second")
    assert described["LastModifiedTime"] > described["CreationTime"]
    assert sm.list_tags(ResourceArn=experiment_arn)["Tags"] == [{"Key": "team", "Value": "ml"}]

    # Run's create-or-load: "already exists" (any case) falls back to DescribeExperiment.
    again = Experiment._load_or_create(experiment_name=name.upper(), sagemaker_session=session)
    assert (again.experiment_name, again.experiment_arn) == (name, experiment_arn)
    assert again.display_name == "Churn-model"

    loaded.delete()
    with pytest.raises(ClientError) as excinfo:
        Experiment.load(experiment_name=name, sagemaker_session=session)
    assert error_of(excinfo) == not_found(region, "Experiment", name)
    with pytest.raises(ClientError) as excinfo:
        loaded.delete()
    assert error_of(excinfo) == not_found(region, "Experiment", name)


def test_trial_create_load_save_list_delete(session: Any, sm: Any, region: str) -> None:
    experiment = Experiment.create(experiment_name=unique("Exp"), sagemaker_session=session)
    name = unique("Trial")
    created = _Trial.create(
        experiment_name=experiment.experiment_name,
        trial_name=name,
        tags=[{"Key": "stage", "Value": "dev"}],
        sagemaker_session=session,
    )
    trial_arn = arn(region, "experiment-trial", name)
    assert created.trial_arn == trial_arn

    loaded = _Trial.load(trial_name=name.lower(), sagemaker_session=session)
    assert loaded.trial_name == name
    assert loaded.trial_arn == trial_arn
    assert loaded.experiment_name == experiment.experiment_name
    assert loaded.display_name == name

    loaded.display_name = "renamed"
    loaded.save()
    assert loaded.trial_arn == trial_arn
    assert sm.describe_trial(TrialName=name)["DisplayName"] == "renamed"
    assert sm.list_tags(ResourceArn=trial_arn)["Tags"] == [{"Key": "stage", "Value": "dev"}]

    # Run's create-or-load compares the loaded trial's ExperimentName with the one it passed,
    # which must therefore echo the spelling given at CreateTrial (D59).
    again = _Trial._load_or_create(
        experiment_name=experiment.experiment_name, trial_name=name, sagemaker_session=session
    )
    assert again.trial_arn == trial_arn

    second = _Trial.create(
        experiment_name=experiment.experiment_name.lower(),
        trial_name=unique("Other"),
        sagemaker_session=session,
    )
    listed = list(experiment.list_trials(sort_order="Ascending"))
    assert all(isinstance(s, TrialSummary) for s in listed)
    assert [s.trial_name for s in listed] == [name, second.trial_name]
    assert listed[0].trial_arn == trial_arn
    assert listed[0].display_name == "renamed"
    with pytest.raises(ValueError, match="does not match"):
        _Trial._load_or_create(
            experiment_name=experiment.experiment_name,
            trial_name=second.trial_name,
            sagemaker_session=session,
        )

    # An experiment with trials cannot be deleted (D62); its trials can.
    with pytest.raises(ClientError) as excinfo:
        experiment.delete()
    assert error_of(excinfo) == (
        "ValidationException",
        f"Experiment {experiment.experiment_arn} has trials; delete them first.",
    )
    loaded.delete()
    second.delete()
    assert list(experiment.list_trials()) == []
    with pytest.raises(ClientError) as excinfo:
        _Trial.load(trial_name=name, sagemaker_session=session)
    assert error_of(excinfo) == not_found(region, "Trial", name)
    experiment.delete()


def test_trial_component_create_load_save(session: Any, sm: Any, region: str) -> None:
    name = unique("Run")
    created = _TrialComponent.create(
        trial_component_name=name,
        display_name="first-run",
        tags=[{"Key": "sagemaker:trial-component-source", "Value": "run"}],
        sagemaker_session=session,
    )
    tc_arn = arn(region, "experiment-trial-component", name)
    assert created.trial_component_arn == tc_arn

    loaded = _TrialComponent.load(trial_component_name=name.lower(), sagemaker_session=session)
    assert loaded.trial_component_name == name
    assert loaded.trial_component_arn == tc_arn
    assert loaded.display_name == "first-run"
    # Maps are always present (D66), so the SDK's objects start empty rather than None.
    assert (loaded.parameters, loaded.input_artifacts, loaded.output_artifacts) == ({}, {}, {})
    assert loaded.metrics == []
    assert loaded.status is None
    assert loaded.source is None
    assert loaded.lineage_group_arn == (
        f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{DEFAULT_LINEAGE_GROUP}"
    )

    # save() sends every update member that is not None: the maps, Status, the times.
    time.sleep(0.01)  # so that LastModifiedTime moves past CreationTime (millisecond clock)
    start = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    loaded.parameters = {"eta": 0.1, "optimizer": "adam", "epochs": 10}
    loaded.input_artifacts = {
        "train": TrialComponentArtifact(value="s3://data/train.csv", media_type="text/csv"),
        "code": TrialComponentArtifact(value="s3://code/train.py"),
    }
    loaded.status = TrialComponentStatus(primary_status="InProgress", message="Within a run")
    loaded.start_time = start
    loaded.save()
    assert loaded.trial_component_arn == tc_arn

    reloaded = _TrialComponent.load(trial_component_name=name, sagemaker_session=session)
    assert reloaded.parameters == {"eta": 0.1, "optimizer": "adam", "epochs": 10}
    assert reloaded.input_artifacts["train"].value == "s3://data/train.csv"
    assert reloaded.input_artifacts["train"].media_type == "text/csv"
    assert reloaded.input_artifacts["code"].media_type is None  # omitted when not given
    assert reloaded.status.primary_status == "InProgress"
    assert reloaded.status.message == "Within a run"
    assert reloaded.start_time == start
    raw = sm.describe_trial_component(TrialComponentName=name)
    assert raw["Parameters"] == {
        "eta": {"NumberValue": 0.1},
        "optimizer": {"StringValue": "adam"},
        "epochs": {"NumberValue": 10},
    }

    # *ToRemove beside an upsert of the same map, in one call; Status replaced as a whole.
    reloaded.parameters = {"eta": 0.2}
    reloaded.parameters_to_remove = ["optimizer"]
    reloaded.input_artifacts_to_remove = ["code"]
    reloaded.output_artifacts = {"model": TrialComponentArtifact(value="s3://out/model.tar.gz")}
    reloaded.status = TrialComponentStatus(primary_status="Completed")
    reloaded.end_time = start + dt.timedelta(hours=1)
    reloaded.save()
    final = _TrialComponent.load(trial_component_name=name, sagemaker_session=session)
    assert final.parameters == {"eta": 0.2, "epochs": 10}
    assert list(final.input_artifacts) == ["train"]
    assert final.output_artifacts["model"].value == "s3://out/model.tar.gz"
    assert (final.status.primary_status, final.status.message) == ("Completed", None)
    assert final.end_time == start + dt.timedelta(hours=1)
    assert final.last_modified_time > final.creation_time

    # Run saves a fresh object whose maps are {}: that must change nothing (D65).
    fresh = _TrialComponent(session, trial_component_name=name, display_name="renamed")
    fresh.save()
    after = _TrialComponent.load(trial_component_name=name, sagemaker_session=session)
    assert after.display_name == "renamed"
    assert after.parameters == {"eta": 0.2, "epochs": 10}
    assert list(after.input_artifacts) == ["train"]
    assert list(after.output_artifacts) == ["model"]

    # Run's create-or-load of an existing trial component.
    existing, is_existed = _TrialComponent._load_or_create(
        trial_component_name=name.upper(), sagemaker_session=session
    )
    assert is_existed is True
    assert existing.trial_component_arn == tc_arn

    after.delete()
    with pytest.raises(ClientError) as excinfo:
        _TrialComponent.load(trial_component_name=name, sagemaker_session=session)
    assert error_of(excinfo) == not_found(region, "TrialComponent", name)


def test_add_remove_list_and_force_delete(
    session: Any, sm: Any, region: str, sleeps: list[float]
) -> None:
    experiment = Experiment.create(experiment_name=unique("Exp"), sagemaker_session=session)
    trials = [
        _Trial.create(
            experiment_name=experiment.experiment_name,
            trial_name=unique(f"T{i}"),
            sagemaker_session=session,
        )
        for i in range(2)
    ]
    prefix = unique("tc")
    names = [f"{prefix}-{i:02d}" for i in range(12)]
    for name in names:
        _TrialComponent.create(trial_component_name=name, sagemaker_session=session)
    shared = _TrialComponent.load(trial_component_name=names[0], sagemaker_session=session)

    # add_trial_component takes an object or a name.
    trials[0].add_trial_component(shared)
    for name in names[1:]:
        trials[0].add_trial_component(name)
    trials[1].add_trial_component(shared)
    trials[0].add_trial_component(names[1])  # already associated: accepted, unchanged (D63)

    # list_trial_components follows NextToken: 12 components, pages of 10.
    lists = sent(session, "ListTrialComponents")
    listed = list(trials[0].list_trial_components(sort_order="Ascending"))
    assert all(isinstance(s, TrialComponentSummary) for s in listed)
    assert [s.trial_component_name for s in listed] == names
    assert len(lists) == 2
    assert listed[0].trial_component_arn == arn(region, "experiment-trial-component", names[0])
    assert [s.trial_component_name for s in trials[1].list_trial_components()] == [names[0]]
    by_experiment = _TrialComponent.list(
        experiment_name=experiment.experiment_name, sagemaker_session=session
    )
    assert sorted(s.trial_component_name for s in by_experiment) == names  # each once
    in_trials = _Trial.list(trial_component_name=names[0], sagemaker_session=session)
    assert sorted(s.trial_name for s in in_trials) == sorted(t.trial_name for t in trials)

    trials[0].remove_trial_component(names[11])
    trials[0].remove_trial_component(
        _TrialComponent.load(trial_component_name=names[10], sagemaker_session=session)
    )
    assert [
        s.trial_component_name for s in trials[0].list_trial_components(sort_order="Ascending")
    ] == names[:10]
    with pytest.raises(ClientError) as excinfo:
        trials[0].remove_trial_component(names[11])
    tc_arn = arn(region, "experiment-trial-component", names[11])
    assert error_of(excinfo) == (
        "ResourceNotFound",
        f"Trial component {tc_arn} is not associated with trial {trials[0].trial_arn}.",
    )

    # A plain delete is refused while the component is in a trial (D62) ...
    with pytest.raises(ClientError) as excinfo:
        shared.delete()
    assert error_of(excinfo) == (
        "ValidationException",
        f"Trial component {shared.trial_component_arn} is associated with trials; "
        "disassociate it first.",
    )
    # ... and force_disassociate pages ListTrials(TrialComponentName) and disassociates each.
    shared.delete(force_disassociate=True)
    assert len(sleeps) == 2  # one pause before each DisassociateTrialComponent
    with pytest.raises(ClientError):
        sm.describe_trial_component(TrialComponentName=names[0])
    assert [s.trial_component_name for s in trials[1].list_trial_components()] == []
    assert names[0] not in [s.trial_component_name for s in trials[0].list_trial_components()]
    assert (
        sm.describe_trial_component(TrialComponentName=names[11])["TrialComponentName"]
        == (names[11])
    )


def test_delete_all_force(session: Any, sm: Any, region: str, sleeps: list[float]) -> None:
    """``Experiment._delete_all("--force")``: bottom-up cleanup, in one attempt (§9.3)."""
    experiment = Experiment.create(experiment_name=unique("Doomed"), sagemaker_session=session)
    trials = [
        _Trial.create(
            experiment_name=experiment.experiment_name,
            trial_name=unique(f"T{i}"),
            sagemaker_session=session,
        )
        for i in range(2)
    ]
    components = [
        _TrialComponent.create(trial_component_name=unique(f"C{i}"), sagemaker_session=session)
        for i in range(3)
    ]
    trials[0].add_trial_component(components[0])
    trials[0].add_trial_component(components[1])
    trials[1].add_trial_component(components[1])  # in both trials
    trials[1].add_trial_component(components[2])
    bystander = _TrialComponent.create(
        trial_component_name=unique("Keep"), sagemaker_session=session
    )
    experiment_lists = sent(session, "ListTrials")

    with pytest.raises(ValueError, match="--force"):
        experiment._delete_all(action="yes")
    experiment._delete_all(action="--force")

    # _delete_all retries up to three times and hides the errors of failed attempts: one
    # ListTrials(ExperimentName) means the first attempt went through.
    assert len([r for r in experiment_lists if "ExperimentName" in r]) == 1
    for entity, describe, key in [
        (experiment.experiment_name, sm.describe_experiment, "ExperimentName"),
        *[(t.trial_name, sm.describe_trial, "TrialName") for t in trials],
        *[(c.trial_component_name, sm.describe_trial_component, "TrialComponentName")
          for c in components],
    ]:  # fmt: skip
        with pytest.raises(ClientError) as excinfo:
            describe(**{key: entity})
        assert error_of(excinfo)[0] == "ResourceNotFound", entity
    assert sm.describe_trial_component(TrialComponentName=bystander.trial_component_name)
    # 4 disassociations, 3 component deletes, 2 trial deletes: a pause after each.
    assert len(sleeps) == 9


def test_trial_component_vertex_to_lineage_object(session: Any, sm: Any, region: str) -> None:
    """A trial component between a dataset and a model is a ``TrialComponent`` vertex (§7.4)."""
    tag = unique("lin")
    name = f"{tag}-Train-Run"
    component = _TrialComponent.create(
        trial_component_name=name, display_name="training", sagemaker_session=session
    )
    component.parameters = {"eta": 0.1}
    component.status = TrialComponentStatus(primary_status="Completed")
    component.save()
    dataset = Artifact.create(
        artifact_name="train-data",
        source_uri=f"s3://b/{tag}/train.csv",
        artifact_type="DataSet",
        sagemaker_session=session,
    )
    model = Artifact.create(
        artifact_name="model",
        source_uri=f"s3://b/{tag}/model.tar.gz",
        artifact_type="Model",
        sagemaker_session=session,
    )
    tc_arn = component.trial_component_arn
    Association.create(
        source_arn=dataset.artifact_arn,
        destination_arn=tc_arn,
        association_type="ContributedTo",
        sagemaker_session=session,
    )
    Association.create(
        source_arn=tc_arn,
        destination_arn=model.artifact_arn,
        association_type="Produced",
        sagemaker_session=session,
    )

    result = LineageQuery(session).query(
        start_arns=[model.artifact_arn], direction=LineageQueryDirectionEnum.ASCENDANTS
    )
    by_arn = {v.arn: v for v in result.vertices}
    assert set(by_arn) == {model.artifact_arn, tc_arn, dataset.artifact_arn}
    vertex = by_arn[tc_arn]
    assert (vertex.lineage_entity, vertex.lineage_source) == (
        "TrialComponent",
        "ExperimentTrialComponent",  # no Source: the D72 fallback
    )
    assert {(e.source_arn, e.destination_arn, e.association_type) for e in result.edges} == {
        (dataset.artifact_arn, tc_arn, "ContributedTo"),
        (tc_arn, model.artifact_arn, "Produced"),
    }
    only_components = LineageQuery(session).query(
        start_arns=[model.artifact_arn],
        direction=LineageQueryDirectionEnum.ASCENDANTS,
        query_filter=LineageFilter(entities=[LineageEntityEnum.TRIAL_COMPONENT]),
        include_edges=False,  # with edges the start is always returned too (lineage D44)
    )
    assert [v.arn for v in only_components.vertices] == [tc_arn]

    # to_lineage_object describes the component by the lowercased name cut from the ARN and
    # copies every key raw into a LineageTrialComponent.
    lineage_tc = vertex.to_lineage_object()
    assert isinstance(lineage_tc, LineageTrialComponent)
    assert lineage_tc.trial_component_name == name
    assert lineage_tc.trial_component_arn == tc_arn
    assert lineage_tc.display_name == "training"
    assert lineage_tc.parameters == {"eta": {"NumberValue": 0.1}}
    assert lineage_tc.status == {"PrimaryStatus": "Completed"}
    assert lineage_tc.source is None
    assert lineage_tc.pipeline_execution_arn() is None  # no Source: no job to ask
    assert lineage_tc.lineage_group_arn.endswith(DEFAULT_LINEAGE_GROUP)

    # Its own helpers start QueryLineage at the trial-component ARN.
    datasets = lineage_tc.dataset_artifacts()
    assert [type(a) for a in datasets] == [DatasetArtifact]
    assert [a.artifact_arn for a in datasets] == [dataset.artifact_arn]
    models = lineage_tc.models()
    assert [type(a) for a in models] == [ModelArtifact]
    assert [a.artifact_arn for a in models] == [model.artifact_arn]

    # ListAssociations names and types a trial-component end (D72).
    (into_model,) = Association.list(destination_arn=model.artifact_arn, sagemaker_session=session)
    assert into_model.source_arn == tc_arn
    assert into_model.source_type == "SageMakerExperimentTrialComponent"
    assert into_model.source_name == name
    table = LineageTableVisualizer(session).show(trial_component_name=name)
    assert table.values.tolist() == [
        ["train-data", "Input", "DataSet", "ContributedTo", "artifact"],
        ["model", "Output", "Model", "Produced", "artifact"],
    ]

    # An experiment is an association end too, listed but never a vertex (D72, D73); two
    # experiment entities cannot be associated (§7.2).
    experiment = Experiment.create(experiment_name=f"{tag}-Exp", sagemaker_session=session)
    Association.create(
        source_arn=experiment.experiment_arn,
        destination_arn=model.artifact_arn,
        association_type="AssociatedWith",
        sagemaker_session=session,
    )
    (from_experiment,) = Association.list(
        source_arn=experiment.experiment_arn, sagemaker_session=session
    )
    assert from_experiment.source_type == "SageMakerExperiment"
    assert from_experiment.source_name == experiment.experiment_name
    assert from_experiment.destination_arn == model.artifact_arn
    empty = LineageQuery(session).query(start_arns=[experiment.experiment_arn])
    assert (empty.vertices, empty.edges) == ([], [])
    with pytest.raises(ClientError) as excinfo:
        Association.create(
            source_arn=tc_arn,
            destination_arn=experiment.experiment_arn,
            sagemaker_session=session,
        )
    assert error_of(excinfo) == (
        "ValidationException",
        "An association can't be created between two experiment entities.",
    )
    experiment.delete()
    assert list(
        Association.list(destination_arn=model.artifact_arn, sagemaker_session=session)
    ) == [into_model]

    # Deleting the component removes its associations (D32).
    component.delete()
    assert list(Association.list(source_arn=dataset.artifact_arn, sagemaker_session=session)) == []
    assert (
        sm.query_lineage(StartArns=[model.artifact_arn], Direction="Ascendants")["Vertices"] == []
    )
