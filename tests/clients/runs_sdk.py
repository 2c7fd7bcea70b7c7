"""The SageMaker Python SDK's ``Run`` family against stemma: one contract, two SDK generations.

``sagemaker.experiments`` (sagemaker<3) and ``sagemaker.core.experiments`` (sagemaker-core 2.x,
the SDK v3 experiments) are the same code under two import paths (reference §9.2-§9.4).
``RunsSdkContract`` holds the tests of ``Run`` as a context manager, ``load_run``, ``list_runs``,
``ExperimentAnalytics(...).dataframe()`` and ``Experiment._delete_all``; ``test_runs_sdk_v2.py`` and
``test_runs_sdk_v3.py`` import their own SDK and subclass it. This module's name does not start
with ``test_``, so pytest collects the tests only through those subclasses.

``Run`` needs both services on stemma's port: ``sagemaker`` (Create*/Describe*/Update*, Search)
and ``sagemaker-metrics`` (BatchPutMetrics). The SDK finds them as a user would point it
(§9.1): a ``Session`` built with ``sagemaker_client=`` and ``sagemaker_metrics_client=`` boto3
clients on the server's URL, or, in one test, a plain ``Session`` and the two endpoint variables
``AWS_ENDPOINT_URL_SAGEMAKER`` and ``AWS_ENDPOINT_URL_SAGEMAKER_METRICS``. ``artifact_bucket=`` is
always given, so that nothing asks STS for a default bucket (§9.8); no file is logged, so nothing
calls S3. Anything that still reaches for AWS hits the conftest's dead endpoint and fails.

Two kinds of SDK pause are recorded instead of slept: ``retry_with_backoff`` (1+2+4 s around the
Search of ``is_run_trial_component``, whose failure ``list_runs`` swallows as "not a run", §5.7),
and the 1.2 s throttling pauses of ``_delete_all`` (§8.3). A test that expects every Search to
succeed asserts that no retry pause happened, so a failing Search cannot hide behind an empty
``list_runs``.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import pytest
from botocore.exceptions import ClientError

from tests.clients.conftest import ACCOUNT_ID, Server, boto_client, unique

RUN_TC_TAG = {"Key": "sagemaker:trial-component-source", "Value": "run"}
BUCKET = "stemma-runs-artifacts"  # never contacted: no test logs a file


@dataclass(frozen=True)
class RunsApi:
    """The classes and modules of one SDK generation, imported by the concrete test module."""

    Session: Any
    Run: Any
    load_run: Any
    list_runs: Any
    SortOrderType: Any
    ExperimentAnalytics: Any
    Experiment: Any
    # Modules whose ``time`` the fixtures replace: where retry_with_backoff sleeps, and where
    # _delete_all and _TrialComponent.delete pause.
    retry_module: ModuleType
    pause_modules: tuple[ModuleType, ...]


class Clock:
    """Stands in for the ``time`` module of an SDK module: records ``sleep``, delegates the rest."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def recorder(client: Any, operation: str) -> list[dict[str, Any]]:
    """Records the parameters of every ``operation`` request that a boto3 client sends."""
    requests: list[dict[str, Any]] = []
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(
        f"provide-client-params.{service}.{operation}",
        lambda params, **_: requests.append(dict(params)),
    )
    return requests


