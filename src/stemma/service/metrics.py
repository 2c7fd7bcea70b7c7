"""The sagemaker-metrics service: BatchPutMetrics and BatchGetMetrics (§6, D76-D79).

Points belong to a trial component of the caller's account and region, named case-insensitively
(mixed case accepted, D76). A batch stores every good point and reports the others by index:
``VALIDATION_ERROR`` for a non-finite value or a timestamp outside the window around the
server's clock, ``METRIC_LIMIT_EXCEEDED`` past the per-component or per-metric limits; the
good points of a batch are stored atomically, or the request fails whole. Ingestion updates the
summaries DescribeTrialComponent and Search return, synchronously, and never the component's
``LastModifiedTime`` (D79).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from stemma.context import RequestContext
from stemma.service import arns, entities
from stemma.service import experiment_entities as ee
from stemma.service.dispatch import Request, Response, handler
from stemma.store.contract import MetricPoint, MetricSummary, NotFound, StoredPoint

METRICS = "sagemaker-metrics"
MAX_PAIRS = 10_000  # a query's result is truncated past this many points (D78)
# The largest |Value| stored (S6): beyond it, the running variance of finite values can overflow
# a double; a point past it is refused like a non-finite one.
MAX_VALUE = 1e150
# Milliseconds are stored as 64-bit integers; times far outside any clock are clamped to this.
_MS_LIMIT = 2**62
PERIODS = {"OneMinute": 60, "FiveMinute": 300, "OneHour": 3600}


@handler("BatchPutMetrics", service=METRICS)
def batch_put_metrics(ctx: RequestContext, req: Request) -> Response:
    tc_id = ee.entity_id(req["TrialComponentName"])
    quotas = ctx.quotas
    earliest = _bound(ctx.now_ms, quotas.metric_age_seconds, -1)
    latest = _bound(ctx.now_ms, quotas.metric_lead_seconds, 1)
    errors: list[tuple[int, str]] = []
    accepted: list[MetricPoint] = []
    positions: list[int] = []
    for index, raw in enumerate(req["MetricData"]):
        ts_ms = _clamp(raw["Timestamp"] * 1000)
        if (
            not abs(raw["Value"]) <= MAX_VALUE  # NaN and the infinities too
            or (earliest is not None and ts_ms < earliest)
            or (latest is not None and ts_ms > latest)
        ):
            errors.append((index, "VALIDATION_ERROR"))
            continue
        accepted.append(MetricPoint(raw["MetricName"], ts_ms, raw.get("Step"), raw["Value"]))
        positions.append(index)
    try:
        refused = ctx.store.put_metrics(
            ctx.scope, tc_id, accepted, quotas.metrics_per_trial_component, quotas.points_per_metric
        )
    except NotFound:
        raise entities.not_found(ctx, ee.TRIAL_COMPONENT, tc_id) from None
    errors.extend((positions[i], "METRIC_LIMIT_EXCEEDED") for i in refused)
    if not errors:
        return {}  # Errors is a list of at least one (D56)
    return {"Errors": [{"Code": code, "MetricIndex": i} for i, code in sorted(errors)]}


def _clamp(ms: float) -> int:
    """Milliseconds as a 64-bit integer, however far the client's number was from now."""
    return int(max(-_MS_LIMIT, min(_MS_LIMIT, ms))) if math.isfinite(ms) else _MS_LIMIT


def _bound(now_ms: int, seconds: int | None, sign: int) -> int | None:
    return None if seconds is None else now_ms + sign * seconds * 1000


def summaries(summaries: list[MetricSummary]) -> list[Response]:
    """``TrialComponentMetricSummary`` members, by metric name (D77)."""
    return [
        {
            "MetricName": s.name,
            "TimeStamp": s.max_ts_ms / 1000,
            "Count": s.count,
            "Min": s.min,
            "Max": s.max,
            "Avg": s.mean,
            "StdDev": math.sqrt(s.m2 / s.count) if s.count else 0.0,  # population
            "Last": s.last,
        }
        for s in summaries
    ]


