"""Which regions a credential scope may name (``--regions``).

A region is a namespace of its own in stemma, as in SageMaker, with quotas of its own. When any
string was a region, one key could multiply its quotas by signing for invented regions (issue
#20). So regions are an allow-list: by default the regions botocore's endpoint data lists for
SageMaker (``api.sagemaker``) in every partition, i.e. the regions an SDK can reach the real
service in. An item of ``--regions`` is a region name, a pattern (``*`` and ``?``, as in
``fnmatch``), or ``botocore`` for that default list. A region outside the list is refused as AWS
refuses a credential scoped to a region it does not serve, ``InvalidSignatureException``
"Credential should be scoped to a valid region, not '...'." (sigv4.py).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable

from botocore.loaders import create_loader

BOTOCORE = "botocore"
_ENDPOINT_PREFIX = "api.sagemaker"  # the SageMaker API's endpointPrefix in the service model


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region botocore lists a SageMaker endpoint in, all partitions; endpoint variants
    (``-fips``, ``-secondary``) are not regions and are left out."""
    regions: set[str] = set()
    for partition in create_loader().load_data("endpoints")["partitions"]:
        service = partition["services"].get(_ENDPOINT_PREFIX, {})
        regions.update(set(service.get("endpoints", {})) & set(partition["regions"]))
    return frozenset(regions)


class RegionAllowList:
    """``allows(region)``: whether a request may name ``region``."""

    def __init__(self, items: Iterable[str]) -> None:
        names: set[str] = set()
        patterns: list[str] = []
        for item in items:
            if item == BOTOCORE:
                names |= known_regions()
            elif any(c in item for c in "*?["):
                patterns.append(fnmatch.translate(item))
            else:
                names.add(item)
        self._names = frozenset(names)
        self._pattern = re.compile("|".join(patterns)) if patterns else None

    def allows(self, region: str) -> bool:
        if region in self._names:
            return True
        return self._pattern is not None and self._pattern.fullmatch(region) is not None