def watch(failures: list[tuple[str, str]], *clients: Any) -> None:
    """Appends ``(operation, error code)`` to ``failures`` for every error answer the clients get.

    The SDK swallows some errors by design (Create* "already exists" in create-or-load, every
    error of ``is_run_trial_component`` and of a ``_delete_all`` attempt), so the tests check the
    whole list: an error the SDK hid from them still fails the test.
    """

    def record(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if http_response.status_code >= 300:
            failures.append((model.name, parsed.get("Error", {}).get("Code", "")))

    for client in clients:
        client.meta.events.register("after-call", record)


ALREADY_EXISTS = [
    ("CreateExperiment", "ValidationException"),
    ("CreateTrial", "ValidationException"),
    ("CreateTrialComponent", "ValidationException"),
]


def settle(failures: list[tuple[str, str]]) -> None:
    """Checks that the setup so far met only create-or-load refusals, then forgets them.

    A second ``Run`` in an experiment finds the experiment and its run group already there.
    """
    assert [f for f in failures if f not in ALREADY_EXISTS] == []
    failures.clear()


def metrics_client(url: str, region: str) -> Any:
    """A plain boto3 ``sagemaker-metrics`` client, to read back what the SDK logged."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sagemaker-metrics",
        endpoint_url=url,
        region_name=region,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def tc_arn(region: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:experiment-trial-component/{name.lower()}"


def summaries(described: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The metric summaries of a DescribeTrialComponent answer or a Search record, by name."""
    return {m["MetricName"]: m for m in described.get("Metrics", [])}


def stats(values: list[float]) -> dict[str, Any]:
    """The summary fields stemma derives from these points (reference §6.3: population StdDev)."""
    mean = sum(values) / len(values)
    return {
        "Count": len(values),
        "Min": min(values),
        "Max": max(values),
        "Avg": pytest.approx(mean),
        "StdDev": pytest.approx(math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))),
        "Last": values[-1],
    }


def summary_fields(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: summary[k] for k in ("Count", "Min", "Max", "Avg", "StdDev", "Last")}


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


