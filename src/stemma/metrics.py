"""Prometheus metrics: what ``GET /metrics`` exposes, and the cheap calls that record it.

Off unless the operator asks (``--metrics-token`` or ``--metrics-port``). With several worker
processes, prometheus-client's multiprocess mode keeps each worker's values in files under
``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds them up; ``stemma serve`` makes that directory
when none is given (``prepare_multiprocess``). The library must see the variable before it is
imported, so this module is imported only once the settings are known.

The request path records two values per request, through label children looked up once and
kept in plain dicts: a counter increment and a histogram observation.
"""

from __future__ import annotations

import glob
import hmac
import os
import tempfile
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

from stemma.store import instruments

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
OTHER = "other"  # the operation label of a request for no served operation (bounded labels)

# No *_created series: half the exposition, and nothing to compute (the function is untyped).
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "stemma_requests",
    "API requests answered, by operation and HTTP status",
    ("operation", "status"),
    registry=REGISTRY,
)
LATENCY_SECONDS = Histogram(
    "stemma_request_duration_seconds",
    "Time from a request's arrival to its answer, by operation",
    ("operation",),
    buckets=LATENCY,
    registry=REGISTRY,
)
TRANSACTION_SECONDS = Histogram(
    "stemma_store_transaction_seconds",
    "Write transactions, BEGIN to COMMIT (a batch of writes counts once)",
    buckets=LATENCY,
    registry=REGISTRY,
)
FSYNC_SECONDS = Histogram(
    "stemma_store_fsync_seconds",
    "fsyncs of SQLite's write-ahead log",
    buckets=LATENCY,
    registry=REGISTRY,
)
BATCH_SIZE = Histogram(
    "stemma_store_write_batch_size",
    "Requests whose writes one SQLite transaction committed together",
    buckets=BATCH,
    registry=REGISTRY,
)
CONNECTIONS = Gauge(
    "stemma_open_connections",
    "Open client connections",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
QUOTA_REFUSALS = Counter(
    "stemma_quota_refusals",
    "Requests refused with ResourceLimitExceeded, by operation",
    ("operation",),
    registry=REGISTRY,
)
AUTH_FAILURES = Counter(
    "stemma_auth_failures",
    "Requests whose signature was refused, by error code",
    ("reason",),
    registry=REGISTRY,
)


class Recorder:
    """The request path's view of the metrics; label children are looked up once."""

    def __init__(self, operations: frozenset[str]) -> None:
        self._operations = operations
        self._counts: dict[tuple[str, int], Any] = {}
        self._latency: dict[str, Any] = {}

    def label(self, operation: str) -> str:
        return operation if operation in self._operations else OTHER

    def request(self, operation: str, status: int, seconds: float) -> None:
        key = (operation, status)
        counter = self._counts.get(key)
        if counter is None:
            name = self.label(operation)
            counter = self._counts[key] = REQUESTS.labels(name, str(status))
            self._latency.setdefault(operation, LATENCY_SECONDS.labels(name))
        counter.inc()
        self._latency[operation].observe(seconds)

    def quota_refusal(self, operation: str) -> None:
        QUOTA_REFUSALS.labels(self.label(operation)).inc()

    @staticmethod
    def auth_failure(reason: str) -> None:
        AUTH_FAILURES.labels(reason).inc()


def install() -> None:
    """Have the store and the HTTP protocol report into these metrics."""
    from stemma.http_protocol import DeadlineHttpToolsProtocol

    DeadlineHttpToolsProtocol.gauge = CONNECTIONS
    instruments.transaction_seconds = TRANSACTION_SECONDS.observe
    instruments.fsync_seconds = FSYNC_SECONDS.observe
    instruments.write_batch_size = BATCH_SIZE.observe


def scrape() -> bytes:
    """The exposition text: this process's metrics, or every worker's in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def authorized(token: str, authorization: str) -> bool:
    """Whether an Authorization header carries the metrics token (compared in constant time)."""
    expected = f"Bearer {token}".encode()
    return hmac.compare_digest(authorization.encode("latin-1", "replace"), expected)


def prepare_multiprocess() -> str | None:
    """For several workers: the directory where each keeps its values, emptied of an earlier
    run's files; made (and returned, for removal at exit) when the environment names none."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        os.makedirs(directory, exist_ok=True)
        for stale in glob.glob(os.path.join(directory, "*.db")):
            os.remove(stale)
        return None
    made = tempfile.mkdtemp(prefix="stemma-metrics-")
    os.environ[MULTIPROC_ENV] = made
    return made


async def serve_scrape(scope: Any, send: Any, token: str) -> None:
    """``GET /metrics`` on the API port: for requests bearing the metrics token only."""
    authorization = next(
        (v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), ""
    )
    if authorized(token, authorization):
        status, body, kind = 200, scrape(), CONTENT_TYPE
    else:
        status, body, kind = 401, b"metrics need 'Authorization: Bearer TOKEN'\n", "text/plain"
    headers = [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})


def serve_port(host: str, port: int) -> Any:
    """Serve the metrics on a port of their own (in the ``stemma serve`` process, which adds up
    the workers' values in multiprocess mode); returns the HTTP server (``server_port``)."""
    from prometheus_client import start_http_server

    registry = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    server, _thread = start_http_server(port, host, registry)
    return server
