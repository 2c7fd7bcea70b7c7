"""sagemaker-core's ``Experiment``, ``Trial`` and ``TrialComponent`` resources against stemma.

One contract, two generations: sagemaker-core 1.x (``sagemaker_core.main.resources``, which the
SDK v2 depends on) and 2.x (``sagemaker.core.resources``, the SDK v3). ``ExperimentsCoreContract``
holds the tests; ``test_experiments_core_v1.py`` and ``test_experiments_core_v2.py`` subclass it
and provide the ``core`` (resources module), ``shapes`` and ``requests`` fixtures. This module's
name does not start with ``test_``, so pytest collects the tests only through those subclasses.

The resources find stemma only through ``AWS_ENDPOINT_URL_SAGEMAKER`` (reference §9.1, §9.6).
Every call a test makes passes ``region=`` where the resource takes one; the instance methods
(``refresh``, ``update``, ``delete``) use the client the subclass arranged for the test's region.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.clients.conftest import ACCOUNT_ID, DEFAULT_LINEAGE_GROUP, arn, unique

Requests = Callable[[str], list[dict[str, Any]]]


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def assigned(value: Any) -> bool:
    """sagemaker-core leaves members the response omitted as ``Unassigned()``."""
    return type(value).__name__ != "Unassigned"


class ExperimentsCoreContract:
    """Tests shared by sagemaker-core 1.x and 2.x; subclasses provide the fixtures."""

    def test_experiment_create_get_update_delete(self, core: Any, shapes: Any, region: str) -> None:
        name = unique("Churn")
        created = core.Experiment.create(
            experiment_name=name,
            description="first",
            tags=[shapes.Tag(key="team", value="ml")],
            region=region,
        )
        # create() is CreateExperiment then DescribeExperiment, validated by pydantic.
        experiment_arn = arn(region, "experiment", name)
        assert created.experiment_name == name
        assert created.experiment_arn == experiment_arn
        assert created.display_name == name  # defaults to the name (D58)
        assert created.description == "first"
        assert isinstance(created.creation_time, dt.datetime)
        assert created.last_modified_time == created.creation_time
        assert not assigned(created.source)

        time.sleep(0.01)
        updated = created.update(display_name="Churn-v2", description="second")
        assert (updated.display_name, updated.description) == ("Churn-v2", "second")
        assert updated.last_modified_time > updated.creation_time
        fetched = core.Experiment.get(experiment_name=name.upper(), region=region)
        assert (fetched.experiment_name, fetched.display_name) == (name, "Churn-v2")

        tags = core.Tag.get_all(resource_arn=experiment_arn, region=region)
        assert [(t.key, t.value) for t in tags] == [("team", "ml")]

        with pytest.raises(ClientError) as excinfo:
            core.Experiment.create(experiment_name=name.lower(), region=region)
        code, message = error_of(excinfo)
        assert (code, "already exists" in message) == ("ValidationException", True)

        created.delete()
        with pytest.raises(ClientError) as excinfo:
            core.Experiment.get(experiment_name=name, region=region)
        assert error_of(excinfo) == (
            "ResourceNotFound",
            f"Experiment {experiment_arn} does not exist.",
        )
        with pytest.raises(ClientError) as excinfo:
            created.delete()
        assert error_of(excinfo)[0] == "ResourceNotFound"

    def test_trial_component_lifecycle(self, core: Any, shapes: Any, region: str) -> None:
        """Create, update (upsert plus ``*_to_remove``), associate, refused deletes, cleanup."""
        experiment = core.Experiment.create(experiment_name=unique("Exp"), region=region)
        trial = core.Trial.create(
            trial_name=unique("Trial"),
            experiment_name=experiment.experiment_name,
            # Dicts, not shapes.Tag: in sagemaker-core 2.x the annotation ``List[Tag]`` of
            # Trial.create and TrialComponent.create resolves to the ``Tag`` resource class, which
            # is defined between Experiment and Trial in resources.py and refuses a shapes.Tag.
            tags=[{"key": "stage", "value": "dev"}],
            region=region,
        )
        assert trial.trial_arn == arn(region, "experiment-trial", trial.trial_name)
        assert trial.experiment_name == experiment.experiment_name
        assert trial.display_name == trial.trial_name
        tags = core.Tag.get_all(resource_arn=trial.trial_arn, region=region)
        assert [(t.key, t.value) for t in tags] == [("stage", "dev")]

        start = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
        name = unique("Run")
        tc_arn = arn(region, "experiment-trial-component", name)
        component = core.TrialComponent.create(
            trial_component_name=name,
            display_name="first-run",
            status=shapes.TrialComponentStatus(primary_status="InProgress", message="started"),
            start_time=start,
            parameters={
                "eta": shapes.TrialComponentParameterValue(number_value=0.1),
                "optimizer": shapes.TrialComponentParameterValue(string_value="adam"),
            },
            input_artifacts={
                "train": shapes.TrialComponentArtifact(
                    value="s3://data/train.csv", media_type="text/csv"
                ),
                "code": shapes.TrialComponentArtifact(value="s3://code/train.py"),
            },
            tags=[{"key": "owner", "value": "me"}],
            region=region,
        )
        assert component.trial_component_arn == tc_arn
        assert component.display_name == "first-run"
        assert component.status.primary_status == "InProgress"
        assert component.status.message == "started"
        assert component.start_time == start
        assert not assigned(component.end_time)
        assert component.parameters["eta"].number_value == 0.1
        assert component.parameters["optimizer"].string_value == "adam"
        assert component.input_artifacts["train"].media_type == "text/csv"
        assert not assigned(component.input_artifacts["code"].media_type)
        assert component.output_artifacts == {}
        assert component.metrics == []
        assert component.lineage_group_arn == (
            f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{DEFAULT_LINEAGE_GROUP}"
        )

        updated = component.update(
            status=shapes.TrialComponentStatus(primary_status="Completed"),
            end_time=start + dt.timedelta(hours=1),
            parameters={"eta": shapes.TrialComponentParameterValue(number_value=0.2)},
            parameters_to_remove=["optimizer"],
            input_artifacts_to_remove=["code"],
            output_artifacts={"model": shapes.TrialComponentArtifact(value="s3://out/m.tar.gz")},
        )
        assert {k: v.number_value for k, v in updated.parameters.items()} == {"eta": 0.2}
        assert list(updated.input_artifacts) == ["train"]
        assert updated.output_artifacts["model"].value == "s3://out/m.tar.gz"
        assert updated.status.primary_status == "Completed"
        assert not assigned(updated.status.message)  # Status is replaced whole (D65)
        assert updated.end_time == start + dt.timedelta(hours=1)
        # wait_for_status reads Status.PrimaryStatus; the first poll already matches.
        updated.wait_for_status(target_status="Completed", poll=1, timeout=5)

        component.associate_trail(trial_name=trial.trial_name, region=region)
        in_trial = core.TrialComponent.get_all(trial_name=trial.trial_name, region=region)
        assert [c.trial_component_name for c in in_trial] == [name]
        in_experiment = core.TrialComponent.get_all(
            experiment_name=experiment.experiment_name, region=region
        )
        assert [c.trial_component_arn for c in in_experiment] == [tc_arn]
        trials = list(core.Trial.get_all(trial_component_name=name, region=region))
        assert [t.trial_name for t in trials] == [trial.trial_name]
        assert trials[0].experiment_name == experiment.experiment_name  # refreshed by Describe
        tags = core.Tag.get_all(resource_arn=tc_arn, region=region)
        assert [(t.key, t.value) for t in tags] == [("owner", "me")]

        # Deletes are refused while children or memberships exist (D62).
        for entity, text in [
            (experiment, f"Experiment {experiment.experiment_arn} has trials; delete them first."),
            (trial, f"Trial {trial.trial_arn} has trial components; disassociate them first."),
            (
                component,
                f"Trial component {tc_arn} is associated with trials; disassociate it first.",
            ),
        ]:
            with pytest.raises(ClientError) as excinfo:
                entity.delete()
            assert error_of(excinfo) == ("ValidationException", text)

        component.disassociate_trail(trial_name=trial.trial_name, region=region)
        assert list(core.TrialComponent.get_all(trial_name=trial.trial_name, region=region)) == []
        with pytest.raises(ClientError) as excinfo:
            component.disassociate_trail(trial_name=trial.trial_name, region=region)
        assert error_of(excinfo) == (
            "ResourceNotFound",
            f"Trial component {tc_arn} is not associated with trial {trial.trial_arn}.",
        )
        component.delete()
        trial.delete()
        experiment.delete()
        with pytest.raises(ClientError) as excinfo:
            core.TrialComponent.get(trial_component_name=name, region=region)
        assert error_of(excinfo) == ("ResourceNotFound", f"TrialComponent {tc_arn} does not exist.")
        with pytest.raises(ClientError) as excinfo:
            core.Trial.get(trial_name=trial.trial_name, region=region)
        assert error_of(excinfo) == ("ResourceNotFound", f"Trial {trial.trial_arn} does not exist.")

    def test_get_all_pages_and_filters(
        self, core: Any, shapes: Any, region: str, requests: Requests
    ) -> None:
        prefix = unique("all")
        names = [f"{prefix}-{i:02d}" for i in range(12)]
        for name in names:
            core.Experiment.create(experiment_name=name, region=region)
        trial = core.Trial.create(trial_name=f"{prefix}-t", experiment_name=names[0], region=region)
        components = [f"{prefix}-c{i}" for i in range(3)]
        for name in components:
            core.TrialComponent.create(trial_component_name=name, region=region).associate_trail(
                trial_name=trial.trial_name, region=region
            )
        core.TrialComponent.create(trial_component_name=f"{prefix}-alone", region=region)
        listed = requests("ListExperiments")

        # get_all sends no MaxResults: two pages of the default 10, every item described.
        everything = list(core.Experiment.get_all(sort_order="Ascending", region=region))
        assert [e.experiment_name for e in everything] == names
        assert len(listed) == 2
        assert all("MaxResults" not in call for call in listed)
        by_name = core.Experiment.get_all(sort_by="Name", sort_order="Descending", region=region)
        assert [e.experiment_name for e in by_name] == names[::-1]
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        assert list(core.Experiment.get_all(created_after=tomorrow, region=region)) == []

        (only,) = core.Trial.get_all(experiment_name=names[0], region=region)
        assert (only.trial_name, only.experiment_name) == (trial.trial_name, names[0])
        assert list(core.Trial.get_all(experiment_name=names[1], region=region)) == []
        in_trial = core.TrialComponent.get_all(
            trial_name=trial.trial_name, sort_order="Ascending", region=region
        )
        assert [c.trial_component_name for c in in_trial] == components
        assert len(list(core.TrialComponent.get_all(region=region))) == 4

        with pytest.raises(ClientError) as excinfo:
            list(core.TrialComponent.get_all(trial_name=f"{prefix}-missing", region=region))
        assert error_of(excinfo) == (
            "ResourceNotFound",
            f"Trial {arn(region, 'experiment-trial', f'{prefix}-missing')} does not exist.",
        )