# -- BatchGetMetrics ----------------------------------------------------------------------------


@handler("BatchGetMetrics", service=METRICS)
def batch_get_metrics(ctx: RequestContext, req: Request) -> Response:
    return {"MetricQueryResults": [_query(ctx, q) for q in req["MetricQueries"]]}


def _query(ctx: RequestContext, query: Request) -> Response:
    arn = query["ResourceArn"]
    parsed = arns.parse(arn)
    if parsed is None or parsed.resource_type != ee.TRIAL_COMPONENT.kind:
        return _invalid("Only trial component resources are supported.")
    tc_id = arns.resolve(ctx, arn, ee.TRIAL_COMPONENT.kind)
    if tc_id is None or ctx.store.get_entity(ctx.scope, ee.TRIAL_COMPONENT.kind, tc_id) is None:
        return _invalid(f"Resource {arn} does not exist.")
    points = ctx.store.metric_points(
        ctx.scope, tc_id, query["MetricName"], _ms(query.get("Start")), _ms(query.get("End"), 999)
    )
    pairs = _aggregate(points, query["Period"], query["XAxisType"], STATS[query["MetricStat"]])
    status = "Complete"
    if len(pairs) > MAX_PAIRS:
        pairs, status = pairs[:MAX_PAIRS], "Truncated"
    return {
        "Status": status,
        "XAxisValues": [x for x, _, _ in pairs],
        "MetricValues": [y for _, _, y in pairs],
    }


def _invalid(message: str) -> Response:
    return {"Status": "ValidationError", "Message": message, "XAxisValues": [], "MetricValues": []}


def _ms(seconds: int | None, extra: int = 0) -> int | None:
    """Epoch seconds as milliseconds, bounds inclusive; a value past 1e11 is taken as
    milliseconds already (D78)."""
    if seconds is None:
        return None
    if abs(seconds) > 10**11:
        return _clamp(seconds)
    return _clamp(seconds * 1000 + extra)


def _aggregate(
    points: list[StoredPoint],
    period: str,
    axis: str,
    stat: Callable[[Sequence[StoredPoint]], float],
) -> list[tuple[int, Any, float]]:
    """(x, group key, value) per group of points, sorted by (x, key) (D78)."""
    groups: dict[int, list[StoredPoint]] = {}
    if period == "IterationNumber":
        for p in points:
            if p.step is not None:
                groups.setdefault(p.step, []).append(p)
    else:
        width = PERIODS[period] * 1000
        for p in points:
            groups.setdefault(p.ts_ms // width * width // 1000, []).append(p)
    pairs: list[tuple[int, Any, float]] = []
    for key, group in groups.items():
        if period == "IterationNumber":
            x = key if axis == "IterationNumber" else max(p.ts_ms for p in group) // 1000
        elif axis == "Timestamp":
            x = key
        else:
            steps = [p.step for p in group if p.step is not None]
            if not steps:
                continue
            x = max(steps)
        pairs.append((x, key, stat(group)))
    pairs.sort(key=lambda pair: (pair[0], pair[1]))
    return pairs


def _last(group: Sequence[StoredPoint]) -> float:
    latest = max(group, key=lambda p: (p.ts_ms, -1 if p.step is None else p.step, p.seq))
    return latest.value


def _stddev(group: Sequence[StoredPoint]) -> float:
    mean = sum(p.value for p in group) / len(group)
    return math.sqrt(sum((p.value - mean) ** 2 for p in group) / len(group))


STATS: dict[str, Callable[[Sequence[StoredPoint]], float]] = {
    "Min": lambda g: min(p.value for p in g),
    "Max": lambda g: max(p.value for p in g),
    "Avg": lambda g: sum(p.value for p in g) / len(g),
    "Count": lambda g: float(len(g)),
    "StdDev": _stddev,
    "Last": _last,
}
