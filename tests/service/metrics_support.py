"""Helpers for the sagemaker-metrics tests: a boto3 client for the second service on the same
port, and the bucket-aligned base time of the reference's worked example (§6.5)."""

from __future__ import annotations

import time
from typing import Any

import boto3
from botocore.config import Config

from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Server


def metrics_client(server: Server, region: str) -> Any:
    return boto3.client(
        "sagemaker-metrics",
        endpoint_url=server.url,
        region_name=region,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def hour_start() -> int:
    """A whole hour at least an hour ago: points at T0 + up to an hour are recent enough for
    the default window and fall into predictable minute and hour buckets."""
    return (int(time.time()) // 3600) * 3600 - 3600


def point(name: str, ts: float, value: float, step: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"MetricName": name, "Timestamp": ts, "Value": value}
    if step is not None:
        data["Step"] = step
    return data
