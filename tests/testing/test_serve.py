"""``stemma.testing.serve``: a real server in this process (issue #17), its environment, its
namespaces, and the errors it raises where the user called it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import boto3
import pytest

from stemma.testing import ServerError, serve
from tests.conftest import BACKENDS, Backend


def test_the_environment_points_at_the_server_and_is_restored() -> None:
    os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] = "http://before.invalid"
    os.environ["AWS_PROFILE"] = "someone-else"
    try:
        with serve() as stemma:
            assert os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] == stemma.url
            assert os.environ["AWS_ENDPOINT_URL_SAGEMAKER_METRICS"] == stemma.url
            assert "AWS_PROFILE" not in os.environ
            sm = boto3.client("sagemaker")  # unchanged code
            sm.create_experiment(ExperimentName="e")
            assert stemma.client().describe_experiment(ExperimentName="e")["ExperimentName"] == "e"
            assert stemma.url.startswith("http://127.0.0.1:")
            data_dir = stemma.data_dir
            assert data_dir.is_dir()
        assert os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] == "http://before.invalid"
        assert os.environ["AWS_PROFILE"] == "someone-else"
        assert not data_dir.exists()  # a throwaway store leaves nothing behind
    finally:
        del os.environ["AWS_ENDPOINT_URL_SAGEMAKER"], os.environ["AWS_PROFILE"]


def test_namespaces_do_not_see_each_other() -> None:
    with serve() as stemma:
        first, second = stemma.namespace(), stemma.namespace()
        assert first.account_id != second.account_id
        with first.activated():
            boto3.client("sagemaker").create_experiment(ExperimentName="mine")
        with second.activated():
            # boto3's default session is renewed, so it signs as the second namespace.
            assert boto3.client("sagemaker").list_experiments()["ExperimentSummaries"] == []
        assert stemma.client().list_experiments()["ExperimentSummaries"] == []
        assert [
            e["ExperimentName"] for e in first.client().list_experiments()["ExperimentSummaries"]
        ] == ["mine"]


def test_options_reach_the_server(tmp_path: Path) -> None:
    with serve(quotas={"contexts": 1}, auth=False, data_dir=tmp_path) as stemma:
        sm = stemma.client(aws_secret_access_key="not-the-secret")  # --no-auth: accepted
        sm.create_context(ContextName="a", Source={"SourceUri": "u"}, ContextType="t")
        with pytest.raises(sm.exceptions.ResourceLimitExceeded):
            sm.create_context(ContextName="b", Source={"SourceUri": "u"}, ContextType="t")
    assert (tmp_path / "stemma.db").exists()  # a data dir that was given is kept


@pytest.mark.skipif("postgres" not in BACKENDS, reason="STEMMA_TEST_BACKENDS excludes postgres")
def test_a_postgresql_store(tmp_path: Path) -> None:
    backend = Backend("postgres")
    try:
        with serve(db=backend.db_url(tmp_path)) as stemma:
            stemma.client().create_experiment(ExperimentName="on-postgres")
            assert stemma.client().describe_experiment(ExperimentName="on-postgres")
    finally:
        backend.drop_all()


def test_a_port_in_use_is_a_clear_error() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        with (
            pytest.raises(ServerError, match=f"cannot listen on 127.0.0.1:{port}"),
            serve(port=port),
        ):
            pass
    finally:
        taken.close()


def test_a_bad_store_url_is_a_clear_error() -> None:
    with (
        pytest.raises(ServerError, match="cannot open the store mysql://x/y"),
        serve(db="mysql://x/y"),
    ):
        pass


def test_an_upstream_that_does_not_answer_is_a_clear_error() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    url = f"http://127.0.0.1:{port}"
    with (
        pytest.raises(ServerError, match=f"the upstream endpoint {url} does not answer"),
        serve(upstream=url),
    ):
        pass


def test_a_stopped_server_fails_the_caller_instead_of_hanging() -> None:
    with serve() as stemma:
        pass
    with pytest.raises(ServerError, match="has stopped"):
        stemma.namespace()  # what the per-test fixture calls: the test fails at once


def test_servers_on_one_store_hand_out_different_accounts(tmp_path: Path) -> None:
    """Review finding: accounts counted from 1 per server collided on a kept store."""
    seen = []
    for turn in range(2):
        with serve(data_dir=tmp_path) as stemma:
            namespace = stemma.namespace()
            seen.append(namespace.account_id)
            with namespace.activated():
                sm = boto3.client("sagemaker")
                assert sm.list_experiments()["ExperimentSummaries"] == []
                sm.create_experiment(ExperimentName=f"from-run-{turn}")
    assert seen[0] != seen[1]


def test_the_callers_boto3_session_and_endpoint_switch_survive() -> None:
    """Review findings: the caller's default session was replaced, and
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS would have sent requests past stemma."""
    mine = boto3.setup_default_session(region_name="eu-west-1") or boto3.DEFAULT_SESSION
    os.environ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
    try:
        with serve():
            assert "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" not in os.environ
            assert boto3.client("sagemaker").list_experiments()["ExperimentSummaries"] == []
        assert boto3.DEFAULT_SESSION is mine
        assert os.environ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] == "true"
    finally:
        del os.environ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]
        boto3.DEFAULT_SESSION = None
