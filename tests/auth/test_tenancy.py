"""Tenancy: the account comes from the access key, the region from the credential scope, and
every entity, name, ARN, quota, list and lineage walk is confined to its (account, region)
(reference §3.1, D16, D19, D36).

An *owner* (the root key, account 123456789012) builds a small lineage graph in a fresh region.
An *intruder* then tries every lineage operation on it, by name and by full ARN: once as another
account in the same region (a key made with ``stemma keys create``), once as the same account in
another region. Nothing of the owner's may be read, changed, tagged, associated or deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.auth.support import OTHER_ACCOUNT, ROOT, ROOT_ACCOUNT, client, create_key, error_code
from tests.awsjson import expect_error, message
from tests.conftest import Backend, Server, launch

RESOURCE_MISSING = "Resource does not exist"


@dataclass
class Tenants:
    server: Server
    other: dict[str, str]  # a key of OTHER_ACCOUNT


@dataclass
class World:
    """The owner's entities, in a region of their own."""

    region: str
    owner: Any
    context: str
    context_arn: str
    action: str
    action_arn: str
    source: str
    artifact_arn: str

    @property
    def arns(self) -> list[str]:
        return [self.context_arn, self.action_arn, self.artifact_arn]


@dataclass
class Intruder:
    kind: str
    client: Any
    account: str
    region: str


@pytest.fixture(scope="module")
def tenants(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[Tenants]:
    data_dir = tmp_path_factory.mktemp(f"tenancy-{backend.name}") / "data"
    data_dir.mkdir()
    other = create_key(data_dir, backend.db_url(data_dir), OTHER_ACCOUNT)
    server = launch(data_dir, backend=backend)
    yield Tenants(server, other)
    server.stop()


def fresh_region() -> str:
    return f"iso-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def world(tenants: Tenants) -> World:
    region = fresh_region()
    owner = client(tenants.server.url, ROOT, region)
    tag = [{"Key": "owner", "Value": "a"}]
    context = f"Ctx-{uuid.uuid4().hex[:8]}"
    context_arn = owner.create_context(
        ContextName=context,
        Source={"SourceUri": "s3://owner/ctx"},
        ContextType="Endpoint",
        Description="original",
        Properties={"k": "v"},
        Tags=tag,
    )["ContextArn"]
    action = f"Act-{uuid.uuid4().hex[:8]}"
    action_arn = owner.create_action(
        ActionName=action,
        Source={"SourceUri": "s3://owner/act"},
        ActionType="Training",
        Description="original",
        Tags=tag,
    )["ActionArn"]
    source = f"s3://owner/data/{uuid.uuid4().hex}"
    artifact_arn = owner.create_artifact(
        ArtifactName="owned",
        Source={"SourceUri": source},
        ArtifactType="DataSet",
        Properties={"k": "v"},
        Tags=tag,
    )["ArtifactArn"]
    owner.add_association(
        SourceArn=artifact_arn, DestinationArn=action_arn, AssociationType="ContributedTo"
    )
    owner.add_association(
        SourceArn=action_arn, DestinationArn=context_arn, AssociationType="Produced"
    )
    for arn in (context_arn, action_arn, artifact_arn):
        assert f":{region}:{ROOT_ACCOUNT}:" in arn
    return World(region, owner, context, context_arn, action, action_arn, source, artifact_arn)


@pytest.fixture(params=["other-account", "other-region"])
def intruder(request: pytest.FixtureRequest, tenants: Tenants, world: World) -> Intruder:
    if request.param == "other-account":
        sm = client(tenants.server.url, tenants.other, world.region)
        return Intruder(request.param, sm, OTHER_ACCOUNT, world.region)
    region = fresh_region()
    return Intruder(request.param, client(tenants.server.url, ROOT, region), ROOT_ACCOUNT, region)


def assert_untouched(world: World) -> None:
    """The owner still sees its graph exactly as built."""
    owner = world.owner
    context = owner.describe_context(ContextName=world.context)
    assert context["ContextArn"] == world.context_arn
    assert context["Description"] == "original"
    assert context["Properties"] == {"k": "v"}
    action = owner.describe_action(ActionName=world.action)
    assert action["Description"] == "original"
    artifact = owner.describe_artifact(ArtifactArn=world.artifact_arn)
    assert artifact["ArtifactName"] == "owned"
    assert artifact["Properties"] == {"k": "v"}
    pairs = {
        (a["SourceArn"], a["DestinationArn"])
        for a in owner.list_associations()["AssociationSummaries"]
    }
    assert pairs == {
        (world.artifact_arn, world.action_arn),
        (world.action_arn, world.context_arn),
    }
    for arn in world.arns:
        assert owner.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "owner", "Value": "a"}]