class RunsSdkContract:
    """The tests; ``api`` is set by the subclass in each SDK's test module."""

    api: ClassVar[RunsApi]

    # -- fixtures ----------------------------------------------------------------------------

    @pytest.fixture
    def server(self, server_on_each_store: Server) -> Server:
        """These flows must pass on both stores (#15): SQLite, then PostgreSQL."""
        return server_on_each_store

    @pytest.fixture
    def failures(self) -> list[tuple[str, str]]:
        """The error answers the SDK's clients received (see ``watch``)."""
        return []

    @pytest.fixture
    def session(self, server: Server, region: str, failures: list[tuple[str, str]]) -> Any:
        """A ``Session`` with explicit ``sagemaker`` and ``sagemaker-metrics`` clients (§9.1)."""
        import boto3

        boto_session = boto3.Session(region_name=region)
        session = self.api.Session(
            boto_session=boto_session,
            sagemaker_client=boto_session.client("sagemaker", endpoint_url=server.url),
            sagemaker_metrics_client=boto_session.client(
                "sagemaker-metrics", endpoint_url=server.url
            ),
        )
        watch(failures, session.sagemaker_client, session.sagemaker_metrics_client)
        return session

    @pytest.fixture
    def sm(self, server: Server, region: str) -> Any:
        """A plain boto3 client, to check what the SDK did behind its objects."""
        return boto_client(server.url, region)

    @pytest.fixture
    def metrics(self, server: Server, region: str) -> Any:
        return metrics_client(server.url, region)

    @pytest.fixture(autouse=True)
    def retries(self, monkeypatch: pytest.MonkeyPatch) -> list[float]:
        """The back-off pauses of ``retry_with_backoff``: each one means a Search failed."""
        clock = Clock()
        monkeypatch.setattr(self.api.retry_module, "time", clock)
        return clock.slept

    @pytest.fixture
    def pauses(self, monkeypatch: pytest.MonkeyPatch) -> list[float]:
        """The SDK's throttling pauses in ``_delete_all``, recorded instead of slept."""
        clock = Clock()
        for module in self.api.pause_modules:
            monkeypatch.setattr(module, "time", clock)
        return clock.slept

    def run(self, session: Any, experiment: str, name: str, **kwargs: Any) -> Any:
        return self.api.Run(
            experiment_name=experiment,
            run_name=name,
            sagemaker_session=session,
            artifact_bucket=BUCKET,
            **kwargs,
        )

    # -- Run as a context manager --------------------------------------------------------------

    def test_run_logs_parameters_metrics_and_artifacts(
        self,
        session: Any,
        sm: Any,
        metrics: Any,
        region: str,
        retries: list[float],
        failures: list[tuple[str, str]],
    ) -> None:
        """One ``with Run(...)`` from nothing: the eleven calls of §9.2, read back through boto3.

        Ten ``log_metric`` calls with steps fill one BatchPutMetrics batch mid-run; two more
        without a step are flushed at exit. The summaries stemma computes (§6.3) must be those of
        AWS's own integration test (0..9 → Min 0, Max 9) with the population StdDev, and the
        second metric's ``Last`` must be the later of two points logged in the same second.
        """
        experiment = unique("Churn")  # mixed case: Run lowercases it (§9.2)
        tc_name = f"{experiment.lower()}-first-run"
        trial_name = f"Default-Run-Group-{experiment.lower()}"
        associations = recorder(session.sagemaker_client, "AssociateTrialComponent")
        updates = recorder(session.sagemaker_client, "UpdateTrialComponent")
        puts = recorder(session.sagemaker_metrics_client, "BatchPutMetrics")

        with self.run(
            session,
            experiment,
            "First-Run",
            experiment_display_name="Churn-experiment",
            run_display_name="First-run",
            tags=[{"Key": "team", "Value": "ml"}],
        ) as run:
            assert run.experiment_config == {
                "ExperimentName": experiment.lower(),
                "TrialName": trial_name,
                "RunName": tc_name,
            }
            # __enter__ has saved the start and the InProgress status.
            inside = sm.describe_trial_component(TrialComponentName=tc_name)
            assert inside["Status"] == {
                "PrimaryStatus": "InProgress",
                "Message": "Within a run context",
            }
            run.log_parameter("eta", 0.1)
            run.log_parameters({"optimizer": "adam", "max_depth": 6})
            for step in range(10):
                run.log_metric("loss", float(step), step=step)
            assert [len(p["MetricData"]) for p in puts] == [10]  # the tenth point sent a batch
            run.log_metric("accuracy", 0.5)
            run.log_metric("accuracy", 0.75)
            run.log_artifact("model", "s3://models/churn.tar.gz", media_type="application/x-tar")
            run.log_artifact("train", "s3://data/train.csv", media_type="text/csv", is_output=False)

        # The calls the SDK made: one association (the membership Search was empty), the
        # __enter__ and __exit__ updates, and the two metric batches, to the lowercased name.
        assert associations == [{"TrialName": trial_name, "TrialComponentName": tc_name}]
        assert len(updates) == 2
        assert [len(p["MetricData"]) for p in puts] == [10, 2]
        assert {p["TrialComponentName"] for p in puts} == {tc_name}
        assert retries == []
        assert failures == []  # nothing existed: no create was refused

        described_experiment = sm.describe_experiment(ExperimentName=experiment)
        assert described_experiment["ExperimentName"] == experiment.lower()
        assert described_experiment["DisplayName"] == "Churn-experiment"
        described_trial = sm.describe_trial(TrialName=trial_name)
        assert described_trial["ExperimentName"] == experiment.lower()
        for entity_arn in (described_experiment["ExperimentArn"], described_trial["TrialArn"]):
            assert sm.list_tags(ResourceArn=entity_arn)["Tags"] == [{"Key": "team", "Value": "ml"}]

        described = sm.describe_trial_component(TrialComponentName=tc_name)
        assert described["TrialComponentArn"] == tc_arn(region, tc_name)
        assert described["DisplayName"] == "First-run"
        # __exit__ replaces the whole status: the "Within a run context" message is gone.
        assert described["Status"] == {"PrimaryStatus": "Completed"}
        assert described["StartTime"] <= described["EndTime"]
        assert described["Parameters"] == {
            "eta": {"NumberValue": 0.1},
            "optimizer": {"StringValue": "adam"},
            "max_depth": {"NumberValue": 6.0},
        }
        assert described["OutputArtifacts"] == {
            "model": {"MediaType": "application/x-tar", "Value": "s3://models/churn.tar.gz"}
        }
        assert described["InputArtifacts"] == {
            "train": {"MediaType": "text/csv", "Value": "s3://data/train.csv"}
        }
        by_name = summaries(described)
        assert list(by_name) == ["accuracy", "loss"]  # sorted by name (§6.3)
        assert summary_fields(by_name["loss"]) == stats([float(i) for i in range(10)])
        assert summary_fields(by_name["accuracy"]) == stats([0.5, 0.75])
        assert "SourceArn" not in by_name["loss"]
        logged_at = by_name["accuracy"]["TimeStamp"]
        assert abs(logged_at.timestamp() - time.time()) < 120
        assert sm.list_tags(ResourceArn=tc_arn(region, tc_name))["Tags"] == [
            {"Key": "team", "Value": "ml"},
            RUN_TC_TAG,
        ]

        # The points themselves, per step and over time.
        loss_by_step, accuracy_by_step, loss_count = metrics.batch_get_metrics(
            MetricQueries=[
                {
                    "MetricName": name,
                    "ResourceArn": tc_arn(region, tc_name),
                    "MetricStat": stat,
                    "Period": period,
                    "XAxisType": axis,
                }
                for name, stat, period, axis in [
                    ("loss", "Avg", "IterationNumber", "IterationNumber"),
                    ("accuracy", "Last", "IterationNumber", "IterationNumber"),
                    ("loss", "Count", "OneHour", "Timestamp"),
                ]
            ]
        )["MetricQueryResults"]
        assert loss_by_step == {
            "Status": "Complete",
            "XAxisValues": list(range(10)),
            "MetricValues": [float(i) for i in range(10)],
        }
        # Points without a step are invisible to iteration queries (§6.2).
        assert accuracy_by_step == {"Status": "Complete", "XAxisValues": [], "MetricValues": []}
        assert loss_count["Status"] == "Complete"
        assert sum(loss_count["MetricValues"]) == 10.0
        assert all(x % 3600 == 0 for x in loss_count["XAxisValues"])

        # The Search record carries what Run's helpers and ExperimentAnalytics read (§5.2).
        (result,) = sm.search(
            Resource="ExperimentTrialComponent",
            SearchExpression={
                "Filters": [
                    {"Name": "Parents.ExperimentName", "Operator": "Equals", "Value": experiment}
                ]
            },
        )["Results"]
        record = result["TrialComponent"]
        assert record["TrialComponentName"] == tc_name
        assert record["Parents"] == [
            {"TrialName": trial_name, "ExperimentName": experiment.lower()}
        ]
        assert RUN_TC_TAG in record["Tags"]
        assert summaries(record) == by_name
        assert record["Parameters"] == described["Parameters"]

    def test_failed_run_from_endpoint_variables(
        self,
        server: Server,
        sm: Any,
        region: str,
        monkeypatch: pytest.MonkeyPatch,
        failures: list[tuple[str, str]],
    ) -> None:
        """A plain ``Session`` and the two endpoint variables, as a user would set them (§9.1).

        The run body raises: ``__exit__`` records ``Failed`` with the exception's text and still
        flushes the buffered metrics to the ``sagemaker-metrics`` endpoint (``close`` drains in a
        ``finally``); the user's exception is what propagates.
        """
        import boto3

        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", server.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_METRICS", server.url)
        session = self.api.Session(boto_session=boto3.Session(region_name=region))
        watch(failures, session.sagemaker_client, session.sagemaker_metrics_client)
        experiment = unique("env")
        tc_name = f"{experiment}-doomed"

        with (
            pytest.raises(RuntimeError, match="loss diverged"),
            self.run(session, experiment, "doomed") as run,
        ):
            run.log_parameter("eta", 10)
            for step in range(3):
                run.log_metric("loss", 10.0**step, step=step)
            raise RuntimeError("loss diverged")
        assert failures == []

        described = sm.describe_trial_component(TrialComponentName=tc_name)
        assert described["Status"] == {"PrimaryStatus": "Failed", "Message": "loss diverged"}
        assert described["Parameters"] == {"eta": {"NumberValue": 10.0}}
        assert summary_fields(summaries(described)["loss"]) == stats([1.0, 10.0, 100.0])
        assert sm.list_trial_components(ExperimentName=experiment)["TrialComponentSummaries"][0][
            "TrialComponentName"
        ] == (tc_name)

    # -- load_run --------------------------------------------------------------------------------

    def test_load_run_reopens_the_run(
        self,
        session: Any,
        sm: Any,
        metrics: Any,
        region: str,
        retries: list[float],
        failures: list[tuple[str, str]],
    ) -> None:
        """``load_run(experiment_name=, run_name=)`` loads what the first ``Run`` saved (§9.2).

        The three creates answer "already exists" and the SDK falls back to Describe*; the
        membership Search finds the run in its trial, so nothing is associated again. The loaded
        parameters, artifacts and start time come from DescribeTrialComponent, and the final
        UpdateTrialComponent re-sends them merged with the new ones.
        """
        experiment = unique("reload")
        tc_name = f"{experiment}-r1"
        with self.run(session, experiment, "R1") as run:
            run.log_parameters({"eta": 0.1, "optimizer": "adam"})
            run.log_metric("loss", 1.0, step=0)
            run.log_artifact("model", "s3://models/v1.tar.gz")
        first = sm.describe_trial_component(TrialComponentName=tc_name)
        assert failures == []

        creates = {
            op: recorder(session.sagemaker_client, op)
            for op in ("CreateExperiment", "CreateTrial", "CreateTrialComponent")
        }
        describes = recorder(session.sagemaker_client, "DescribeTrialComponent")
        associations = recorder(session.sagemaker_client, "AssociateTrialComponent")
        searches = recorder(session.sagemaker_client, "Search")

        with self.api.load_run(
            experiment_name=experiment,
            run_name="R1",
            sagemaker_session=session,
            artifact_bucket=BUCKET,
        ) as loaded:
            component = loaded._trial_component
            assert component.trial_component_name == tc_name
            assert component.parameters == {"eta": 0.1, "optimizer": "adam"}
            assert component.output_artifacts["model"].value == "s3://models/v1.tar.gz"
            assert component.start_time == first["StartTime"]
            loaded.log_parameter("eta", 0.05)  # overwrites
            loaded.log_parameter("epochs", 3)
            loaded.log_metric("loss", 0.5, step=1)

        assert [len(v) for v in creates.values()] == [1, 1, 1]  # each answered "already exists"
        assert describes == [{"TrialComponentName": tc_name}]
        assert len(searches) == 1  # the membership check
        assert associations == []
        assert retries == []
        assert failures == ALREADY_EXISTS  # and nothing else went wrong

        described = sm.describe_trial_component(TrialComponentName=tc_name)
        assert described["Parameters"] == {
            "eta": {"NumberValue": 0.05},
            "optimizer": {"StringValue": "adam"},
            "epochs": {"NumberValue": 3.0},
        }
        assert described["OutputArtifacts"] == first["OutputArtifacts"]
        assert described["StartTime"] == first["StartTime"]
        assert described["EndTime"] >= first["EndTime"]
        assert described["Status"] == {"PrimaryStatus": "Completed"}
        assert summary_fields(summaries(described)["loss"]) == stats([1.0, 0.5])
        # Still exactly one membership, in the run group.
        assert sm.list_trials(TrialComponentName=tc_name)["TrialSummaries"][0]["TrialName"] == (
            f"Default-Run-Group-{experiment}"
        )
        assert len(sm.list_trials(TrialComponentName=tc_name)["TrialSummaries"]) == 1
        (by_step,) = metrics.batch_get_metrics(
            MetricQueries=[
                {
                    "MetricName": "loss",
                    "ResourceArn": described["TrialComponentArn"],
                    "MetricStat": "Last",
                    "Period": "IterationNumber",
                    "XAxisType": "IterationNumber",
                }
            ]
        )["MetricQueryResults"]
        assert (by_step["XAxisValues"], by_step["MetricValues"]) == ([0, 1], [1.0, 0.5])

    # -- list_runs -------------------------------------------------------------------------------

    def test_list_runs(
        self,
        session: Any,
        sm: Any,
        region: str,
        retries: list[float],
        failures: list[tuple[str, str]],
    ) -> None:
        """``list_runs`` lists the experiment's run components and skips the others (§9.3).

        ListTrialComponents(ExperimentName, SortBy=CreationTime) gives the order; a Search per
        component reads its tags, and one without the run tag is not a run. No Search may fail
        (a failure would also read as "not a run", after 7 s of back-off).
        """
        experiment = unique("listed")
        names = ["r1", "r2", "r3"]
        for index, name in enumerate(names):
            with self.run(session, experiment, name) as run:
                run.log_parameter("index", index)
            time.sleep(0.01)  # distinct creation times
        # A component in the run group that no Run made: no run tag.
        sm.create_trial_component(TrialComponentName=f"{experiment}-manual")
        sm.associate_trial_component(
            TrialComponentName=f"{experiment}-manual", TrialName=f"Default-Run-Group-{experiment}"
        )
        searches = recorder(session.sagemaker_client, "Search")
        settle(failures)

        runs = self.api.list_runs(experiment_name=experiment, sagemaker_session=session)
        assert [r.run_name for r in runs] == ["r3", "r2", "r1"]  # newest first by default
        assert [r._trial_component.parameters for r in runs] == [
            {"index": 2},
            {"index": 1},
            {"index": 0},
        ]
        assert all(r.experiment_name == experiment for r in runs)
        tag_searches = [s for s in searches if s.get("MaxResults") == 1]
        assert len(tag_searches) == 4  # one per component, the manual one included

        ascending = self.api.list_runs(
            experiment_name=experiment,
            sagemaker_session=session,
            sort_order=self.api.SortOrderType.ASCENDING,
        )
        assert [r.run_name for r in ascending] == names
        # Pages of two: the SDK follows ListTrialComponents' NextToken to the end.
        paged = self.api.list_runs(
            experiment_name=experiment, sagemaker_session=session, max_results=2
        )
        assert [r.run_name for r in paged] == ["r3", "r2", "r1"]
        created_after = sm.describe_trial_component(TrialComponentName=f"{experiment}-r2")[
            "CreationTime"
        ]
        later = self.api.list_runs(
            experiment_name=experiment,
            sagemaker_session=session,
            created_after=created_after + dt.timedelta(microseconds=500),
        )
        assert [r.run_name for r in later] == ["r3"]
        empty = self.api.Experiment.create(
            experiment_name=unique("empty"), sagemaker_session=session
        )
        assert (
            self.api.list_runs(experiment_name=empty.experiment_name, sagemaker_session=session)
            == []
        )
        assert retries == []
        # list_runs builds each listed run with Run(...): three refused creates per run.
        assert failures == ALREADY_EXISTS * (3 + 3 + 3 + 1)

    # -- ExperimentAnalytics -----------------------------------------------------------------------

    def test_experiment_analytics_dataframe(
        self,
        session: Any,
        region: str,
        retries: list[float],
        failures: list[tuple[str, str]],
    ) -> None:
        """``ExperimentAnalytics(experiment_name=E).dataframe()``: one row per run (§9.3, §5.7).

        The columns come from the Search records: parameters, ``<metric> - <stat>`` for the six
        summary statistics, ``<artifact> - MediaType/Value``, and the ``Parents`` lists.
        ``sort_by="metrics.loss.min"`` (lower case, as in AWS's notebooks) orders the rows, and
        ``"metrics.test:accuracy.max"`` (a metric name with a colon, as in AWS's MNIST notebook,
        §5.3) too; a ``search_expression`` is AND-ed with the experiment filter.
        """
        experiment = unique("analytics")
        losses = {"slow": [0.9, 0.7, 0.6], "fast": [0.8, 0.3, 0.1]}
        accuracy = {"slow": 0.95, "fast": 0.9}
        for name, values in losses.items():
            with self.run(session, experiment, name) as run:
                run.log_parameters({"eta": 0.1 if name == "slow" else 0.3, "optimizer": name})
                for step, value in enumerate(values):
                    run.log_metric("loss", value, step=step)
                run.log_metric("test:accuracy", accuracy[name])
                run.log_artifact("model", f"s3://models/{name}.tar.gz", media_type="x/model")
            time.sleep(0.01)
        with self.run(session, unique("other"), "elsewhere") as run:
            run.log_parameter("eta", 1.0)  # another experiment: not in the frame

        settle(failures)
        analytics = self.api.ExperimentAnalytics(
            experiment_name=experiment,
            sort_by="metrics.loss.min",
            sort_order="Ascending",
            sagemaker_session=session,
        )
        frame = analytics.dataframe()
        assert list(frame.columns) == [
            "TrialComponentName",
            "DisplayName",
            "eta",
            "optimizer",
            *[f"loss - {s}" for s in ("Min", "Max", "Avg", "StdDev", "Last", "Count")],
            *[f"test:accuracy - {s}" for s in ("Min", "Max", "Avg", "StdDev", "Last", "Count")],
            "model - MediaType",
            "model - Value",
            "Trials",
            "Experiments",
        ]
        rows = frame.to_dict("records")
        assert [r["TrialComponentName"] for r in rows] == [
            f"{experiment}-fast",  # min 0.1
            f"{experiment}-slow",  # min 0.6
        ]
        for row in rows:
            name = row["TrialComponentName"].rsplit("-", 1)[1]
            expected = stats(losses[name])
            assert row["DisplayName"] == row["TrialComponentName"]  # defaults to the name
            assert row["eta"] == (0.1 if name == "slow" else 0.3)
            assert row["optimizer"] == name
            for stat, value in expected.items():
                assert row[f"loss - {stat}"] == value, (name, stat)
            assert row["test:accuracy - Last"] == accuracy[name]
            assert row["test:accuracy - Count"] == 1
            assert row["test:accuracy - StdDev"] == 0.0
            assert row["model - Value"] == f"s3://models/{name}.tar.gz"
            assert row["model - MediaType"] == "x/model"
            assert row["Trials"] == [f"Default-Run-Group-{experiment}"]
            assert row["Experiments"] == [experiment]

        descending = self.api.ExperimentAnalytics(
            experiment_name=experiment,
            sort_by="metrics.test:accuracy.max",
            sort_order="Descending",
            metric_names=["test:accuracy"],
            parameter_names=["eta"],
            sagemaker_session=session,
        ).dataframe()
        assert list(descending["TrialComponentName"]) == [
            f"{experiment}-slow",  # accuracy 0.95
            f"{experiment}-fast",  # accuracy 0.9
        ]
        assert "optimizer" not in descending.columns
        assert "loss - Min" not in descending.columns
        assert list(descending["test:accuracy - Max"]) == [0.95, 0.9]

        filtered = self.api.ExperimentAnalytics(
            experiment_name=experiment,
            search_expression={
                "Filters": [{"Name": "Parameters.eta", "Operator": "GreaterThan", "Value": "0.2"}]
            },
            sagemaker_session=session,
        ).dataframe()
        assert list(filtered["TrialComponentName"]) == [f"{experiment}-fast"]
        assert retries == []
        assert failures == []

    def test_experiment_analytics_pages(
        self, session: Any, sm: Any, failures: list[tuple[str, str]]
    ) -> None:
        """``dataframe()`` follows Search's ``NextToken`` (pages of 10 by default, §5.6) until the
        last page, and each component appears once; the rows of components made with boto3
        (no parameters, no metrics) have only the name, display name and parents columns."""
        experiment = unique("paged")
        sm.create_experiment(ExperimentName=experiment)
        sm.create_trial(TrialName=f"{experiment}-t", ExperimentName=experiment)
        names = [f"{experiment}-c{i:02d}" for i in range(12)]
        for name in names:
            sm.create_trial_component(TrialComponentName=name, DisplayName=f"D{name[-2:]}")
            sm.associate_trial_component(TrialComponentName=name, TrialName=f"{experiment}-t")
        searches = recorder(session.sagemaker_client, "Search")

        frame = self.api.ExperimentAnalytics(
            experiment_name=experiment,
            sort_by="TrialComponentName",
            sort_order="Ascending",
            sagemaker_session=session,
        ).dataframe()
        assert list(frame.columns) == [
            "TrialComponentName",
            "DisplayName",
            "Trials",
            "Experiments",
        ]
        assert list(frame["TrialComponentName"]) == names
        assert list(frame["DisplayName"]) == [f"D{i:02d}" for i in range(12)]
        assert len(searches) == 2
        assert "NextToken" in searches[1]
        assert failures == []

    # -- Experiment._delete_all --------------------------------------------------------------------

    def test_delete_all_removes_runs_and_their_metrics(
        self,
        session: Any,
        sm: Any,
        metrics: Any,
        region: str,
        pauses: list[float],
        failures: list[tuple[str, str]],
    ) -> None:
        """``Experiment._delete_all("--force")`` after two runs: everything goes, in one attempt.

        The run group, both run components (disassociated first) and the experiment are deleted;
        the components' metric points go with them (§6.2), so BatchGetMetrics on a deleted
        component answers the per-query ``ValidationError`` of §6.4. Another experiment's run is
        untouched.
        """
        experiment = unique("doomed")
        for name in ("a", "b"):
            with self.run(session, experiment, name) as run:
                run.log_metric("loss", 0.5, step=0)
        survivor = unique("kept")
        with self.run(session, survivor, "a") as run:
            run.log_metric("loss", 0.25, step=0)
        trial_lists = recorder(session.sagemaker_client, "ListTrials")
        settle(failures)

        self.api.Experiment.load(experiment_name=experiment, sagemaker_session=session)._delete_all(
            action="--force"
        )

        # _delete_all retries whole attempts and hides their errors: one ListTrials by
        # experiment means the first attempt went through.
        assert len([r for r in trial_lists if "ExperimentName" in r]) == 1
        # Per component: one disassociation and one delete, then the trial: five pauses.
        assert len(pauses) == 5
        assert failures == []
        for describe, key, name in [
            (sm.describe_experiment, "ExperimentName", experiment),
            (sm.describe_trial, "TrialName", f"Default-Run-Group-{experiment}"),
            (sm.describe_trial_component, "TrialComponentName", f"{experiment}-a"),
            (sm.describe_trial_component, "TrialComponentName", f"{experiment}-b"),
        ]:
            with pytest.raises(ClientError) as excinfo:
                describe(**{key: name})
            assert error_of(excinfo)[0] == "ResourceNotFound", name

        gone, kept = metrics.batch_get_metrics(
            MetricQueries=[
                {
                    "MetricName": "loss",
                    "ResourceArn": tc_arn(region, name),
                    "MetricStat": "Avg",
                    "Period": "IterationNumber",
                    "XAxisType": "IterationNumber",
                }
                for name in (f"{experiment}-a", f"{survivor}-a")
            ]
        )["MetricQueryResults"]
        assert gone == {
            "Status": "ValidationError",
            "Message": f"Resource {tc_arn(region, f'{experiment}-a')} does not exist.",
            "XAxisValues": [],
            "MetricValues": [],
        }
        assert kept == {"Status": "Complete", "XAxisValues": [0], "MetricValues": [0.25]}
        assert sm.describe_experiment(ExperimentName=survivor)["ExperimentName"] == survivor
