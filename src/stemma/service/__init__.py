"""Business logic, one module per entity; each registers its handlers in ``dispatch.HANDLERS``.

Services see parsed requests and the store contract, never HTTP or SQL.
"""

from stemma.service import (
    actions,
    artifacts,
    associations,
    contexts,
    experiments,
    lineage,
    lineage_groups,
    memberships,
    metrics,
    tags,
    trial_components,
    trials,
)
from stemma.service.dispatch import HANDLERS, SERVICE_OF
from stemma.service.search import handler as search

__all__ = [
    "HANDLERS",
    "SERVICE_OF",
    "actions",
    "artifacts",
    "associations",
    "contexts",
    "experiments",
    "lineage",
    "lineage_groups",
    "memberships",
    "metrics",
    "search",
    "tags",
    "trial_components",
    "trials",
]