def shout(arn: str) -> str:
    """The ARN with its resource part in capitals: still the same entity (D18)."""
    head, _, resource = arn.rpartition("/")
    return f"{head}/{resource.upper()}"


def not_found(operation: Callable[..., Any], /, **params: Any) -> str:
    return message(expect_error("ResourceNotFound", operation, **params))


def tag_refused(operation: Callable[..., Any], /, **params: Any) -> None:
    error = expect_error("ValidationException", operation, **params)
    assert message(error) == RESOURCE_MISSING


# -- operation by operation --------------------------------------------------------------------


def test_lists_show_nothing_of_the_owner(world: World, intruder: Intruder) -> None:
    sm = intruder.client
    assert sm.list_contexts()["ContextSummaries"] == []
    assert sm.list_contexts(SourceUri="s3://owner/ctx")["ContextSummaries"] == []
    assert sm.list_contexts(ContextType="Endpoint")["ContextSummaries"] == []
    assert sm.list_actions()["ActionSummaries"] == []
    assert sm.list_actions(SourceUri="s3://owner/act")["ActionSummaries"] == []
    assert sm.list_artifacts()["ArtifactSummaries"] == []
    assert sm.list_artifacts(SourceUri=world.source)["ArtifactSummaries"] == []
    assert sm.list_associations()["AssociationSummaries"] == []
    for arn in world.arns:
        assert sm.list_associations(SourceArn=arn)["AssociationSummaries"] == []
        assert sm.list_associations(DestinationArn=arn)["AssociationSummaries"] == []
    assert sm.list_lineage_groups()["LineageGroupSummaries"] == []
    # ... while the owner sees all of it.
    assert len(world.owner.list_contexts()["ContextSummaries"]) == 1
    assert len(world.owner.list_lineage_groups()["LineageGroupSummaries"]) == 1


def test_describe_by_name_or_full_arn_is_not_found(world: World, intruder: Intruder) -> None:
    sm = intruder.client
    assert world.context_arn in not_found(sm.describe_context, ContextName=world.context_arn)
    not_found(sm.describe_context, ContextName=world.context)
    not_found(sm.describe_context, ContextName=shout(world.context_arn))
    not_found(sm.describe_action, ActionName=world.action)
    not_found(sm.describe_action, ActionName=world.action_arn)
    assert world.artifact_arn in not_found(sm.describe_artifact, ArtifactArn=world.artifact_arn)
    not_found(sm.describe_lineage_group, LineageGroupName="sagemaker-default-lineage-group")
    assert (
        world.owner.describe_context(ContextName=world.context_arn)["ContextName"] == world.context
    )


def test_update_is_not_found_and_changes_nothing(world: World, intruder: Intruder) -> None:
    sm = intruder.client
    not_found(sm.update_context, ContextName=world.context, Description="hijacked")
    not_found(sm.update_action, ActionName=world.action, Description="hijacked", Status="Failed")
    not_found(
        sm.update_artifact,
        ArtifactArn=world.artifact_arn,
        ArtifactName="hijacked",
        PropertiesToRemove=["k"],
    )
    assert_untouched(world)


def test_delete_is_not_found_and_deletes_nothing(world: World, intruder: Intruder) -> None:
    sm = intruder.client
    not_found(sm.delete_context, ContextName=world.context)
    not_found(sm.delete_action, ActionName=world.action)
    not_found(sm.delete_artifact, ArtifactArn=world.artifact_arn)
    not_found(sm.delete_artifact, Source={"SourceUri": world.source})
    not_found(sm.delete_artifact, Source={"SourceUri": world.source, "SourceTypes": []})
    assert_untouched(world)


def test_tag_operations_say_the_resource_does_not_exist(world: World, intruder: Intruder) -> None:
    sm = intruder.client
    for arn in world.arns:
        tag_refused(sm.add_tags, ResourceArn=arn, Tags=[{"Key": "owner", "Value": "b"}])
        tag_refused(sm.list_tags, ResourceArn=arn)
        tag_refused(sm.delete_tags, ResourceArn=arn, TagKeys=["owner"])
        tag_refused(sm.list_tags, ResourceArn=shout(arn))
    assert_untouched(world)


