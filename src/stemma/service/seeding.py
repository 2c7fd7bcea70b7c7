"""Job trial components for operator seeding (D74): the one way a ``Source`` gets set.

SageMaker creates a trial component for every training, processing and transform job; stemma
runs no jobs, and no API call may set ``Source``. An operator who wants the SDK's job helpers
(``training_job_arns()``, ``LineageTableVisualizer.show(training_job_name=...)``) to work seeds
such components through the store's bulk path (``Store.bulk_load``). This module builds them
exactly as the API path stores trial components, flagged automatically created, so that nothing
else needs to know about seeding: they are then ordinary trial components, exempt from the
per-trial quota (D64). docs/operations.md shows the recipe.
"""

from __future__ import annotations

import time
from typing import Any

from stemma.service import experiment_entities as ee
from stemma.service.search.properties import attributes
from stemma.store.contract import Entity


def job_trial_component(
    name: str,
    source_arn: str,
    source_type: str,
    *,
    created_ms: int | None = None,
    display_name: str | None = None,
    status: dict[str, str] | None = None,
    parameters: dict[str, dict[str, Any]] | None = None,
    input_artifacts: dict[str, dict[str, str]] | None = None,
    output_artifacts: dict[str, dict[str, str]] | None = None,
    metrics: list[dict[str, Any]] | None = None,
) -> Entity:
    """A trial component created by the job ``source_arn`` of type ``source_type``
    (``SageMakerTrainingJob``, ``SageMakerProcessingJob``, ``SageMakerTransformJob``).

    ``metrics`` are fixed ``TrialComponentMetricSummary`` dicts, as DescribeTrialComponent
    returns them (with the job's ``SourceArn``); timestamps are epoch seconds.
    """
    now = time.time_ns() // 1_000_000 if created_ms is None else created_ms
    body: dict[str, Any] = {
        "Source": {"SourceArn": source_arn, "SourceType": source_type},
        "Parameters": parameters or {},
        "InputArtifacts": input_artifacts or {},
        "OutputArtifacts": output_artifacts or {},
        ee.SEEDED: True,
    }
    if display_name is not None:
        body["DisplayName"] = display_name
    if status is not None:
        body["Status"] = status
    if metrics:
        body["Metrics"] = sorted(metrics, key=lambda m: str(m["MetricName"]))
    entity = Entity(
        kind=ee.TRIAL_COMPONENT.kind,
        id=ee.entity_id(name),
        name=name,
        entity_type=source_type,  # how ListAssociations types it; QueryLineage drops SageMaker
        source_uri=source_arn.lower(),  # ListTrialComponents(SourceArn) matches it, any case
        body=body,
        created_ms=now,
        modified_ms=now,
    )
    entity.attrs = attributes(entity)  # what Search filters and sorts on
    return entity
