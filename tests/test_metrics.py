"""``/metrics`` (Prometheus, parsed with prometheus-client's own parser) and JSON logs."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.awsjson import lineage
from tests.conftest import SECRET_ACCESS_KEY, Server

TOKEN = "scrape-" + uuid.uuid4().hex


def scrape(url: str, token: str | None = None) -> dict[str, list[Any]]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("text/plain")
        text = answer.read().decode()
    families: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(text):
        families.setdefault(family.name, []).extend(family.samples)
    return families


def value(families: dict[str, list[Any]], sample: str, **labels: str) -> float:
    return sum(
        s.value
        for samples in families.values()
        for s in samples
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
    )


def _create(sm: Any, name: str) -> None:
    sm.create_context(ContextName=name, Source={"SourceUri": "u"}, ContextType="t")


def test_metrics_with_a_token(start_server: Callable[..., Server]) -> None:
    server = start_server("--quota", "contexts=1", env={"STEMMA_METRICS_TOKEN": TOKEN})
    assert "metrics: /metrics on the API port" in server.log()
    try:
        urllib.request.urlopen(f"{server.url}/metrics", timeout=10)
        raise AssertionError("served without the token")
    except urllib.error.HTTPError as refused:
        assert refused.code == 401
        refused.close()
    sm = server.client(f"m{uuid.uuid4().hex[:8]}")
    _create(sm, "one")
    with pytest.raises(sm.exceptions.ResourceLimitExceeded):
        _create(sm, "two")
    assert lineage(server.url, "ListContexts", {}, sign=False).status in (400, 403)
    families = scrape(f"{server.url}/metrics", TOKEN)
    ok = value(families, "stemma_requests_total", operation="CreateContext", status="200")
    assert ok == 1
    assert value(families, "stemma_requests_total", operation="CreateContext", status="400") == 1
    count = value(families, "stemma_request_duration_seconds_count", operation="CreateContext")
    assert count == 2
    assert value(families, "stemma_quota_refusals_total", operation="CreateContext") == 1
    assert value(families, "stemma_auth_failures_total") == 1
    assert value(families, "stemma_store_transaction_seconds_count") >= 1
    assert value(families, "stemma_open_connections") >= 1  # this scrape's, at least
    if server.db_url.startswith("sqlite"):
        assert value(families, "stemma_store_fsync_seconds_count") >= 1
        assert value(families, "stemma_store_write_batch_size_count") >= 1
    assert "stemma_requests_created" not in families


def test_metrics_port_adds_up_the_workers(start_server: Callable[..., Server]) -> None:
    server = start_server("--workers", "2", "--metrics-port", "0")
    match = re.search(r"metrics: (http://\S+/metrics)", server.log())
    assert match is not None, server.log()
    region = f"m{uuid.uuid4().hex[:8]}"
    for i in range(12):  # a fresh connection each: both workers take some
        body = {"ContextName": f"w{i}", "Source": {"SourceUri": "u"}, "ContextType": "t"}
        assert lineage(server.url, "CreateContext", body, region=region).status == 200
    families = scrape(match.group(1))
    assert value(families, "stemma_requests_total", operation="CreateContext", status="200") == 12
    # Not on the API port: it stays an AWS endpoint.
    assert lineage(server.url, "ListContexts", method="GET", path="/metrics").status == 405


def test_json_logs_have_one_access_line_per_request(start_server: Callable[..., Server]) -> None:
    server = start_server("--log-format", "json")
    region = f"j{uuid.uuid4().hex[:8]}"
    body = {"ContextName": "logged", "Source": {"SourceUri": "u"}, "ContextType": "t"}
    answer = lineage(server.url, "CreateContext", body, region=region)
    assert answer.status == 200
    missing = lineage(server.url, "DescribeContext", {"ContextName": "nope"}, region=region)
    assert missing.status == 400
    server.stop()
    log = server.log()
    assert SECRET_ACCESS_KEY not in log
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert not re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ", log, re.MULTILINE)
    access = {r["request_id"]: r for r in records if r["logger"] == "stemma.access"}
    line = access[answer.headers["x-amzn-requestid"]]
    assert line["operation"] == "CreateContext" and line["status"] == 200
    assert line["account"] == "123456789012" and line["duration_ms"] > 0
    assert set(line) <= {"time", "level", "logger", "message", "request_id", "operation",
                         "account", "status", "error", "duration_ms"}  # fmt: skip
    failed = access[missing.headers["x-amzn-requestid"]]
    assert failed["status"] == 400 and failed["error"] == "ResourceNotFound"
    assert records[-1]["message"] == "stopped"