def test_associations_cannot_reach_the_owner(world: World, intruder: Intruder) -> None:
    sm = intruder.client
    own = sm.create_context(
        ContextName=world.context, Source={"SourceUri": "s3://mine"}, ContextType="Endpoint"
    )["ContextArn"]
    assert own != world.context_arn
    not_found(sm.add_association, SourceArn=world.artifact_arn, DestinationArn=world.context_arn)
    not_found(sm.add_association, SourceArn=own, DestinationArn=world.action_arn)
    not_found(sm.add_association, SourceArn=world.action_arn, DestinationArn=own)
    not_found(sm.delete_association, SourceArn=world.artifact_arn, DestinationArn=world.action_arn)
    not_found(sm.delete_association, SourceArn=world.action_arn, DestinationArn=world.context_arn)
    assert sm.list_associations()["AssociationSummaries"] == []
    for arn in world.arns:
        assert sm.list_associations(SourceArn=arn)["AssociationSummaries"] == []
        assert sm.list_associations(DestinationArn=arn)["AssociationSummaries"] == []
    assert_untouched(world)


@pytest.mark.parametrize("direction", ["Both", "Ascendants", "Descendants"])
def test_query_lineage_from_an_owner_arn_is_not_found(
    world: World, intruder: Intruder, direction: str
) -> None:
    for arn in world.arns:
        for edges in (True, False):
            not_found(
                intruder.client.query_lineage,
                StartArns=[arn],
                Direction=direction,
                IncludeEdges=edges,
                MaxDepth=10,
            )
    owned = world.owner.query_lineage(
        StartArns=[world.artifact_arn], Direction=direction, IncludeEdges=True
    )
    assert owned["Vertices"][0]["Arn"] == world.artifact_arn


def test_names_and_sources_are_per_scope(world: World, intruder: Intruder) -> None:
    sm = intruder.client
    context = sm.create_context(
        ContextName=world.context.upper(), Source={"SourceUri": "s3://mine"}, ContextType="X"
    )["ContextArn"]
    action = sm.create_action(
        ActionName=world.action, Source={"SourceUri": "s3://mine"}, ActionType="X"
    )["ActionArn"]
    artifact = sm.create_artifact(Source={"SourceUri": world.source}, ArtifactType="DataSet")[
        "ArtifactArn"
    ]
    prefix = f"arn:aws:sagemaker:{intruder.region}:{intruder.account}:"
    assert context == f"{prefix}context/{world.context.lower()}"
    assert action == f"{prefix}action/{world.action.lower()}"
    assert artifact.startswith(f"{prefix}artifact/")
    assert {context, action, artifact}.isdisjoint(world.arns)

    # By name, each side finds its own entity.
    assert sm.describe_context(ContextName=world.context)["ContextArn"] == context
    assert sm.describe_action(ActionName=world.action)["ActionArn"] == action
    mine = sm.list_artifacts(SourceUri=world.source)["ArtifactSummaries"]
    assert [a["ArtifactArn"] for a in mine] == [artifact]
    # The owner's full ARNs still name nothing here, even with a same-named entity present.
    not_found(sm.describe_context, ContextName=world.context_arn)
    not_found(sm.describe_action, ActionName=world.action_arn)
    not_found(sm.describe_artifact, ArtifactArn=world.artifact_arn)
    tag_refused(sm.list_tags, ResourceArn=world.context_arn)

    # Deleting its own copies leaves the owner's alone.
    sm.delete_context(ContextName=world.context)
    sm.delete_action(ActionName=world.action)
    sm.delete_artifact(Source={"SourceUri": world.source})
    assert_untouched(world)


