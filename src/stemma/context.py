"""What a handler knows about the request it serves, besides the request members."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from stemma.store.contract import Scope, Store


@dataclass
class Quotas:
    """Limits; None means unlimited (D49, D64, D76). Entities per (account, region), except
    ``trials_per_experiment`` and ``trial_components_per_trial``, per experiment and per trial;
    then the limits of metric ingestion."""

    contexts: int | None = 500
    actions: int | None = 3000
    artifacts: int | None = 6000
    associations: int | None = 6000
    experiments: int | None = None
    trials: int | None = None
    trial_components: int | None = None
    trials_per_experiment: int | None = 300
    trial_components_per_trial: int | None = 50
    # sagemaker-metrics (D76): distinct metric names per trial component, points per metric,
    # and how far before and after the server's clock a point's Timestamp may be.
    metrics_per_trial_component: int | None = 1000
    points_per_metric: int | None = 1_000_000
    metric_age_seconds: int | None = 14 * 24 * 3600
    metric_lead_seconds: int | None = 2 * 3600


class RequestContext:
    """Everything a service handler may use beyond the parsed request.

    A plain class with slots, not a dataclass: one is made for every request.
    """

    __slots__ = (
        "account",
        "now_ms",
        "operation",
        "partition",
        "quotas",
        "region",
        "scope",
        "store",
    )

    def __init__(
        self,
        store: Store,
        account: str,
        region: str,
        quotas: Quotas | None = None,
        operation: str = "",
        now_ms: int | None = None,
    ) -> None:
        self.store = store
        """The configured store; handlers call it, never SQL."""
        self.account = account
        """The 12-digit account the request acts for."""
        self.region = region
        """The region from the SigV4 credential scope."""
        self.quotas = quotas if quotas is not None else Quotas()
        self.operation = operation
        """The operation name from X-Amz-Target, for logs and page tokens."""
        self.now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        """The request's clock reading: one timestamp for every write it makes."""
        self.scope = Scope(account, region)
        self.partition = partition_of(region)
        """The ARN partition for the region (D16)."""


@functools.lru_cache(maxsize=64)
def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
