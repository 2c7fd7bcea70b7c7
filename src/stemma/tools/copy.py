"""``stemma copy``: everything from any SageMaker-compatible endpoint, through its public API.

It signs with the user's credentials and region as boto3 resolves them, so the source may be a
real AWS account or another stemma. It pages every List call (contexts, actions, artifacts,
experiments, trials, trial components), describes each entity and lists its tags, reads each
trial component's metric series with BatchGetMetrics (``copy_metrics``: rebuilt, not read back
point for point), the edges with ListAssociations and each trial's members with
ListTrialComponents(TrialName), backing off on throttling. It writes either into a store through
the import path (``Store.load_batch``: ARNs, names, creation and modification times, tags, edges,
memberships and rebuilt metric points) or into a live stemma server through its API (ARNs and
names preserved; times are the target's). Both skip what is already there, so an interrupted
copy is resumed by running it again. The reading is ``copy_source``, the writing
``copy_targets``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from stemma.service.search.properties import attributes
from stemma.store import open_store
from stemma.store.contract import LINEAGE_KINDS, Association, Membership, OnConflict
from stemma.tools.copy_metrics import rebuild
from stemma.tools.copy_source import (
    EXPERIMENT_KINDS,
    SEEDED,
    CopyFailed,
    CopyReport,
    Read,
    Source,
    ms,
    parse_arn,
    read_entities,
    read_members,
)
from stemma.tools.copy_targets import ApiTarget, StoreTarget, Target

__all__ = ["CopyFailed", "CopyReport", "copy_endpoint"]


def copy_endpoint(
    from_endpoint: str,
    *,
    from_region: str | None = None,
    from_metrics_endpoint: str | None = None,
    db: str | None = None,
    to_endpoint: str | None = None,
    on_conflict: OnConflict = "skip",
    page_size: int = 100,
    client_factory: Callable[..., Any] | None = None,
) -> CopyReport:
    """Copy every entity, tag, association, membership and metric series the source's
    credentials can read. ``from_metrics_endpoint`` defaults to ``from_endpoint`` (one port, as
    stemma serves both), except on AWS, whose metrics endpoint boto3 knows."""
    import boto3
    from botocore.config import Config

    factory = client_factory or boto3.client
    config = Config(retries={"max_attempts": 1, "mode": "standard"})  # backoff is ours
    report = CopyReport()
    started = time.monotonic()
    if from_metrics_endpoint is None and not _on_aws(from_endpoint):
        from_metrics_endpoint = from_endpoint

    def client(service: str, url: str | None) -> Source:
        made = factory(service, endpoint_url=url, region_name=from_region, config=config)
        return Source(made, report, page_size)

    source = client("sagemaker", from_endpoint)
    metrics = client("sagemaker-metrics", from_metrics_endpoint)
    if to_endpoint is not None:
        target: Target = ApiTarget(
            client("sagemaker", to_endpoint), client("sagemaker-metrics", to_endpoint)
        )
    elif db is not None:
        target = StoreTarget(open_store(db), on_conflict)
    else:
        raise CopyFailed("give a store (--data-dir/--db) or --to-endpoint")
    try:
        _copy(source, metrics, target, report)
        target.flush(report)
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError | BotoCoreError):
            raise CopyFailed(f"{exc} (rerun to resume: what was copied is skipped)") from None
        raise
    finally:
        target.close()
    report.seconds = time.monotonic() - started
    return report


def _on_aws(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn")


def _copy(source: Source, metrics: Source, target: Target, report: CopyReport) -> None:
    copied: set[str] = set()
    trials: list[Read] = []
    components: dict[str, Read] = {}  # by lowercased name
    for kind in (*LINEAGE_KINDS, *EXPERIMENT_KINDS):
        for read in read_entities(source, kind):
            if kind == "experiment-trial-component":
                series = _series(metrics, read, report)
                target.entity(read, report)
                for name, points in series:
                    target.metric(read, name, points, report)
                components[str(read.item.entity.name).lower()] = read
            else:
                target.entity(read, report)
            if kind == "experiment-trial":
                trials.append(read)
            copied.add(read.arn)
    for edge in source.pages("list_associations", "AssociationSummaries"):
        src, dst = edge["SourceArn"], edge["DestinationArn"]
        ends = parse_arn(src), parse_arn(dst)
        if ends[0] is None or ends[1] is None or src not in copied or dst not in copied:
            report.not_copied.append(f"association {src} -> {dst}: an end is not a copied entity")
            continue
        association = Association(
            ends[0][1], ends[1][1], edge.get("AssociationType"), ms(edge["CreationTime"])
        )
        target.association(ends[0][0], association, (src, dst), report)
    for trial in trials:
        t = trial.item.entity
        for name in read_members(source, trial):
            component = components.get(name.lower())
            if component is None:
                report.not_copied.append(f"membership of {name} in {t.name}: not a copied one")
                continue
            c = component.item.entity
            # The API does not show when a membership was made: the later end's creation.
            member = Membership(t.id, c.id, not c.body.get(SEEDED), max(t.created_ms, c.created_ms))
            target.membership(trial.scope, member, (str(t.name), str(c.name)), report)


def _series(
    metrics: Source, read: Read, report: CopyReport
) -> list[tuple[str, list[tuple[int, int | None, float]]]]:
    """A trial component's metric series, rebuilt; summaries without readable points (a job's,
    as SageMaker keeps them) go into the component as fixed summaries instead."""
    series = []
    fixed = []
    for summary in read.metrics:
        try:
            rebuilt = rebuild(metrics, read.arn, summary)
        except ValueError as exc:
            report.not_copied.append(f"metric {exc}")
            continue
        if not rebuilt.points:
            fixed.append(summary)
            continue
        if not rebuilt.exact:
            report.approximate.append(f"{summary['MetricName']} of {read.item.entity.name}")
        series.append((summary["MetricName"], rebuilt.points))
    if fixed:
        entity = read.item.entity
        entity.body["Metrics"] = sorted(fixed, key=lambda m: str(m["MetricName"]))
        entity.attrs = attributes(entity)
    return series
