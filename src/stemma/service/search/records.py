"""Search records (§5.2, D66): what each result holds, read for a whole page at once.

A record is what Describe returns plus what Describe does not: ``Tags`` on all three kinds, a
trial's ``TrialComponentSummaries`` and a trial component's ``Parents`` (one per membership, in
association order). Lists are always present, empty when there is nothing: ``ExperimentAnalytics``
and ``is_run_trial_component`` index them.
"""

from __future__ import annotations

from stemma.context import RequestContext
from stemma.service import entities, trial_components
from stemma.service import experiment_entities as ee
from stemma.service.dispatch import Response
from stemma.store.contract import Entity, Tag


def build(ctx: RequestContext, member: str, rows: list[Entity]) -> list[Response]:
    """``{member: record}`` for each row, with one store query per list of the page."""
    if not rows:
        return []
    kind = rows[0].kind
    ids = [row.id for row in rows]
    tags = ctx.store.tags_of(ctx.scope, kind, ids)
    records: list[Response] = []
    if kind == ee.EXPERIMENT.kind:
        for row in rows:
            records.append(ee.record(ctx, ee.EXPERIMENT, row))
    elif kind == ee.TRIAL.kind:
        members = ctx.store.members_of(ctx.scope, ids)
        for row in rows:
            record = ee.record(ctx, ee.TRIAL, row)
            record["TrialComponentSummaries"] = [
                _member(ctx, component) for component, _ in members.get(row.id, [])
            ]
            records.append(record)
    else:
        parents = ctx.store.memberships_of(ctx.scope, ids)
        metrics = ctx.store.metric_summaries(ctx.scope, ids)
        for row in rows:
            record = trial_components.describe(ctx, row, metrics.get(row.id, []))
            record.pop("Sources", None)  # Describe's only
            record["Parents"] = [
                {"TrialName": trial.name, "ExperimentName": trial.body.get("ExperimentName")}
                for trial in parents.get(row.id, [])
            ]
            if "Source" in row.body:
                record["SourceDetail"] = {"SourceArn": row.body["Source"]["SourceArn"]}
            records.append(record)
    for record, row in zip(records, rows, strict=True):
        record["Tags"] = _tags(tags.get(row.id, []))
    return [{member: record} for record in records]


def _tags(tags: list[Tag]) -> list[Response]:
    return [{"Key": t.key, "Value": t.value} for t in tags]


def _member(ctx: RequestContext, component: Entity) -> Response:
    summary: Response = {
        "TrialComponentName": component.name,
        "TrialComponentArn": entities.arn(ctx, ee.TRIAL_COMPONENT, component.id),
        "CreationTime": entities.seconds(component.created_ms),
        "CreatedBy": {},
    }
    if "Source" in component.body:
        summary["TrialComponentSource"] = component.body["Source"]
    return summary
