"""ListAssociations over boto3: filters, sorts and paging (§5.3, D28-D30, D40).

Every test runs in a region of its own (the ``sm`` fixture), so lists see only that test's data.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from tests.awsjson import error_message
from tests.service.associations_support import (
    build_web,
    listed,
    new_action,
    new_artifact,
    new_context,
    pairs,
    shout,
)

SORT_KEYS = ["SourceArn", "DestinationArn", "SourceType", "DestinationType", "CreationTime"]


# -- ListAssociations: filters ----------------------------------------------------------------


@pytest.fixture
def web(sm: Any) -> dict[str, Any]:
    """The lineage web of ``build_web``, built afresh in this test's region."""
    return build_web(sm)


def test_filter_by_ends(sm: Any, web: dict[str, Any]) -> None:
    a = web["arns"]
    assert set(pairs(listed(sm, SourceArn=a["image"]))) == {
        (a["image"], a["train"]),
        (a["image"], a["deploy"]),
    }
    assert set(pairs(listed(sm, DestinationArn=shout(a["train"])))) == {
        (a["data1"], a["train"]),
        (a["data2"], a["train"]),
        (a["image"], a["train"]),
    }
    both = listed(sm, SourceArn=a["model"], DestinationArn=a["endpoint"])
    assert pairs(both) == [(a["model"], a["endpoint"])]
    assert listed(sm, SourceArn=a["endpoint"]) == []
    assert listed(sm, SourceArn=a["endpoint"].replace("/endpoint", "/nothing-here")) == []


def test_filter_by_types(sm: Any, web: dict[str, Any]) -> None:
    a = web["arns"]
    assert set(pairs(listed(sm, SourceType="DataSet"))) == {
        (a["data1"], a["train"]),
        (a["data2"], a["train"]),
    }
    assert set(pairs(listed(sm, DestinationType="Endpoint"))) == {
        (a["deploy"], a["endpoint"]),
        (a["model"], a["endpoint"]),
    }
    assert pairs(listed(sm, SourceArn=a["model"], DestinationType="ModelDeployment")) == [
        (a["model"], a["deploy"])
    ]
    assert set(pairs(listed(sm, AssociationType="Produced"))) == {
        (a["train"], a["model"]),
        (a["deploy"], a["endpoint"]),
    }
    assert pairs(listed(sm, SourceType="Image", DestinationType="ModelDeployment")) == [
        (a["image"], a["deploy"])
    ]
    assert listed(sm, SourceType="dataset") == []  # exact, case-sensitive (D28)
    assert listed(sm, SourceType="Endpoint") == []  # a type, not a lineage kind
    assert listed(sm, AssociationType="SameAs") == []


def test_filter_by_creation_time(sm: Any) -> None:
    hub = new_context(sm)
    early = new_artifact(sm)
    sm.add_association(SourceArn=early, DestinationArn=hub)
    first = listed(sm)[0]["CreationTime"]
    time.sleep(1.001 - (time.time() % 1))  # into the next whole second
    late = new_artifact(sm)
    sm.add_association(SourceArn=late, DestinationArn=hub)
    second = listed(sm, SourceArn=late)[0]["CreationTime"]
    assert int(second.timestamp()) > int(first.timestamp())
    first_s, second_s = first.replace(microsecond=0), second.replace(microsecond=0)
    assert pairs(listed(sm, CreatedAfter=second_s)) == [(late, hub)]
    assert pairs(listed(sm, CreatedBefore=first_s)) == [(early, hub)]
    assert len(listed(sm, CreatedAfter=first_s, CreatedBefore=second_s)) == 2
    assert listed(sm, CreatedAfter=second_s + timedelta(seconds=1)) == []
    assert listed(sm, CreatedBefore=first_s - timedelta(seconds=1)) == []
    assert listed(sm, CreatedAfter=second_s, CreatedBefore=first_s) == []
    assert pairs(listed(sm, CreatedAfter=second_s, SourceArn=early)) == []


# -- ListAssociations: sorting and paging -----------------------------------------------------


