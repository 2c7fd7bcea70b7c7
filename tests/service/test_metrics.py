"""The sagemaker-metrics service (issue #15; §1, §6, D55, D56, D76-D79): BatchPutMetrics and
BatchGetMetrics on stemma's one port, through a real boto3 ``sagemaker-metrics`` client."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Server
from tests.service.experiments_support import arn, component
from tests.service.metrics_support import hour_start, metrics_client, point


@pytest.fixture
def mm(server: Server, region: str) -> Any:
    return metrics_client(server, region)


def _summary(sm: Any, name: str, metric: str) -> dict[str, Any]:
    metrics = sm.describe_trial_component(TrialComponentName=name)["Metrics"]
    found: dict[str, Any] = next(m for m in metrics if m["MetricName"] == metric)
    return found


def test_the_worked_example(sm: Any, mm: Any, region: str) -> None:
    """§6.5, point for point: summaries, then each bucketing of BatchGetMetrics."""
    component(sm, "my-tc")
    t0 = hour_start()
    points = [(1000, 0, 0.9), (1030, 1, 0.7), (1030, 1, 0.6), (1100, 2, 0.5)]
    response = mm.batch_put_metrics(
        TrialComponentName="My-TC",  # mixed case, as sagemaker-core sends it (D76)
        MetricData=[point("loss", t0 + t, v, s) for t, s, v in points],
    )
    assert "Errors" not in response  # {} on full success (D56)
    summary = _summary(sm, "my-tc", "loss")
    assert summary["TimeStamp"].timestamp() == t0 + 1100
    assert (summary["Count"], summary["Min"], summary["Max"]) == (4, 0.5, 0.9)
    assert summary["Avg"] == pytest.approx(0.675)
    assert summary["StdDev"] == pytest.approx(0.1479019945774904)  # population (D77)
    assert summary["Last"] == 0.5
    assert "SourceArn" not in summary

    tc_arn = arn(region, "component", "my-tc")

    def query(stat: str, period: str, axis: str, **extra: Any) -> dict[str, Any]:
        return dict(
            MetricName="loss",
            ResourceArn=tc_arn,
            MetricStat=stat,
            Period=period,
            XAxisType=axis,
            **extra,
        )

    results = mm.batch_get_metrics(
        MetricQueries=[
            query("Avg", "IterationNumber", "IterationNumber"),
            query("Count", "OneMinute", "Timestamp"),
            query("Last", "OneMinute", "IterationNumber"),
            query("Max", "OneHour", "Timestamp", Start=t0 + 1020),
        ]
    )["MetricQueryResults"]
    assert [r["Status"] for r in results] == ["Complete"] * 4
    assert results[0]["XAxisValues"] == [0, 1, 2]
    assert results[0]["MetricValues"] == pytest.approx([0.9, 0.65, 0.5])
    assert [x - t0 for x in results[1]["XAxisValues"]] == [960, 1020, 1080]
    assert results[1]["MetricValues"] == [1.0, 2.0, 1.0]
    assert results[2]["XAxisValues"] == [0, 1, 2]
    assert results[2]["MetricValues"] == [0.9, 0.6, 0.5]  # the later arrival wins the tie
    assert [x - t0 for x in results[3]["XAxisValues"]] == [0]
    assert results[3]["MetricValues"] == [0.7]


def test_bad_points_are_reported_by_index_and_the_good_ones_stored(sm: Any, mm: Any) -> None:
    component(sm, "partial")
    now = time.time()
    response = mm.batch_put_metrics(
        TrialComponentName="partial",
        MetricData=[
            point("m", now, 1.0),
            point("m", now, math.nan),  # botocore sends "NaN"
            point("m", now - 15 * 86400, 2.0),  # older than the 14-day window
            point("m", now, 3.0, 7),
            point("m", now + 3 * 3600, 4.0),  # more than 2 h ahead
            point("m", now, -math.inf),
        ],
    )
    assert response["Errors"] == [
        {"Code": "VALIDATION_ERROR", "MetricIndex": i} for i in (1, 2, 4, 5)
    ]
    summary = _summary(sm, "partial", "m")
    assert (summary["Count"], summary["Min"], summary["Max"], summary["Last"]) == (2, 1.0, 3.0, 3.0)


def test_an_unknown_component_is_resource_not_found_and_stores_nothing(
    sm: Any, mm: Any, region: str
) -> None:
    with pytest.raises(ClientError) as info:
        mm.batch_put_metrics(TrialComponentName="ghost", MetricData=[point("m", time.time(), 1)])
    error = info.value.response
    assert error["Error"]["Code"] == "ResourceNotFound"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    # The code comes from X-Amzn-ErrorType, which botocore reads first for REST-JSON (D56).
    assert error["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == "ResourceNotFound"
    assert error["Error"]["Message"] == (
        f"TrialComponent {arn(region, 'component', 'ghost')} does not exist."
    )
    component(sm, "ghost")  # created afterwards: it has no metrics
    assert sm.describe_trial_component(TrialComponentName="ghost")["Metrics"] == []


def test_shape_errors_fail_the_whole_request(sm: Any, mm: Any) -> None:
    component(sm, "whole")
    now = time.time()
    for data, where in (
        ([point("m", now, float(i)) for i in range(11)], "'metricData'"),
        ([point("x" * 256, now, 1.0)], "metricName"),
    ):
        with pytest.raises(ClientError) as info:
            mm.batch_put_metrics(TrialComponentName="whole", MetricData=data)
        assert info.value.response["Error"]["Code"] == "ValidationException"
        assert where in info.value.response["Error"]["Message"]
    assert sm.describe_trial_component(TrialComponentName="whole")["Metrics"] == []


def test_limits_refuse_points_with_metric_limit_exceeded(
    start_server: Any,
) -> None:
    server = start_server(
        "--quota", "metrics_per_trial_component=2", "--quota", "points_per_metric=3"
    )
    sm, mm = server.client("us-east-1"), metrics_client(server, "us-east-1")
    component(sm, "lim")
    now = time.time()
    response = mm.batch_put_metrics(
        TrialComponentName="lim",
        MetricData=[
            point("a", now, 1.0),
            point("b", now, 1.0),
            point("c", now, 1.0),  # a third name
            point("a", now, 2.0),
            point("a", now, 3.0),
            point("a", now, 4.0),  # a fourth point of a
        ],
    )
    assert response["Errors"] == [
        {"Code": "METRIC_LIMIT_EXCEEDED", "MetricIndex": 2},
        {"Code": "METRIC_LIMIT_EXCEEDED", "MetricIndex": 5},
    ]
    metrics = sm.describe_trial_component(TrialComponentName="lim")["Metrics"]
    assert [(m["MetricName"], m["Count"]) for m in metrics] == [("a", 3), ("b", 1)]


def test_summaries_stay_exact_under_concurrent_writers(
    server: Server, sm: Any, region: str
) -> None:
    component(sm, "busy")
    now = time.time()
    values = [float(i) for i in range(200)]

    def send(chunk: list[float]) -> None:
        client = metrics_client(server, region)
        client.batch_put_metrics(
            TrialComponentName="busy", MetricData=[point("v", now, v) for v in chunk]
        )

    chunks = [values[i : i + 10] for i in range(0, len(values), 10)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, chunks))
    summary = _summary(sm, "busy", "v")
    mean = sum(values) / len(values)
    assert summary["Count"] == 200
    assert (summary["Min"], summary["Max"]) == (0.0, 199.0)
    assert summary["Avg"] == pytest.approx(mean)
    assert summary["StdDev"] == pytest.approx(
        math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    )


def test_ingestion_leaves_last_modified_time_alone(sm: Any, mm: Any) -> None:
    component(sm, "quiet")
    before = sm.describe_trial_component(TrialComponentName="quiet")["LastModifiedTime"]
    time.sleep(0.01)
    mm.batch_put_metrics(TrialComponentName="quiet", MetricData=[point("m", time.time(), 1.0)])
    after = sm.describe_trial_component(TrialComponentName="quiet")["LastModifiedTime"]
    assert after == before  # D79


def test_deleting_a_component_deletes_its_metrics(sm: Any, mm: Any, region: str) -> None:
    component(sm, "gone")
    mm.batch_put_metrics(TrialComponentName="gone", MetricData=[point("m", time.time(), 1.0)])
    sm.delete_trial_component(TrialComponentName="gone")
    component(sm, "gone")
    assert sm.describe_trial_component(TrialComponentName="gone")["Metrics"] == []
    results = mm.batch_get_metrics(
        MetricQueries=[
            dict(
                MetricName="m",
                ResourceArn=arn(region, "component", "gone"),
                MetricStat="Count",
                Period="OneHour",
                XAxisType="Timestamp",
            )
        ]
    )["MetricQueryResults"]
    assert results == [{"Status": "Complete", "XAxisValues": [], "MetricValues": []}]


def test_batch_get_reports_bad_resources_per_query(sm: Any, mm: Any, region: str) -> None:
    component(sm, "real")
    common = {"MetricName": "m", "MetricStat": "Avg", "Period": "OneHour", "XAxisType": "Timestamp"}
    experiment_arn = f"arn:aws:sagemaker:{region}:123456789012:experiment/e"
    missing = arn(region, "component", "missing")
    results = mm.batch_get_metrics(
        MetricQueries=[
            {**common, "ResourceArn": experiment_arn},
            {**common, "ResourceArn": missing},
            {**common, "ResourceArn": arn(region, "component", "REAL")},
        ]
    )["MetricQueryResults"]
    assert results[0] == {
        "Status": "ValidationError",
        "Message": "Only trial component resources are supported.",
        "XAxisValues": [],
        "MetricValues": [],
    }
    assert results[1]["Status"] == "ValidationError"
    assert results[1]["Message"] == f"Resource {missing} does not exist."
    assert results[2] == {"Status": "Complete", "XAxisValues": [], "MetricValues": []}


def test_values_too_large_to_summarize_are_refused(sm: Any, mm: Any) -> None:
    """Review finding: finite values near 1e308 overflowed the running variance (S6)."""
    component(sm, "huge")
    now = time.time()
    response = mm.batch_put_metrics(
        TrialComponentName="huge",
        MetricData=[point("m", now, -1e308), point("m", now, 1e150), point("m", now, 0.0)],
    )
    assert response["Errors"] == [{"Code": "VALIDATION_ERROR", "MetricIndex": 0}]
    summary = _summary(sm, "huge", "m")
    assert (summary["Count"], summary["Max"], summary["Avg"]) == (2, 1e150, 5e149)
    assert math.isfinite(summary["StdDev"])
