"""SageMaker Python SDK v3 (sagemaker-core 2.x): ``sagemaker.core.experiments`` ``Run``,
``load_run``, ``list_runs``, ``sagemaker.core.analytics.ExperimentAnalytics``, and the
sagemaker-core resource ``TrialComponent.batch_put_metrics`` / ``batch_get_metrics``.

Runs in the ``sdk3`` client venv; see README.md here. The ``Run`` tests are in ``runs_sdk.py``.
The resource methods find the ``sagemaker-metrics`` service only through
``AWS_ENDPOINT_URL_SAGEMAKER_METRICS`` (reference §9.1, §9.6), so the ``core`` fixture sets both
endpoint variables before sagemaker-core makes its clients, and drops its client cache on either
side of the test.

sagemaker-core 2.27.0 leaves every falsy member out of a request shape (``_serialize_shape`` in
``sagemaker/core/utils/utils.py`` keeps a member only ``if serialize(v)``): a ``RawMetricData``
with ``step=0`` is sent without ``Step``, and one with ``value=0.0`` without its required
``Value``. A client bug, not stemma's; the tests here number steps from 1 and log no zero.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
import sagemaker.core.common_utils
from botocore.exceptions import ClientError
from sagemaker.core.analytics import ExperimentAnalytics
from sagemaker.core.experiments import experiment as experiment_module
from sagemaker.core.experiments import trial_component as trial_component_module
from sagemaker.core.experiments.experiment import Experiment
from sagemaker.core.experiments.run import Run, SortOrderType, list_runs, load_run
from sagemaker.core.helper.session_helper import Session

from tests.clients.conftest import Server, boto_client, unique
from tests.clients.runs_sdk import (
    RunsApi,
    RunsSdkContract,
    error_of,
    metrics_client,
    recorder,
    stats,
    summaries,
    summary_fields,
    tc_arn,
)


class TestRunsSdkV3(RunsSdkContract):
    api = RunsApi(
        Session=Session,
        Run=Run,
        load_run=load_run,
        list_runs=list_runs,
        SortOrderType=SortOrderType,
        ExperimentAnalytics=ExperimentAnalytics,
        Experiment=Experiment,
        retry_module=sagemaker.core.common_utils,
        pause_modules=(experiment_module, trial_component_module),
    )


# -- sagemaker-core resources: TrialComponent.batch_put_metrics / batch_get_metrics ---------------


@pytest.fixture
def core(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``sagemaker.core.resources`` with both endpoint variables set before any client exists."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_METRICS", server.url)
    from sagemaker.core import resources
    from sagemaker.core.utils.utils import SageMakerClient

    SageMakerClient.reset()  # clients made earlier did not see the variables
    yield resources
    SageMakerClient.reset()


def metrics_requests(region: str, operation: str) -> list[dict[str, Any]]:
    """Records what sagemaker-core's cached ``sagemaker-metrics`` client sends in this region."""
    from sagemaker.core.utils.utils import SageMakerClient

    return recorder(SageMakerClient(region_name=region).get_client("sagemaker-metrics"), operation)


def query(arn: str, name: str, stat: str = "Avg", **kwargs: Any) -> Any:
    from sagemaker.core.shapes import MetricQuery

    return MetricQuery(
        metric_name=name,
        resource_arn=arn,
        metric_stat=stat,
        period=kwargs.pop("period", "IterationNumber"),
        x_axis_type=kwargs.pop("x_axis_type", "IterationNumber"),
        **kwargs,
    )


