"""Metric series of trial components: their points and their running summaries.

Points are stored as they arrive; each series' summary is updated in the same transaction by
Welford's method (count, mean, m2; min, max; the last point by (timestamp, step, arrival)), so
reads never aggregate points and summaries stay exact whatever the order of concurrent writers.

Lock order: the trial component's row, then its series' rows. The row lock on the component
serializes the writers of one component, which keeps the per-component limit on series exact
too; deleting the component (``entities``) takes the same row lock first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from stemma.store.contract import (
    Kind,
    MetricPoint,
    MetricSummary,
    NotFound,
    Scope,
    StoredPoint,
)
from stemma.store.sql.base import Connection, SqlBase, chunks, marks

COMPONENT: Kind = "experiment-trial-component"
_SUMMARY = "name, count, min, max, mean, m2, last, max_ts_ms"


class SqlMetrics(SqlBase):
    def put_metrics(
        self,
        scope: Scope,
        tc_id: str,
        points: list[MetricPoint],
        max_names: int | None,
        max_points: int | None,
    ) -> list[int]:
        by_name: dict[str, list[int]] = defaultdict(list)
        for index, point in enumerate(points):
            by_name[point.name].append(index)
        refused: list[int] = []
        with self._write() as conn:
            if not self._exists(conn, scope, COMPONENT, tc_id, self.lock_for_update):
                raise NotFound(tc_id)
            names: int | None = None
            for name in sorted(by_name):  # a fixed order of series locks
                indexes = by_name[name]
                series = self._series(conn, scope, tc_id, name)
                if series is None:
                    if names is None:
                        names = self._count_series(conn, scope, tc_id)
                    if max_names is not None and names >= max_names:
                        refused.extend(indexes)
                        continue
                    names += 1
                room = len(indexes)
                if max_points is not None:
                    room = max(0, min(room, max_points - (series[1] if series else 0)))
                    refused.extend(indexes[room:])
                if room:
                    _add(conn, scope, tc_id, name, series, [points[i] for i in indexes[:room]])
        return sorted(refused)

    def bulk_load_metrics(
        self, scope: Scope, series: Iterable[tuple[str, str, list[MetricPoint]]]
    ) -> int:
        """Seed whole new series ((trial component id, metric name, points)), in batches of
        transactions, skipping the API path's checks and limits; returns the points loaded."""
        loaded = 0
        batch: list[tuple[str, str, list[MetricPoint]]] = []
        size = 0
        for item in series:
            batch.append(item)
            size += len(item[2])
            if size >= 50_000:
                loaded += self._load_series(scope, batch)
                batch, size = [], 0
        if batch:
            loaded += self._load_series(scope, batch)
        return loaded

    def _load_series(self, scope: Scope, batch: list[tuple[str, str, list[MetricPoint]]]) -> int:
        with self._write() as conn:
            for tc_id, name, points in batch:
                _add(conn, scope, tc_id, name, None, points)
        return sum(len(points) for _, _, points in batch)

    def _series(
        self, conn: Connection, scope: Scope, tc_id: str, name: str
    ) -> tuple[Any, ...] | None:
        """(series_id, count, mean, m2, min, max, last, last_ts_ms, last_step, max_ts_ms),
        locked for the rest of the transaction."""
        row = conn.execute(
            "SELECT series_id, count, mean, m2, min, max, last, last_ts_ms, last_step, max_ts_ms"
            " FROM metric_series WHERE account = ? AND region = ? AND tc_id = ? AND name = ?"
            + self.lock_for_update,
            (*scope, tc_id, name),
        ).fetchone()
        return tuple(row) if row is not None else None

    def _count_series(self, conn: Connection, scope: Scope, tc_id: str) -> int:
        row = conn.execute(
            "SELECT COUNT(*) FROM metric_series WHERE account = ? AND region = ? AND tc_id = ?",
            (*scope, tc_id),
        ).fetchone()
        return int(row[0])

    def metric_summaries(self, scope: Scope, tc_ids: list[str]) -> dict[str, list[MetricSummary]]:
        found: dict[str, list[MetricSummary]] = defaultdict(list)
        for chunk in chunks(tc_ids):
            rows = self._read(
                f"SELECT tc_id, {_SUMMARY} FROM metric_series"
                f" WHERE account = ? AND region = ? AND tc_id IN ({marks(len(chunk))})"
                " ORDER BY tc_id, name",
                (*scope, *chunk),
            )
            for tc_id, *summary in rows:
                found[tc_id].append(MetricSummary(*summary))
        return dict(found)

    def metric_points(
        self, scope: Scope, tc_id: str, name: str, from_ms: int | None, to_ms: int | None
    ) -> list[StoredPoint]:
        where = ["s.account = ?", "s.region = ?", "s.tc_id = ?", "s.name = ?"]
        params: list[Any] = [*scope, tc_id, name]
        if from_ms is not None:
            where.append("p.ts_ms >= ?")
            params.append(from_ms)
        if to_ms is not None:
            where.append("p.ts_ms <= ?")
            params.append(to_ms)
        rows = self._read(
            "SELECT p.ts_ms, p.step, p.value, p.seq FROM metric_series s"
            " JOIN metric_points p ON p.series_id = s.series_id"
            f" WHERE {' AND '.join(where)} ORDER BY p.seq",
            params,
        )
        return [StoredPoint(*row) for row in rows]


def _add(
    conn: Connection,
    scope: Scope,
    tc_id: str,
    name: str,
    series: tuple[Any, ...] | None,
    points: list[MetricPoint],
) -> None:
    """Insert ``points`` into the series (created if ``series`` is None) and fold them into its
    summary."""
    if series is None:
        first = points[0]
        step = -1 if first.step is None else first.step
        row = conn.execute(
            "INSERT INTO metric_series (account, region, tc_id, name, count, min, max, mean, m2,"
            " last, last_ts_ms, last_step, max_ts_ms) VALUES (?, ?, ?, ?, 0, ?, ?, 0, 0, ?, ?,"
            " ?, ?) RETURNING series_id",
            (
                *scope,
                tc_id,
                name,
                first.value,
                first.value,
                first.value,
                first.ts_ms,
                step,
                first.ts_ms,
            ),
        ).fetchone()
        series = (
            row[0],
            0,
            0.0,
            0.0,
            first.value,
            first.value,
            first.value,
            first.ts_ms,
            step,
            first.ts_ms,
        )
    series_id, count, mean, m2, low, high, last, last_ts, last_step, max_ts = series
    rows = []
    for point in points:
        count += 1
        delta = point.value - mean
        mean += delta / count
        m2 += delta * (point.value - mean)
        low, high = min(low, point.value), max(high, point.value)
        step = -1 if point.step is None else point.step
        if (point.ts_ms, step) >= (last_ts, last_step):  # a later arrival wins ties (D77)
            last, last_ts, last_step = point.value, point.ts_ms, step
        max_ts = max(max_ts, point.ts_ms)
        rows.append((series_id, count, point.ts_ms, point.step, point.value))
    conn.executemany(
        "INSERT INTO metric_points (series_id, seq, ts_ms, step, value) VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute(
        "UPDATE metric_series SET count = ?, mean = ?, m2 = ?, min = ?, max = ?, last = ?,"
        " last_ts_ms = ?, last_step = ?, max_ts_ms = ? WHERE series_id = ?",
        (count, mean, m2, low, high, last, last_ts, last_step, max_ts, series_id),
    )
