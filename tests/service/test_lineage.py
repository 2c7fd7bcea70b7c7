"""QueryLineage against the reference's worked example (§6.8) and its semantics (§6)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def graph(sm: Any) -> dict[str, str]:
    """A1 DataSet, A3 Image -> X1, X2 Training -> A2, A4 Model -> C1, C2 Endpoint."""
    arns: dict[str, str] = {}
    for key, artifact_type in (
        ("A1", "DataSet"),
        ("A2", "Model"),
        ("A3", "Image"),
        ("A4", "Model"),
    ):
        arns[key] = sm.create_artifact(
            ArtifactName=key, Source={"SourceUri": f"s3://b/{key}"}, ArtifactType=artifact_type
        )["ArtifactArn"]
    for key in ("X1", "X2"):
        arns[key] = sm.create_action(
            ActionName=key, Source={"SourceUri": f"job/{key}"}, ActionType="Training"
        )["ActionArn"]
    for key in ("C1", "C2"):
        arns[key] = sm.create_context(
            ContextName=key, Source={"SourceUri": f"ep/{key}"}, ContextType="Endpoint"
        )["ContextArn"]
    for src, dst in (
        ("A1", "X1"),
        ("A3", "X1"),
        ("X1", "A2"),
        ("A2", "C1"),
        ("A3", "X2"),
        ("X2", "A4"),
        ("A4", "C2"),
    ):
        sm.add_association(
            SourceArn=arns[src], DestinationArn=arns[dst], AssociationType="Produced"
        )
    return arns


def _names(arns: dict[str, str], vertices: list[dict[str, Any]]) -> list[str]:
    by_arn = {v: k for k, v in arns.items()}
    return [by_arn[v["Arn"]] for v in vertices]


def _edges(arns: dict[str, str], edges: list[dict[str, Any]]) -> set[tuple[str, str]]:
    by_arn = {v: k for k, v in arns.items()}
    return {(by_arn[e["SourceArn"]], by_arn[e["DestinationArn"]]) for e in edges}


def _query(sm: Any, start: str, **kw: Any) -> dict[str, Any]:
    response: dict[str, Any] = sm.query_lineage(StartArns=[start], **kw)
    return response


def test_ascendants_with_filters_reach_past_non_matching_vertices(
    sm: Any, graph: dict[str, str]
) -> None:
    r = _query(
        sm,
        graph["A2"],
        Direction="Ascendants",
        IncludeEdges=False,
        Filters={"LineageTypes": ["Artifact"], "Types": ["DataSet"]},
    )
    assert _names(graph, r["Vertices"]) == ["A1"]
    assert r["Edges"] == []


def test_descendants_with_edges_start_first(sm: Any, graph: dict[str, str]) -> None:
    r = _query(sm, graph["A2"], Direction="Descendants", IncludeEdges=True)
    assert _names(graph, r["Vertices"]) == ["A2", "C1"]
    assert _edges(graph, r["Edges"]) == {("A2", "C1")}
    assert r["Edges"][0]["AssociationType"] == "Produced"


def test_both_walks_from_every_visited_vertex(sm: Any, graph: dict[str, str]) -> None:
    r = _query(
        sm, graph["A2"], Direction="Both", IncludeEdges=False, Filters={"Types": ["Endpoint"]}
    )
    assert _names(graph, r["Vertices"]) == ["C1", "C2"]


def test_max_depth_bounds_the_walk(sm: Any, graph: dict[str, str]) -> None:
    r = _query(sm, graph["A2"], Direction="Both", IncludeEdges=False, MaxDepth=2)
    assert sorted(_names(graph, r["Vertices"])) == ["A1", "A3", "C1", "X1"]


def test_edges_keep_paths_to_matches(sm: Any, graph: dict[str, str]) -> None:
    r = _query(
        sm, graph["A2"], Direction="Ascendants", IncludeEdges=True, Filters={"Types": ["DataSet"]}
    )
    assert _names(graph, r["Vertices"]) == ["A2", "X1", "A1"]
    assert _edges(graph, r["Edges"]) == {("X1", "A2"), ("A1", "X1")}


def test_vertex_shape(sm: Any, graph: dict[str, str]) -> None:
    r = _query(sm, graph["X1"], Direction="Descendants", MaxDepth=1)
    assert r["Vertices"] == [{"Arn": graph["A2"], "Type": "Model", "LineageType": "Artifact"}]
    assert r["Edges"] == []


def test_unfiltered_both_returns_everything_once(sm: Any, graph: dict[str, str]) -> None:
    r = _query(sm, graph["A2"], Direction="Both", IncludeEdges=True)
    names = _names(graph, r["Vertices"])
    assert names[0] == "A2"
    assert sorted(names) == sorted(graph)
    assert len(r["Edges"]) == 7
    for edge in r["Edges"]:
        assert edge["SourceArn"] in graph.values() and edge["DestinationArn"] in graph.values()


def test_paging_returns_every_vertex_once(sm: Any, graph: dict[str, str]) -> None:
    seen: list[str] = []
    edges: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"Direction": "Both", "IncludeEdges": True, "MaxResults": 3}
    while True:
        r = _query(sm, graph["A2"], **kwargs)
        assert len(r["Vertices"]) <= 3
        seen.extend(v["Arn"] for v in r["Vertices"])
        edges.extend(r["Edges"])
        if "NextToken" not in r:
            break
        kwargs["NextToken"] = r["NextToken"]
    assert sorted(seen) == sorted(graph.values())
    assert len(edges) == 7


def test_token_for_another_query_is_rejected(sm: Any, graph: dict[str, str]) -> None:
    r = _query(sm, graph["A2"], Direction="Both", MaxResults=2)
    with pytest.raises(ClientError) as info:
        _query(sm, graph["A2"], Direction="Ascendants", MaxResults=2, NextToken=r["NextToken"])
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert info.value.response["Error"]["Message"] == "Invalid NextToken."


def test_no_start_arns_is_empty(sm: Any) -> None:
    r = sm.query_lineage(StartArns=[])
    assert r["Vertices"] == [] and r["Edges"] == []


def test_unknown_start_is_not_found(sm: Any, graph: dict[str, str]) -> None:
    missing = graph["C1"].rsplit("/", 1)[0] + "/missing"
    with pytest.raises(sm.exceptions.ResourceNotFound):
        _query(sm, missing)


def test_properties_filter_is_ored(sm: Any, graph: dict[str, str]) -> None:
    sm.update_context(ContextName="C1", Properties={"stage": "prod"})
    sm.update_context(ContextName="C2", Properties={"owner": "ml"})
    r = _query(
        sm,
        graph["A2"],
        Direction="Both",
        Filters={"Properties": {"stage": "prod", "owner": "ml"}},
    )
    assert sorted(_names(graph, r["Vertices"])) == ["C1", "C2"]


def test_deleting_an_entity_removes_it_from_the_graph(sm: Any, graph: dict[str, str]) -> None:
    sm.delete_action(ActionName="X1")
    r = _query(sm, graph["A2"], Direction="Ascendants", IncludeEdges=True)
    assert _names(graph, r["Vertices"]) == ["A2"]
    assert r["Edges"] == []
    assert sm.list_associations(DestinationArn=graph["A2"])["AssociationSummaries"] == []