def test_core_batch_put_and_get_metrics(core: Any, server: Server, region: str) -> None:
    """``tc.batch_put_metrics`` sends the name as given (mixed case, §9.6); stemma accepts it.

    The points come back through the pydantic ``BatchGetMetricsResponse`` (every result needs
    ``Status``, ``XAxisValues`` and ``MetricValues``, §6.4), through ``tc.refresh()``'s metric
    summaries, and through boto3. A query for a component that does not exist is a per-query
    ``ValidationError``, not a failed request.
    """
    from sagemaker.core.shapes import RawMetricData

    name = unique("Mixed-Case-TC")
    component = core.TrialComponent.create(trial_component_name=name, region=region)
    sent = metrics_requests(region, "BatchPutMetrics")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    losses = [1.0, 0.5, 0.25, 0.125]
    component.batch_put_metrics(
        metric_data=[
            RawMetricData(
                metric_name="loss", timestamp=now + dt.timedelta(seconds=i), step=i, value=v
            )
            for i, v in enumerate(losses, start=1)
        ]
        + [RawMetricData(metric_name="gpu:util", timestamp=now, value=80.0)],
        region=region,
    )
    assert [r["TrialComponentName"] for r in sent] == [name]  # not lowercased by the client

    arn = tc_arn(region, name)
    response = core.TrialComponent.batch_get_metrics(
        metric_queries=[
            query(arn, "loss"),
            query(arn, "loss", "Max", period="OneHour", x_axis_type="IterationNumber"),
            query(arn, "gpu:util", "Count", period="OneMinute", x_axis_type="Timestamp"),
            query(tc_arn(region, "never-made"), "loss"),
        ],
        region=region,
    )
    by_step, max_by_hour, gpu, missing = response.metric_query_results
    assert (by_step.status, by_step.x_axis_values, by_step.metric_values) == (
        "Complete",
        [1, 2, 3, 4],
        losses,
    )
    # A time period on the iteration axis: x is the greatest step of each bucket (§6.4).
    assert max_by_hour.status == "Complete"
    assert max_by_hour.x_axis_values[-1] == 4
    assert max(max_by_hour.metric_values) == 1.0
    minute = int(now.timestamp()) // 60 * 60
    assert (gpu.status, gpu.x_axis_values, gpu.metric_values) == ("Complete", [minute], [1.0])
    assert missing.status == "ValidationError"
    assert missing.message == f"Resource {tc_arn(region, 'never-made')} does not exist."
    assert (missing.x_axis_values, missing.metric_values) == ([], [])

    component.refresh()
    by_name = {m.metric_name: m for m in component.metrics}
    assert list(by_name) == ["gpu:util", "loss"]
    loss = by_name["loss"]
    assert (loss.count, loss.min, loss.max, loss.last) == (4, 0.125, 1.0, 0.125)
    assert loss.avg == pytest.approx(sum(losses) / 4)
    mean = sum(losses) / 4
    assert loss.std_dev == pytest.approx(math.sqrt(sum((v - mean) ** 2 for v in losses) / 4))
    assert loss.time_stamp == now + dt.timedelta(seconds=4)
    assert (by_name["gpu:util"].count, by_name["gpu:util"].std_dev) == (1, 0.0)

    described = boto_client(server.url, region).describe_trial_component(TrialComponentName=name)
    assert summary_fields(summaries(described)["loss"]) == stats(losses)


def test_core_batch_put_metrics_partial_and_missing(core: Any, server: Server, region: str) -> None:
    """A NaN point is rejected alone (``Errors`` by index, HTTP 200); an unknown component fails
    the whole request with ``ResourceNotFound`` (§6.1). ``batch_put_metrics`` discards the
    answer, so the per-point error is checked through boto3 and the stored points."""
    from sagemaker.core.shapes import RawMetricData

    component = core.TrialComponent.create(trial_component_name=unique("partial"), region=region)
    now = dt.datetime.now(dt.UTC)
    points = [
        RawMetricData(metric_name="loss", timestamp=now, step=1, value=0.5),
        RawMetricData(metric_name="loss", timestamp=now, step=2, value=float("nan")),
        RawMetricData(metric_name="loss", timestamp=now, step=3, value=0.25),
    ]
    component.batch_put_metrics(metric_data=points, region=region)
    (result,) = core.TrialComponent.batch_get_metrics(
        metric_queries=[query(component.trial_component_arn, "loss", "Last")], region=region
    ).metric_query_results
    assert (result.x_axis_values, result.metric_values) == ([1, 3], [0.5, 0.25])

    answer = metrics_client(server.url, region).batch_put_metrics(
        TrialComponentName=component.trial_component_name,
        MetricData=[
            {"MetricName": "loss", "Timestamp": now, "Value": float("inf")},
            {"MetricName": "loss", "Timestamp": now, "Value": 0.125, "Step": 4},
        ],
    )
    assert answer["Errors"] == [{"Code": "VALIDATION_ERROR", "MetricIndex": 0}]
    (result,) = core.TrialComponent.batch_get_metrics(
        metric_queries=[query(component.trial_component_arn, "loss", "Last")], region=region
    ).metric_query_results
    assert (result.x_axis_values, result.metric_values) == ([1, 3, 4], [0.5, 0.25, 0.125])

    ghost = core.TrialComponent(trial_component_name="ghost-component")
    with pytest.raises(ClientError) as excinfo:
        ghost.batch_put_metrics(metric_data=points[:1], region=region)
    assert error_of(excinfo) == (
        "ResourceNotFound",
        f"TrialComponent {tc_arn(region, 'ghost-component')} does not exist.",
    )
