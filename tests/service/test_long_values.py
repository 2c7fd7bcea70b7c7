"""Every value the model accepts is stored, indexed and found again, on both stores (#20 item 2).

PostgreSQL refuses a B-tree index row over about 2.7 KB, and compresses a key only when it can:
a ``SourceUri`` of 2,048 random 4-byte characters (8 KB) once made every create answer 503,
which SDKs retry forever. Each test fills the indexed string members of one operation at the
model's maximum length with such characters, then reads the entity back through each filter
that seeks an index on that column.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

# CJK Extension B: letters (\p{L}, so tag keys accept them), 4 bytes each in UTF-8.
_FIRST, _LAST = 0x20000, 0x2A6DF


def wide(length: int, seed: int) -> str:
    """``length`` random 4-byte letters: the longest, least compressible value of that size."""
    rng = random.Random(seed)
    return "".join(chr(rng.randint(_FIRST, _LAST)) for _ in range(length))


KINDS = {
    "context": ("create_context", "ContextName", "ContextType", "list_contexts", "ContextArn"),
    "action": ("create_action", "ActionName", "ActionType", "list_actions", "ActionArn"),
    "artifact": ("create_artifact", "ArtifactName", "ArtifactType", "list_artifacts", None),
}
SUMMARIES = {"context": "ContextSummaries", "action": "ActionSummaries"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_longest_source_uri_type_and_tags_are_stored_and_found(sm: Any, kind: str) -> None:
    create, name_member, type_member, list_call, arn_member = KINDS[kind]
    source_uri, entity_type = wide(2048, 1), wide(256, 2)
    tags = [{"Key": wide(128, 3 + i), "Value": wide(256, 10 + i)} for i in range(3)]
    params: dict[str, Any] = {
        name_member: "n" * 120,
        "Source": {"SourceUri": source_uri},
        type_member: entity_type,
        "Properties": {wide(40, 20): wide(600, 21)},
        "Tags": tags,
    }
    if kind != "artifact":
        params["Description"] = wide(3072, 22)
    created = getattr(sm, create)(**params)
    arn = created.get(arn_member or "ArtifactArn") or created["ArtifactArn"]
    # A second entity sharing the first 1,000 characters of the URI must not be found by it.
    other = {**params, name_member: "o" * 120, "Source": {"SourceUri": source_uri[:1000] + "x"}}
    getattr(sm, create)(**other)

    summaries_key = SUMMARIES.get(kind, "ArtifactSummaries")
    by_uri = getattr(sm, list_call)(SourceUri=source_uri)[summaries_key]
    assert [s[f"{kind.capitalize()}Arn"] for s in by_uri] == [arn]
    by_type = getattr(sm, list_call)(**{type_member: entity_type})[summaries_key]
    assert len(by_type) == 2
    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags


def test_longest_trial_component_values_are_stored(sm: Any) -> None:
    value = wide(2048, 30)
    arn = sm.create_trial_component(
        TrialComponentName="t" * 120,
        DisplayName="d" * 120,
        Status={"PrimaryStatus": "Completed", "Message": wide(1024, 31)},
        Parameters={wide(320, 32): {"StringValue": wide(2500, 33)}},
        InputArtifacts={wide(128, 34): {"Value": value}},
        OutputArtifacts={wide(128, 35): {"Value": value}},
        Tags=[{"Key": wide(128, 36), "Value": wide(256, 37)}],
    )["TrialComponentArn"]
    described = sm.describe_trial_component(TrialComponentName="t" * 120)
    assert described["TrialComponentArn"] == arn
    assert next(iter(described["InputArtifacts"].values()))["Value"] == value