def _all_pages(sm: Any, page_size: int, **kw: Any) -> list[dict[str, Any]]:
    """Pages by hand, checking the token rules (D30) on the way."""
    items: list[dict[str, Any]] = []
    tokens: set[str] = set()
    token = None
    while True:
        page = sm.list_associations(
            MaxResults=page_size, **kw, **({"NextToken": token} if token else {})
        )
        assert page["AssociationSummaries"], "a page with a token is never empty"
        assert len(page["AssociationSummaries"]) <= page_size
        items.extend(page["AssociationSummaries"])
        token = page.get("NextToken")
        if not token:
            return items
        assert token not in tokens
        tokens.add(token)


def test_default_order_is_newest_first(sm: Any, web: dict[str, Any]) -> None:
    page = sm.list_associations()
    assert pairs(page["AssociationSummaries"]) == web["edges"][::-1]
    assert "NextToken" not in page


@pytest.mark.parametrize("key", SORT_KEYS)
def test_sort_keys_in_both_orders(sm: Any, web: dict[str, Any], key: str) -> None:
    everything = listed(sm)
    assert len(everything) == len(web["edges"])
    ascending = sorted(everything, key=lambda s: (s[key], s["SourceArn"], s["DestinationArn"]))
    asc = _all_pages(sm, 3, SortBy=key, SortOrder="Ascending")
    assert pairs(asc) == pairs(ascending)
    desc = _all_pages(sm, 3, SortBy=key, SortOrder="Descending")
    assert [s[key] for s in desc] == sorted((s[key] for s in everything), reverse=True)
    assert sorted(pairs(desc)) == sorted(pairs(everything))
    # One page or many: the same order.
    assert pairs(
        sm.list_associations(SortBy=key, SortOrder="Descending", MaxResults=100)[
            "AssociationSummaries"
        ]
    ) == pairs(desc)


def test_sort_by_creation_time_follows_creation(sm: Any, web: dict[str, Any]) -> None:
    asc = _all_pages(sm, 2, SortBy="CreationTime", SortOrder="Ascending")
    assert pairs(asc) == web["edges"]
    desc = _all_pages(sm, 2, SortBy="CreationTime", SortOrder="Descending")
    assert pairs(desc) == web["edges"][::-1]


def test_paginator_over_filtered_sorted_list(sm: Any, web: dict[str, Any]) -> None:
    a = web["arns"]
    pages = list(
        sm.get_paginator("list_associations").paginate(
            DestinationArn=a["train"],
            SortBy="SourceArn",
            SortOrder="Ascending",
            PaginationConfig={"PageSize": 2},
        )
    )
    assert [len(p["AssociationSummaries"]) for p in pages] == [2, 1]
    got = [s["SourceArn"] for p in pages for s in p["AssociationSummaries"]]
    assert got == sorted([a["data1"], a["data2"], a["image"]])


def test_deleting_while_paging_skips_nothing(sm: Any) -> None:
    hub = new_context(sm)
    sources = [new_artifact(sm) for _ in range(7)]
    other = new_action(sm)
    for src in sources:
        sm.add_association(SourceArn=src, DestinationArn=hub)
        sm.add_association(SourceArn=src, DestinationArn=other)
    for sort in ("CreationTime", "SourceArn"):
        seen: list[tuple[str, str]] = []
        # What the SDK's Context.delete(disassociate=True) does: page lazily, delete each.
        for page in sm.get_paginator("list_associations").paginate(
            DestinationArn=hub if sort == "CreationTime" else other,
            SortBy=sort,
            PaginationConfig={"PageSize": 2},
        ):
            for summary in page["AssociationSummaries"]:
                seen.append((summary["SourceArn"], summary["DestinationArn"]))
                sm.delete_association(
                    SourceArn=summary["SourceArn"], DestinationArn=summary["DestinationArn"]
                )
        assert len(seen) == len(sources)
    assert listed(sm) == []


def test_list_validation(sm: Any, web: dict[str, Any]) -> None:
    message = error_message("ValidationException", sm.list_associations, SortBy="Name")
    assert f"enum value set: [{', '.join(SORT_KEYS)}]" in message
    error_message("ValidationException", sm.list_associations, MaxResults=101)
    error_message("ValidationException", sm.list_associations, AssociationType="Bogus")
    error_message(
        "ValidationException",
        sm.list_associations,
        SourceArn=web["arns"]["image"].replace(":artifact/", ":experiment-trial/"),
    )
    page = sm.list_associations(MaxResults=2)
    message = error_message(
        "ValidationException",
        sm.list_associations,
        NextToken=page["NextToken"],
        SortBy="SourceArn",
    )
    assert message == "Invalid NextToken."
