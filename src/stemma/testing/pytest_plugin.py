"""The pytest plugin: ``stemma_server`` (one server for the run) and ``stemma`` (a clean
namespace per test, with the environment pointed at it).

Registered through the ``pytest11`` entry point, so installing stemma is enough::

    def test_records_lineage(stemma):
        sm = boto3.client("sagemaker")         # unchanged code: the environment points here
        sm.create_context(ContextName="c", Source={"SourceUri": "s3://b"}, ContextType="T")

Options (command line or ini): ``--stemma-db URL`` (a PostgreSQL URL to test against; default a
throwaway SQLite file), ``--stemma-quota NAME=N`` (repeatable), ``--stemma-no-auth``,
``--stemma-upstream URL``. With pytest-xdist, each worker runs a server of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from stemma.testing import Namespace, ServerError, StemmaServer, serve


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stemma", "stemma: an in-process SageMaker lineage server")
    group.addoption("--stemma-db", default=None, help="store URL (default: a temporary SQLite)")
    group.addoption(
        "--stemma-quota", action="append", default=[], help="a limit, NAME=N (repeatable)"
    )
    group.addoption("--stemma-no-auth", action="store_true", help="accept any signature")
    group.addoption(
        "--stemma-upstream", default=None, help="forward unserved operations to this endpoint"
    )
    parser.addini("stemma_db", "store URL for the stemma server", default="")
    parser.addini("stemma_quota", "limits NAME=N, one per line", type="linelist", default=[])
    parser.addini("stemma_upstream", "endpoint for operations stemma does not serve", default="")


def _quotas(items: list[str]) -> dict[str, int | None]:
    quotas: dict[str, int | None] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise pytest.UsageError(f"--stemma-quota takes NAME=N, got {item!r}")
        try:
            quotas[name.strip()] = None if value.strip() == "unlimited" else int(value)
        except ValueError:
            raise pytest.UsageError(f"--stemma-quota {name}: {value!r} is not a number") from None
    return quotas


@pytest.fixture(scope="session")
def stemma_server(request: pytest.FixtureRequest) -> Iterator[StemmaServer]:
    """One stemma server for the whole run (per xdist worker), on a free loopback port."""
    config = request.config
    options: dict[str, Any] = {
        "db": config.getoption("stemma_db") or config.getini("stemma_db") or None,
        "quotas": _quotas([*config.getini("stemma_quota"), *config.getoption("stemma_quota")]),
        "auth": not config.getoption("stemma_no_auth"),
        "upstream": config.getoption("stemma_upstream") or config.getini("stemma_upstream") or None,
        "set_environment": False,  # each test's ``stemma`` fixture sets its own
    }
    try:
        with serve(**options) as server:
            yield server
    except ServerError as exc:
        pytest.fail(f"stemma: {exc}", pytrace=False)


@pytest.fixture
def stemma(stemma_server: StemmaServer) -> Iterator[Namespace]:
    """A clean namespace (an account of its own) with the environment pointed at it: boto3 and
    the SageMaker SDKs reach stemma unchanged. The environment is restored afterwards."""
    try:
        namespace = stemma_server.namespace()
    except ServerError as exc:
        pytest.fail(f"stemma: {exc}", pytrace=False)
    with namespace.activated():
        yield namespace
