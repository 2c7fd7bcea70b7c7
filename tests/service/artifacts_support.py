"""Helpers shared by the artifact test modules."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.conftest import unique

ACCOUNT = "123456789012"


def expected_id(uri: str, types: list[tuple[str, str]]) -> str:
    """D21, written out exactly as the reference states it."""
    canonical = json.dumps(
        {"SourceUri": uri, "SourceTypes": sorted([[t, v] for t, v in set(types)])},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.md5(canonical.encode("utf-8")).hexdigest()


def source(uri: str, *types: tuple[str, str]) -> dict[str, Any]:
    return {"SourceUri": uri, "SourceTypes": [{"SourceIdType": t, "Value": v} for t, v in types]}


def create(sm: Any, uri: str | None = None, *types: tuple[str, str], **kw: Any) -> str:
    kw.setdefault("ArtifactType", "DataSet")
    arn: str = sm.create_artifact(Source=source(uri or unique("s3://b/"), *types), **kw)[
        "ArtifactArn"
    ]
    return arn


def summaries(sm: Any, **kw: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_artifacts").paginate(**kw):
        items.extend(page["ArtifactSummaries"])
    return items
