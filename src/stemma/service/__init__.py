"""Business logic, one module per entity; each registers its handlers in ``dispatch.HANDLERS``.

Services see parsed requests and the store contract, never HTTP or SQL.
"""

from stemma.service import contexts, tags
from stemma.service.dispatch import HANDLERS

__all__ = ["HANDLERS", "contexts", "tags"]