def test_lineage_walks_stay_in_their_scope_even_when_ids_collide(
    world: World, intruder: Intruder
) -> None:
    sm = intruder.client
    # The same source gives the same artifact id (D21): the walk must still keep scopes apart.
    artifact = sm.create_artifact(Source={"SourceUri": world.source}, ArtifactType="DataSet")[
        "ArtifactArn"
    ]
    assert artifact.rsplit("/", 1)[1] == world.artifact_arn.rsplit("/", 1)[1]
    target = sm.create_context(
        ContextName=f"mine-{uuid.uuid4().hex[:6]}", Source={"SourceUri": "s3://m"}, ContextType="X"
    )["ContextArn"]
    sm.add_association(SourceArn=artifact, DestinationArn=target)

    for direction in ("Both", "Descendants", "Ascendants"):
        theirs = sm.query_lineage(StartArns=[artifact], Direction=direction, IncludeEdges=True)
        arns = {v["Arn"] for v in theirs["Vertices"]}
        edges = {(e["SourceArn"], e["DestinationArn"]) for e in theirs["Edges"]}
        assert arns <= {artifact, target}, direction
        assert edges <= {(artifact, target)}, direction
        ours = world.owner.query_lineage(
            StartArns=[world.artifact_arn], Direction=direction, IncludeEdges=True
        )
        assert {v["Arn"] for v in ours["Vertices"]}.isdisjoint({artifact, target}), direction
    both = sm.query_lineage(StartArns=[artifact], Direction="Both", IncludeEdges=False)
    assert [v["Arn"] for v in both["Vertices"]] == [target]
    owner_both = world.owner.query_lineage(
        StartArns=[world.artifact_arn], Direction="Both", IncludeEdges=False
    )
    assert {v["Arn"] for v in owner_both["Vertices"]} == {world.action_arn, world.context_arn}
    assert (
        sm.list_associations(SourceArn=artifact)["AssociationSummaries"][0]["DestinationArn"]
        == target
    )
    assert_untouched(world)


def test_lineage_groups_are_per_scope(world: World, intruder: Intruder) -> None:
    sm = intruder.client
    not_found(sm.describe_lineage_group, LineageGroupName="sagemaker-default-lineage-group")
    sm.create_context(
        ContextName=f"g-{uuid.uuid4().hex[:6]}", Source={"SourceUri": "s3://g"}, ContextType="X"
    )
    theirs = sm.describe_lineage_group(LineageGroupName="sagemaker-default-lineage-group")
    ours = world.owner.describe_lineage_group(LineageGroupName="sagemaker-default-lineage-group")
    assert theirs["LineageGroupArn"] == (
        f"arn:aws:sagemaker:{intruder.region}:{intruder.account}:"
        "lineage-group/sagemaker-default-lineage-group"
    )
    assert ours["LineageGroupArn"] != theirs["LineageGroupArn"]


def test_an_owner_page_token_reveals_nothing_of_the_owner(world: World, intruder: Intruder) -> None:
    for i in range(2):
        world.owner.create_context(
            ContextName=f"more-{i}-{uuid.uuid4().hex[:6]}",
            Source={"SourceUri": "s3://owner/ctx"},
            ContextType="Endpoint",
        )
    first = world.owner.list_contexts(MaxResults=1)
    token = first["NextToken"]
    owned = {c["ContextArn"] for c in world.owner.list_contexts()["ContextSummaries"]}
    assert len(owned) == 3
    # Tokens are bound to the account and region that received them (D30).
    with pytest.raises(ClientError) as info:
        intruder.client.list_contexts(MaxResults=1, NextToken=token)
    assert error_code(info.value) == "ValidationException"
    assert message(info.value) == "Invalid NextToken."


# -- quotas --------------------------------------------------------------------------------------


def test_quotas_are_counted_per_account_and_region(
    start_server: Callable[..., Server], backend: Backend, tmp_path: Path
) -> None:
    data_dir = tmp_path / "quota"
    data_dir.mkdir()
    other = create_key(data_dir, backend.db_url(data_dir), OTHER_ACCOUNT)
    server = start_server("--quota", "contexts=2", data_dir=data_dir)

    def fill(sm: Any) -> None:
        for _ in range(2):
            sm.create_context(
                ContextName=f"q-{uuid.uuid4().hex[:8]}",
                Source={"SourceUri": "s3://q"},
                ContextType="X",
            )
        error = expect_error(
            "ResourceLimitExceeded",
            sm.create_context,
            ContextName="one-too-many",
            Source={"SourceUri": "s3://q"},
            ContextType="X",
        )
        assert "current utilization of 2 Contexts" in message(error)

    fill(client(server.url, ROOT, "us-east-1"))
    fill(client(server.url, other, "us-east-1"))
    fill(client(server.url, ROOT, "eu-west-1"))
    fill(client(server.url, other, "eu-west-1"))
