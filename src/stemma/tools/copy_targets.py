"""The writing side of ``stemma copy``: into a store through the import path, or into a live
stemma server through its API. Both skip what is already there, so a rerun resumes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from stemma.store.contract import (
    Association,
    LoadBatch,
    Membership,
    MetricRun,
    OnConflict,
    Scope,
    Store,
)
from stemma.tools.copy_metrics import Point
from stemma.tools.copy_source import KINDS, SEEDED, CopyReport, Read, Source

BATCH = 500  # rows per load_batch transaction
_COUNTED = ("entity", "association", "membership", "point")


class Target:
    def entity(self, read: Read, report: CopyReport) -> None:
        raise NotImplementedError

    def association(
        self, scope: Scope, edge: Association, arns: tuple[str, str], report: CopyReport
    ) -> None:
        raise NotImplementedError

    def membership(
        self, scope: Scope, member: Membership, names: tuple[str, str], report: CopyReport
    ) -> None:
        raise NotImplementedError

    def metric(self, read: Read, name: str, points: list[Point], report: CopyReport) -> None:
        raise NotImplementedError

    def flush(self, report: CopyReport) -> None:
        return None

    def close(self) -> None:
        return None


class StoreTarget(Target):
    """Writes through the import path (``Store.load_batch``), in batches per scope; a batch's
    rows refer only to rows in it or in batches already loaded."""

    def __init__(self, store: Store, on_conflict: OnConflict) -> None:
        self.store = store
        self.on_conflict = on_conflict
        self.batches: dict[Scope, tuple[LoadBatch, list[int]]] = {}

    def _add(self, scope: Scope, rows: int, report: CopyReport) -> LoadBatch:
        batch, size = self.batches.setdefault(scope, (LoadBatch(), [0]))
        size[0] += rows
        if size[0] >= BATCH:
            self._load(scope, report)
            batch, size = self.batches.setdefault(scope, (LoadBatch(), [0]))
        return batch

    def entity(self, read: Read, report: CopyReport) -> None:
        self._add(read.scope, 1, report).entities.append(read.item)

    def association(
        self, scope: Scope, edge: Association, arns: tuple[str, str], report: CopyReport
    ) -> None:
        self._add(scope, 1, report).associations.append(edge)

    def membership(
        self, scope: Scope, member: Membership, names: tuple[str, str], report: CopyReport
    ) -> None:
        self._add(scope, 1, report).memberships.append(member)

    def metric(self, read: Read, name: str, points: list[Point], report: CopyReport) -> None:
        run = MetricRun(read.item.entity.id, name, 1, points)
        self._add(read.scope, len(points), report).metrics.append(run)

    def _load(self, scope: Scope, report: CopyReport) -> None:
        batch, _ = self.batches.pop(scope)
        result = self.store.load_batch(scope, batch, self.on_conflict)
        report.copied.update(+Counter({k: result.loaded[k] for k in _COUNTED}))
        present = result.unchanged + result.conflicts
        report.present.update(+Counter({k: present[k] for k in _COUNTED}))

    def flush(self, report: CopyReport) -> None:
        for scope in list(self.batches):
            self._load(scope, report)

    def close(self) -> None:
        self.store.close()


class ApiTarget(Target):
    """Writes through a live server's API (its times are its own); what exists already is left
    as it is: entities and associations by their "already exists" answers, memberships and
    metric points by reading the target first."""

    def __init__(self, api: Source, metrics: Source) -> None:
        self.api = api
        self.metrics = metrics
        self.members: dict[str, set[str]] = {}  # trial name -> its components' names, lowered

    def entity(self, read: Read, report: CopyReport) -> None:
        e = read.item.entity
        label = KINDS[e.kind][4]
        operation = f"create_{_SNAKE.get(e.kind, e.kind)}"
        shape = self.api.client.meta.service_model.operation_model(
            "".join(part.title() for part in operation.split("_"))
        ).input_shape.members
        params: dict[str, Any] = {f"{label}Name": e.name}
        if f"{label}Type" in shape:
            params[f"{label}Type"] = e.entity_type
        for member, value in e.body.items():
            if member in shape and value not in ({}, None):
                params[member] = value
        if e.name is None:
            del params[f"{label}Name"]
        if read.item.tags:
            params["Tags"] = [{"Key": t.key, "Value": t.value} for t in read.item.tags]
        self._create(operation, params, "entity", report)
        if e.body.get(SEEDED) or e.body.get("Metrics"):
            report.not_copied.append(
                f"trial component {e.name}: its Source ({e.body.get('Source')}) and fixed"
                " metric summaries (a job's) cannot be set through the API"
            )

    def association(
        self, scope: Scope, edge: Association, arns: tuple[str, str], report: CopyReport
    ) -> None:
        params: dict[str, Any] = {"SourceArn": arns[0], "DestinationArn": arns[1]}
        if edge.association_type:
            params["AssociationType"] = edge.association_type
        self._create("add_association", params, "association", report)

    def membership(
        self, scope: Scope, member: Membership, names: tuple[str, str], report: CopyReport
    ) -> None:
        trial, component = names
        there = self.members.get(trial)
        if there is None:
            there = self.members[trial] = {
                s["TrialComponentName"].lower()
                for s in self.api.pages(
                    "list_trial_components", "TrialComponentSummaries", TrialName=trial
                )
            }
        if component.lower() in there:
            report.present["membership"] += 1
            return
        self._create(
            "associate_trial_component",
            {"TrialName": trial, "TrialComponentName": component},
            "membership",
            report,
        )

    def metric(self, read: Read, name: str, points: list[Point], report: CopyReport) -> None:
        component = read.item.entity.name
        described = self.api.call("describe_trial_component", TrialComponentName=component)
        have = {m["MetricName"]: int(m.get("Count", 0)) for m in described.get("Metrics", [])}
        done = min(have.get(name, 0), len(points))
        report.present["point"] += done
        rest = points[done:]
        for start in range(0, len(rest), 10):
            chunk = rest[start : start + 10]
            data: list[dict[str, Any]] = []
            for ts_ms, step, value in chunk:
                point: dict[str, Any] = {"MetricName": name, "Timestamp": ts_ms / 1000}
                point["Value"] = value
                if step is not None:
                    point["Step"] = step
                data.append(point)
            answer = self.metrics.call(
                "batch_put_metrics", TrialComponentName=component, MetricData=data
            )
            errors = answer.get("Errors") or []
            report.copied["point"] += len(chunk) - len(errors)
            for error in errors:
                ts_ms, step, value = chunk[error["MetricIndex"]]
                report.not_copied.append(
                    f"metric {name} of {component} at {ts_ms / 1000} (step {step}):"
                    f" {error['Code']} (BatchPutMetrics takes points of the last 14 days only)"
                )

    def _create(
        self, operation: str, params: dict[str, Any], what: str, report: CopyReport
    ) -> None:
        from botocore.exceptions import ClientError

        try:
            self.api.call(operation, **params)
            report.copied[what] += 1
        except ClientError as exc:
            message = str(exc.response.get("Error", {}).get("Message", ""))
            if "exists" not in message:
                report.not_copied.append(f"{what} {params}: {message}")
                return
            report.present[what] += 1


_SNAKE = {
    "experiment-trial": "trial",
    "experiment-trial-component": "trial_component",
}
