"""What a handler knows about the request it serves, besides the request members."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

from stemma.store.contract import Scope, Store


@dataclass
class Quotas:
    """Per (account, region) entity limits; None means unlimited (D49)."""

    contexts: int | None = 500
    actions: int | None = 3000
    artifacts: int | None = 6000
    associations: int | None = 6000


@dataclass
class RequestContext:
    """Everything a service handler may use beyond the parsed request."""

    store: Store
    """The configured store; handlers call it, never SQL."""

    account: str
    """The 12-digit account the request acts for."""

    region: str
    """The region from the SigV4 credential scope."""

    quotas: Quotas = field(default_factory=Quotas)

    operation: str = ""
    """The operation name from X-Amz-Target, for logs and page tokens."""

    now_ms: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    """The request's clock reading: one timestamp for every write it makes."""

    @property
    def scope(self) -> Scope:
        return Scope(self.account, self.region)

    @functools.cached_property
    def partition(self) -> str:
        """The ARN partition for the region (D16)."""
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"
