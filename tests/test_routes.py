"""Two services on one port (D55, D56): X-Amz-Target selects AWS JSON 1.1; otherwise the
path's last segment and the method select a sagemaker-metrics operation, with REST-JSON
errors. Raw signed requests, so the wire itself is what is checked."""

from __future__ import annotations

import json

from tests.awsjson import call
from tests.conftest import Server


def _put(server: Server, path: str, method: str = "PUT", body: object = None) -> object:
    data = json.dumps(
        body
        or {
            "TrialComponentName": "nope",
            "MetricData": [{"MetricName": "m", "Timestamp": 1, "Value": 1.0}],
        }
    )
    return call(
        server.url,
        None,
        data,
        method=method,
        path=path,
        headers={"Content-Type": "application/json"},
    )


def test_metrics_paths_route_with_or_without_a_prefix(server: Server) -> None:
    for path in ("/BatchPutMetrics", "/some/prefix/BatchPutMetrics"):
        response = _put(server, path)
        assert response.status == 400
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-amzn-errortype"] == "ResourceNotFound"
        body = response.json()
        assert body["__type"] == "ResourceNotFound"
        assert body["message"] == body["Message"]  # REST-JSON errors carry both (D56)


def test_a_wrong_method_on_a_metrics_path_is_405(server: Server) -> None:
    response = _put(server, "/BatchPutMetrics", method="POST")
    assert response.status == 405
    assert response.headers["x-amzn-errortype"] == "UnknownOperationException"
    assert response.json()["message"] == "BatchPutMetrics takes PUT requests only; got POST."
    response = call(server.url, None, b"{}", method="GET", path="/BatchGetMetrics")
    assert response.status == 405


def test_other_paths_without_a_target_stay_json_1_1(server: Server) -> None:
    response = call(server.url, None, b"{}", path="/Elsewhere")
    assert response.status == 400
    assert response.headers["content-type"] == "application/x-amz-json-1.1"
    assert response.json() == {
        "__type": "UnknownOperationException",
        "message": "Missing X-Amz-Target header.",
    }


def test_a_target_wins_over_a_metrics_path(server: Server) -> None:
    response = call(server.url, "SageMaker.ListExperiments", b"{}", path="/BatchPutMetrics")
    assert response.status == 200
    assert response.json() == {"ExperimentSummaries": []}


def test_rest_bodies_are_validated_from_the_metrics_model(server: Server) -> None:
    """botocore refuses Step=-1 client-side; other clients may send it (D9)."""
    body = {
        "TrialComponentName": "tc",
        "MetricData": [{"MetricName": "m", "Timestamp": 1, "Value": 1.0, "Step": -1}],
    }
    response = _put(server, "/BatchPutMetrics", body=body)
    assert response.status == 400
    assert response.headers["x-amzn-errortype"] == "ValidationException"
    assert response.json()["message"] == (
        "1 validation error detected: Value '-1' at 'metricData.1.member.step' failed to "
        "satisfy constraint: Member must have value greater than or equal to 0"
    )


def test_numbers_outside_the_model_types_are_refused_not_500(server: Server) -> None:
    """Review findings: a 1e308 timestamp, a step past 32 bits and a 2^70 Start ended in 500s."""
    far = {
        "TrialComponentName": "nope",
        "MetricData": [{"MetricName": "m", "Timestamp": 1e308, "Value": 1.0}],
    }
    response = _put(server, "/BatchPutMetrics", body=far)
    assert response.status == 400  # the component does not exist; nothing overflowed
    assert response.headers["x-amzn-errortype"] == "ResourceNotFound"
    step = {
        "TrialComponentName": "nope",
        "MetricData": [{"MetricName": "m", "Timestamp": 1, "Value": 1.0, "Step": 2**40}],
    }
    response = _put(server, "/BatchPutMetrics", body=step)
    assert response.headers["x-amzn-errortype"] == "SerializationException"
    query = {
        "MetricQueries": [
            {
                "MetricName": "m",
                "MetricStat": "Avg",
                "Period": "OneHour",
                "XAxisType": "Timestamp",
                "ResourceArn": (
                    "arn:aws:sagemaker:us-east-1:123456789012:experiment-trial-component/x"
                ),
                "Start": 2**62,
                "End": -(2**62),
            }
        ]
    }
    response = _put(server, "/BatchGetMetrics", method="POST", body=query)
    assert response.status == 200
    assert response.json()["MetricQueryResults"][0]["Status"] == "ValidationError"
