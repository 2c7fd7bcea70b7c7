"""``stemma copy`` from a live server standing in for AWS, rate-limited so that it throttles:
into a store (then served and compared through the API) and into another live server; a rerun
copies nothing twice. It runs once, on SQLite: the store side is ``load_batch``, which the import
tests cover on both backends."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from stemma.tools.copy import copy_endpoint
from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, SQLITE, Server, launch
from tests.tools.support import api_view, populate


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy signs with what boto3 resolves: here, the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)


def test_copy_into_a_store_and_a_server(tmp_path: Path, region: str) -> None:
    servers = [launch(tmp_path / "source", "--rate-limit", "5")]
    try:
        source = servers[0]
        populate(source, region, contexts=4, experiments=False)
        expected = api_view(source, region)
        target_dir = tmp_path / "copied"
        db = SQLITE.db_url(target_dir)
        # A competing client with the same key spends the rate limit while the copy starts.
        competitor = threading.Thread(target=_spend, args=(source, region))
        competitor.start()
        try:
            report = copy_endpoint(source.url, from_region=region, db=db, page_size=2)
        finally:
            competitor.join()
        assert report.copied == {"entity": 6, "association": 5}
        assert report.throttled > 0
        assert not report.not_copied
        rerun = copy_endpoint(source.url, from_region=region, db=db, page_size=2)
        assert not rerun.copied and rerun.present == {"entity": 6, "association": 5}
        servers.append(launch(target_dir))
        assert api_view(servers[1], region) == expected
        servers.append(launch(tmp_path / "live"))
        live = servers[2].url
        report = copy_endpoint(source.url, from_region=region, to_endpoint=live, page_size=2)
        assert report.copied == {"entity": 6, "association": 5}, report.summary()
        view = api_view(servers[2], region)
        assert len(view["associations"]) == 5
        tags = {arn: v["tags"] for arn, v in view.items() if arn.startswith("arn:")}
        assert tags == {arn: v["tags"] for arn, v in expected.items() if arn.startswith("arn:")}
    finally:
        for server in servers:
            server.stop()


def _spend(server: Server, region: str) -> None:
    """Spend the rate limit's tokens for a while (bounded), ignoring throttling."""
    sm = server.client(region)
    for _ in range(25):
        with contextlib.suppress(ClientError):
            sm.list_contexts(MaxResults=1)
