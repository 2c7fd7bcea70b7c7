"""``stemma copy`` from a live server standing in for AWS, rate-limited so that it throttles:
into a store (then served and compared through the API) and into another live server; a rerun
copies nothing twice. It runs once, on SQLite: the store side is ``load_batch``, which the import
tests cover on both backends."""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stemma.tools.copy import copy_endpoint
from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, SQLITE, Server, launch
from tests.service.metrics_support import metrics_client, point
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


def test_copy_experiments_memberships_and_metrics(tmp_path: Path, region: str) -> None:
    """Experiments, trials, trial components, memberships, metrics, tags and an association
    to a model artifact, into a store and into a live server, compared through the API. The
    series with at most three points per step (or per minute, without steps) come out with the
    source's summaries; the one with five points in a step only approximately."""
    servers = [launch(tmp_path / "source")]
    try:
        source = servers[0]
        populate(source, region, contexts=1)
        _more_experiments(source, region)
        expected = api_view(source, region)
        db = SQLITE.db_url(tmp_path / "copied")
        report = copy_endpoint(source.url, from_region=region, db=db, page_size=2)
        copied = {"entity": 8, "association": 3, "membership": 3, "point": 7 + 7 + 4 + 5}
        assert report.copied == copied, report.summary()
        assert report.approximate == ["noisy of tc-b"] and not report.not_copied
        rerun = copy_endpoint(source.url, from_region=region, db=db, page_size=2)
        assert not rerun.copied and rerun.present == copied, rerun.summary()
        servers.append(launch(tmp_path / "copied"))
        _same(api_view(servers[1], region), expected, times=True)
        servers.append(launch(tmp_path / "live"))
        live = servers[2].url
        report = copy_endpoint(source.url, from_region=region, to_endpoint=live, page_size=2)
        assert report.copied == copied and not report.not_copied, report.summary()
        rerun = copy_endpoint(source.url, from_region=region, to_endpoint=live, page_size=2)
        assert not rerun.copied and rerun.present == copied, rerun.summary()
        _same(api_view(servers[2], region), expected, times=False)
    finally:
        for server in servers:
            server.stop()


def _more_experiments(server: Server, region: str) -> None:
    """A second trial holding both components; tc-b with tags, a series of two and three
    points per step, one without steps (three points in a minute, one in another) and one of
    five points in one step; tc-a produced the model."""
    sm = server.client(region)
    sm.create_trial(TrialName="trial-2", ExperimentName="exp", Tags=[{"Key": "t", "Value": "2"}])
    for name in ("tc-a", "tc-b"):
        sm.associate_trial_component(TrialComponentName=name, TrialName="trial-2")
    sm.add_tags(
        ResourceArn=sm.describe_trial_component(TrialComponentName="tc-b")["TrialComponentArn"],
        Tags=[{"Key": "b", "Value": "1"}, {"Key": "a", "Value": "2"}],
    )
    model = sm.list_artifacts(ArtifactType="Model")["ArtifactSummaries"][0]["ArtifactArn"]
    component = sm.describe_trial_component(TrialComponentName="tc-a")["TrialComponentArn"]
    sm.add_association(SourceArn=component, DestinationArn=model, AssociationType="Produced")
    minute = (int(time.time()) // 60 - 5) * 60
    steps = [(0, 0.5), (0, 0.9), (1, 0.2), (1, 0.8), (1, 0.4), (2, 0.7), (2, 0.1)]
    data = [point("acc", minute + i, v, step=s) for i, (s, v) in enumerate(steps)]
    data += [point("gpu", minute + 1 + i, v) for i, v in enumerate((3.0, 1.0, 2.0))]
    data += [point("gpu", minute + 61, 5.0)]
    metrics = metrics_client(server, region)
    metrics.batch_put_metrics(TrialComponentName="tc-b", MetricData=data[:10])
    metrics.batch_put_metrics(TrialComponentName="tc-b", MetricData=data[10:])
    noisy = [point("noisy", minute + 120 + i, v, step=0) for i, v in enumerate((1, 9, 2, 8, 4))]
    metrics.batch_put_metrics(TrialComponentName="tc-b", MetricData=noisy)


def _same(view: dict[str, Any], expected: dict[str, Any], times: bool) -> None:
    """The copy's view is the source's: exactly into a store (``times``), but for the metric
    summaries' float rounding; through the API, but for the times the target sets."""
    view, expected = copy.deepcopy(view), copy.deepcopy(expected)
    assert view.keys() == expected.keys()
    for arn in expected:
        if not arn.startswith("arn:"):
            continue
        got, want = view[arn]["described"], expected[arn]["described"]
        got_metrics, want_metrics = got.pop("Metrics", []), want.pop("Metrics", [])
        assert [m["MetricName"] for m in got_metrics] == [m["MetricName"] for m in want_metrics]
        for g, w in zip(got_metrics, want_metrics, strict=True):
            assert (g["Count"], g["Min"], g["Max"], g["Last"]) == (
                w["Count"],
                w["Min"],
                w["Max"],
                w["Last"],
            ), g["MetricName"]
            assert g["Avg"] == pytest.approx(w["Avg"]), g["MetricName"]
            if g["MetricName"] != "noisy":  # five points in a step: the spread is not kept
                assert g["StdDev"] == pytest.approx(w["StdDev"]), g["MetricName"]
            tolerance = 0 if times else 0.002
            assert abs((g["TimeStamp"] - w["TimeStamp"]).total_seconds()) <= tolerance
        if not times:
            for member in ("CreationTime", "LastModifiedTime", "StartTime", "EndTime"):
                got.pop(member, None), want.pop(member, None)
        assert got == want, arn
        assert view[arn]["tags"] == expected[arn]["tags"], arn
    assert view["memberships"] == expected["memberships"]
    edges = view["associations"], expected["associations"]
    if not times:
        edges = tuple([a[:3] for a in e] for e in edges)
    assert edges[0] == edges[1]
