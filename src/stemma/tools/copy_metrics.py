"""Metric series rebuilt from the public API, which never returns a series' points as they are.

BatchGetMetrics answers a statistic per step (``Period`` ``IterationNumber``) or per time
bucket. Per step it reads Count, Min, Max, Avg and Last (``XAxisType`` ``IterationNumber``),
and Count, Avg and Last again against the step's latest second (``XAxisType`` ``Timestamp``),
matched back to their steps by those three statistics. A step's points are then rebuilt from
its statistics: one to three points exactly (as values: one is Last; two are Min and Max; three
are Min, Max and the third, from Avg), four or more with Count, Min, Max, Avg and Last kept and
the rest of the spread (StdDev) lost. Points without a step, which only time buckets show, are
rebuilt per minute the same way, at the minute's start; in a series that also has steps, those
minutes are only approximated (count and sum kept where they can be told apart). Every point
gets its step's latest whole second, except the latest, which gets the summary's ``TimeStamp``
so that ``Last`` and ``TimeStamp`` come out as the source's. A series past 10,000 steps is read
an hour at a time. The arrival order is rebuilt as time order, a step's Last point last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stemma.tools.copy_source import Source, ms

Point = tuple[int, int | None, float]  # (timestamp ms, step, value), as a MetricRun holds them
STATS = ("Count", "Min", "Max", "Avg", "Last")
TIMED = ("Count", "Avg", "Last")


@dataclass
class Rebuilt:
    points: list[Point]
    exact: bool  # values and summary as the source's (timestamps are to the second)


@dataclass
class _Group:
    count: int
    min: float
    max: float
    avg: float
    last: float


def rebuild(metrics: Source, tc_arn: str, summary: dict[str, Any]) -> Rebuilt:
    """The points of one series, from its summary (DescribeTrialComponent's) and queries."""
    name = summary["MetricName"]
    query = _querier(metrics, tc_arn, name)
    points, exact = _window(query, None)
    if points is None:  # more than 10,000 steps or minutes: an hour at a time
        exact = True
        points = []
        hours, _ = query([("OneHour", "Timestamp", "Count")], None)
        for hour in hours[0]:
            part, part_exact = _window(query, (int(hour[0]), int(hour[0]) + 3599))
            points.extend(part or [])
            exact = exact and part is not None and part_exact
    points.sort(key=lambda p: (p[0], -1 if p[1] is None else p[1]))  # stable: a step's Last last
    exact = _latest(points, summary) and exact
    values = [p[2] for p in points]
    if len(values) != summary.get("Count") or (
        values and (min(values), max(values)) != (summary.get("Min"), summary.get("Max"))
    ):
        exact = False
    return Rebuilt(points, exact)


Query = Callable[
    [list[tuple[str, str, str]], tuple[int, int] | None], tuple[list[list[tuple[int, float]]], bool]
]


def _querier(metrics: Source, tc_arn: str, name: str) -> Query:
    def query(
        specs: list[tuple[str, str, str]], window: tuple[int, int] | None
    ) -> tuple[list[list[tuple[int, float]]], bool]:
        """Per (period, x axis, statistic): its (x, value) pairs; and whether any truncated."""
        bounds = {"Start": window[0], "End": window[1]} if window else {}
        queries = [
            {
                "MetricName": name,
                "ResourceArn": tc_arn,
                "Period": period,
                "XAxisType": axis,
                "MetricStat": stat,
                **bounds,
            }
            for period, axis, stat in specs
        ]
        answer = metrics.call("batch_get_metrics", MetricQueries=queries)
        results = answer.get("MetricQueryResults", [])
        truncated = any(r.get("Status") == "Truncated" for r in results)
        for r in results:
            if r.get("Status") not in ("Complete", "Truncated"):
                raise ValueError(f"BatchGetMetrics {name} of {tc_arn}: {r.get('Message')}")
        pairs = [list(zip(r["XAxisValues"], r["MetricValues"], strict=True)) for r in results]
        return pairs, truncated

    return query


def _window(query: Query, window: tuple[int, int] | None) -> tuple[list[Point] | None, bool]:
    """The points in a window (epoch seconds, inclusive); None when the answers truncated."""
    specs = [("IterationNumber", "IterationNumber", s) for s in STATS]
    specs += [("IterationNumber", "Timestamp", s) for s in TIMED]
    specs += [("OneMinute", "Timestamp", s) for s in STATS]
    answers, truncated = query(specs, window)
    if truncated:
        return None, False
    by_step, timed, by_minute = answers[:5], answers[5:8], answers[8:]
    exact = True
    # The latest second of each step, matched by (Count, Avg, Last): equal groups are alike.
    seconds: dict[tuple[float, ...], list[int]] = {}
    for (x, count), (_, avg), (_, last) in zip(*timed, strict=True):
        seconds.setdefault((count, avg, last), []).append(int(x))
    points: list[Point] = []
    for (step, count), (_, lo), (_, hi), (_, avg), (_, last) in zip(*by_step, strict=True):
        group = _Group(int(count), lo, hi, avg, last)
        queue = seconds.get((count, avg, last)) or [0]
        second = queue.pop(0) if len(queue) > 1 else queue[0]
        values, group_exact = _values(group)
        exact = exact and group_exact
        points.extend((second * 1000, int(step), v) for v in values)
    stepped_count = sum(int(c) for _, c in by_step[0])
    minute_count = sum(int(c) for _, c in by_minute[0])
    if minute_count > stepped_count:  # points without a step
        mixed = stepped_count > 0
        known: dict[int, list[float]] = {}
        for ts, _, value in points:
            known.setdefault(ts // 60_000 * 60, []).append(value)
        for (minute, count), (_, lo), (_, hi), (_, avg), (_, last) in zip(*by_minute, strict=True):
            minute = int(minute)
            if not mixed:
                values, group_exact = _values(_Group(int(count), lo, hi, avg, last))
                exact = exact and group_exact
            else:
                stepped = known.get(minute, [])
                k = int(count) - len(stepped)
                if k <= 0:
                    continue
                fill = min(hi, max(lo, (avg * count - sum(stepped)) / k))
                values, exact = [fill] * k, False
            points.extend((minute * 1000, None, v) for v in values)
    return points, exact


def _values(g: _Group) -> tuple[list[float], bool]:
    """Values with a group's Count, Min, Max, Avg and Last, Last's the latest; exact up to
    three values (their multiset is then determined)."""
    c, lo, hi, last = g.count, g.min, g.max, g.last
    if c <= 1:
        return [last], True
    if c == 2:
        return ([hi, lo] if last == lo else [lo, hi]), last in (lo, hi)
    if last not in (lo, hi):
        fill = (g.avg * c - lo - hi - last) / (c - 3) if c > 3 else last
        return [lo, hi, *[min(hi, max(lo, fill))] * (c - 3), last], c == 3
    fill = min(hi, max(lo, (g.avg * c - lo - hi) / (c - 2)))
    other = hi if last == lo else lo
    return [other, *[fill] * (c - 2), last], c == 3


def _latest(points: list[Point], summary: dict[str, Any]) -> bool:
    """Give the point that is the source's latest the summary's exact ``TimeStamp``; False when
    no rebuilt point can be it."""
    if not points or "TimeStamp" not in summary:
        return not points
    target = ms(summary["TimeStamp"])
    for i in range(len(points) - 1, -1, -1):
        ts, step, value = points[i]
        if value == summary.get("Last") and ts <= target < ts + 60_000:
            points[i] = (target, step, value)
            points.append(points.pop(i))
            return True
    return False
