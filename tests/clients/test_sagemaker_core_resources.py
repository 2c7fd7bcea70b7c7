"""sagemaker-core 2.x resource classes (``sagemaker.core.resources``) against stemma.

Runs in the ``sdk3`` client venv; see README.md here. These classes take no ``endpoint_url``: they
find stemma only through ``AWS_ENDPOINT_URL_SAGEMAKER``, which must be set before their first
client is made (reference §9.1). ``AWS_MAX_ATTEMPTS=1`` (set in conftest.py) stops them from
retrying every failure ten times. Each test passes ``region=`` to stay in its own namespace.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.clients.conftest import ACCOUNT_ID, DEFAULT_LINEAGE_GROUP, Server, arn, unique


@pytest.fixture(scope="module")
def core(server: Server) -> Iterator[ModuleType]:
    """``sagemaker.core.resources``, with the endpoint set before any client exists."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", server.url)
        from sagemaker.core import resources
        from sagemaker.core.utils.utils import SageMakerClient

        SageMakerClient.reset()  # drop clients another module may have made without the variable
        yield resources
        SageMakerClient.reset()


@pytest.fixture(scope="module")
def shapes(core: ModuleType) -> ModuleType:
    from sagemaker.core import shapes

    return shapes


def calls(core: ModuleType, region: str, operation: str) -> list[dict[str, Any]]:
    """Records the parameters of every ``operation`` request the resources send in ``region``."""
    from sagemaker.core.utils.utils import SageMakerClient

    sent: list[dict[str, Any]] = []
    client = SageMakerClient(region_name=region).get_client("sagemaker")
    client.meta.events.register(
        f"provide-client-params.sagemaker.{operation}",
        lambda params, **_: sent.append(dict(params)),
    )
    return sent


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_context_create_get_update_delete(core: Any, shapes: Any, region: str) -> None:
    name = unique("Ctx")
    created = core.Context.create(
        context_name=name,
        source=shapes.ContextSource(source_uri="s3://b/k", source_type="S3Prefix"),
        context_type="Endpoint",
        description="first",
        properties={"k1": "v1"},
        tags=[shapes.Tag(key="team", value="ml")],
        region=region,
    )
    # create() is CreateContext then DescribeContext, validated by pydantic.
    assert created.context_name == name
    assert created.context_arn == arn(region, "context", name)
    assert created.source.source_uri == "s3://b/k"
    assert created.source.source_type == "S3Prefix"
    assert created.context_type == "Endpoint"
    assert created.description == "first"
    assert created.properties == {"k1": "v1"}
    assert isinstance(created.creation_time, dt.datetime)
    assert created.last_modified_time == created.creation_time
    assert created.lineage_group_arn == (
        f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{DEFAULT_LINEAGE_GROUP}"
    )

    by_arn = core.Context.get(context_name=created.context_arn, region=region)
    assert by_arn.context_name == name

    time.sleep(0.01)
    updated = created.update(
        description="second", properties={"k2": "v2"}, properties_to_remove=["k1"]
    )
    assert updated.description == "second"
    assert updated.properties == {"k2": "v2"}
    assert updated.last_modified_time > updated.creation_time
    assert core.Context.get(context_name=name.lower(), region=region).properties == {"k2": "v2"}

    tags = core.Tag.get_all(resource_arn=created.context_arn, region=region)
    assert [(t.key, t.value) for t in tags] == [("team", "ml")]

    created.delete()
    with pytest.raises(ClientError) as excinfo:
        core.Context.get(context_name=name, region=region)
    assert error_of(excinfo) == (
        "ResourceNotFound",
        f"Context {created.context_arn} does not exist.",
    )
    with pytest.raises(ClientError) as excinfo:
        created.delete()
    assert error_of(excinfo)[0] == "ResourceNotFound"


def test_context_get_all_pages_and_filters(core: Any, shapes: Any, region: str) -> None:
    prefix = unique("all")
    names = [f"{prefix}-{i:02d}" for i in range(15)]
    for i, name in enumerate(names):
        core.Context.create(
            context_name=name,
            source=shapes.ContextSource(source_uri=f"s3://b/{prefix}/{i % 2}"),
            context_type="Even" if i % 2 == 0 else "Odd",
            region=region,
        )
    listed_calls = calls(core, region, "ListContexts")

    # get_all sends no MaxResults: two pages of stemma's default 10, every item described.
    everything = list(core.Context.get_all(sort_order="Ascending", region=region))
    assert [c.context_name for c in everything] == names
    assert len(listed_calls) == 2
    assert all("MaxResults" not in call for call in listed_calls)
    assert everything[0].lineage_group_arn.endswith(DEFAULT_LINEAGE_GROUP)  # refreshed by Describe
    assert everything[0].properties == {}

    odd = core.Context.get_all(context_type="Odd", region=region)
    assert [c.context_name for c in odd] == names[1::2][::-1]
    by_uri = core.Context.get_all(source_uri=f"s3://b/{prefix}/0", sort_by="Name", region=region)
    assert [c.context_name for c in by_uri] == names[0::2][::-1]
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert list(core.Context.get_all(created_after=tomorrow, region=region)) == []


def test_get_all_exactly_one_full_page(core: Any, shapes: Any, region: str) -> None:
    """Ten items fill the default page: no NextToken, so one ListContexts call (D30)."""
    for i in range(10):
        core.Context.create(
            context_name=unique(f"p{i}"),
            source=shapes.ContextSource(source_uri="s3://b/k"),
            context_type="T",
            region=region,
        )
    listed_calls = calls(core, region, "ListContexts")
    assert len(list(core.Context.get_all(region=region))) == 10
    assert len(listed_calls) == 1


def test_context_errors(core: Any, shapes: Any, region: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        core.Context.get(context_name="Missing", region=region)
    assert error_of(excinfo) == (
        "ResourceNotFound",
        f"Context {arn(region, 'context', 'missing')} does not exist.",
    )
    name = unique("Dup")
    source = shapes.ContextSource(source_uri="s3://b/k")
    core.Context.create(context_name=name, source=source, context_type="T", region=region)
    with pytest.raises(ClientError) as excinfo:
        core.Context.create(
            context_name=name.upper(), source=source, context_type="T", region=region
        )
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert "already exists" in message


def test_artifact_create_get_update_delete(core: Any, shapes: Any, region: str) -> None:
    uri = f"s3://bucket/{unique('data')}/train.csv"

    def source(etag: str) -> Any:
        return shapes.ArtifactSource(
            source_uri=uri,
            source_types=[shapes.ArtifactSourceType(source_id_type="S3ETag", value=etag)],
        )

    first = core.Artifact.create(
        source=source("e1"),
        artifact_type="DataSet",
        artifact_name="data",
        properties={"rows": "10"},
        tags=[shapes.Tag(key="team", value="ml")],
        region=region,
    )
    assert re.fullmatch(
        rf"arn:aws:sagemaker:{re.escape(region)}:{ACCOUNT_ID}:artifact/[0-9a-f]{{32}}",
        first.artifact_arn,
    )
    assert first.artifact_name == "data"
    assert first.artifact_type == "DataSet"
    assert first.source.source_uri == uri
    assert [(t.source_id_type, t.value) for t in first.source.source_types] == [("S3ETag", "e1")]
    assert first.properties == {"rows": "10"}
    assert first.lineage_group_arn.endswith(DEFAULT_LINEAGE_GROUP)

    updated = first.update(
        artifact_name="renamed", properties={"cols": "3"}, properties_to_remove=["rows"]
    )
    assert (updated.artifact_name, updated.properties) == ("renamed", {"cols": "3"})
    assert (
        core.Artifact.get(artifact_arn=first.artifact_arn, region=region).artifact_name == "renamed"
    )

    second = core.Artifact.create(source=source("e2"), artifact_type="DataSet", region=region)
    assert second.artifact_arn != first.artifact_arn
    assert not isinstance(second.artifact_name, str)  # no name: omitted from Describe
    listed = core.Artifact.get_all(source_uri=uri, sort_order="Ascending", region=region)
    assert [a.artifact_arn for a in listed] == [first.artifact_arn, second.artifact_arn]
    assert list(core.Artifact.get_all(artifact_type="Model", region=region)) == []

    # delete() sends ArtifactArn and Source from the local copy; the ARN decides (D33), even
    # when the local Source is stale and names another artifact.
    deletes = calls(core, region, "DeleteArtifact")
    first.source = source("e2")
    first.delete()
    assert deletes[0]["ArtifactArn"] == first.artifact_arn
    assert deletes[0]["Source"]["SourceUri"] == uri
    with pytest.raises(ClientError) as excinfo:
        core.Artifact.get(artifact_arn=first.artifact_arn, region=region)
    assert error_of(excinfo) == (
        "ResourceNotFound",
        f"Artifact {first.artifact_arn} does not exist.",
    )
    assert (
        core.Artifact.get(artifact_arn=second.artifact_arn, region=region).source.source_uri == uri
    )


def test_action_create_get_update_delete(core: Any, shapes: Any, region: str) -> None:
    name = unique("Train")
    created = core.Action.create(
        action_name=name,
        source=shapes.ActionSource(source_uri="arn:aws:sagemaker:training-job/j1"),
        action_type="Training",
        description="train",
        status="InProgress",
        properties={"epochs": "3"},
        region=region,
    )
    assert created.action_arn == arn(region, "action", name)
    assert created.action_name == name
    assert created.status == "InProgress"
    assert created.source.source_uri == "arn:aws:sagemaker:training-job/j1"

    updated = created.update(
        status="Completed", properties={"loss": "0.1"}, properties_to_remove=["epochs"]
    )
    assert (updated.status, updated.properties) == ("Completed", {"loss": "0.1"})

    core.Action.create(
        action_name=unique("Deploy"),
        source=shapes.ActionSource(source_uri="arn:ep"),
        action_type="ModelDeployment",
        region=region,
    )
    training = list(core.Action.get_all(action_type="Training", region=region))
    assert [(a.action_name, a.status) for a in training] == [(name, "Completed")]
    assert len(list(core.Action.get_all(region=region))) == 2

    created.delete()
    with pytest.raises(ClientError) as excinfo:
        core.Action.get(action_name=name, region=region)
    assert error_of(excinfo) == ("ResourceNotFound", f"Action {created.action_arn} does not exist.")


def test_association_add_get_all_delete(core: Any, shapes: Any, region: str) -> None:
    data = core.Artifact.create(
        source=shapes.ArtifactSource(source_uri=f"s3://b/{unique()}"),
        artifact_type="DataSet",
        artifact_name="data",
        region=region,
    )
    job = core.Action.create(
        action_name=unique("Job"),
        source=shapes.ActionSource(source_uri="arn:job"),
        action_type="Training",
        region=region,
    )
    endpoint = core.Context.create(
        context_name=unique("Ep"),
        source=shapes.ContextSource(source_uri="arn:ep"),
        context_type="Endpoint",
        region=region,
    )
    core.Association.add(
        source_arn=data.artifact_arn,
        destination_arn=job.action_arn,
        association_type="ContributedTo",
        region=region,
    )
    core.Association.add(
        source_arn=job.action_arn, destination_arn=endpoint.context_arn, region=region
    )

    (listed,) = core.Association.get_all(source_arn=data.artifact_arn, region=region)
    assert listed.source_arn == data.artifact_arn
    assert listed.destination_arn == job.action_arn
    assert listed.source_type == "DataSet"
    assert listed.destination_type == "Training"
    assert listed.association_type == "ContributedTo"
    assert listed.source_name == "data"
    assert listed.destination_name == job.action_name
    assert isinstance(listed.creation_time, dt.datetime)

    (into_endpoint,) = core.Association.get_all(destination_type="Endpoint", region=region)
    assert into_endpoint.source_arn == job.action_arn
    assert not isinstance(into_endpoint.association_type, str)  # omitted, never defaulted (D39)
    assert len(list(core.Association.get_all(sort_order="Ascending", region=region))) == 2

    with pytest.raises(ClientError) as excinfo:
        core.Association.add(
            source_arn=data.artifact_arn, destination_arn=job.action_arn, region=region
        )
    code, message = error_of(excinfo)
    assert (code, "already exists" in message) == ("ValidationException", True)

    listed.delete()
    assert list(core.Association.get_all(source_arn=data.artifact_arn, region=region)) == []
    with pytest.raises(ClientError) as excinfo:
        listed.delete()
    assert error_of(excinfo) == (
        "ResourceNotFound",
        f"Association with source {data.artifact_arn} and destination {job.action_arn} "
        "does not exist.",
    )


def test_tags_get_all_add_delete(core: Any, shapes: Any, region: str) -> None:
    created = core.Context.create(
        context_name=unique("Tagged"),
        source=shapes.ContextSource(source_uri="s3://b/k"),
        context_type="T",
        tags=[shapes.Tag(key="first", value="0")],
        region=region,
    )
    resource = created.context_arn
    core.Tag.add_tags(
        resource_arn=resource,
        tags=[shapes.Tag(key="a", value="1"), shapes.Tag(key="b", value="2")],
        region=region,
    )
    core.Tag.add_tags(resource_arn=resource, tags=[shapes.Tag(key="a", value="one")], region=region)
    listed = core.Tag.get_all(resource_arn=resource, region=region)
    assert [(t.key, t.value) for t in listed] == [("first", "0"), ("a", "one"), ("b", "2")]

    core.Tag.delete_tags(resource_arn=resource, tag_keys=["a", "first"], region=region)
    assert [(t.key, t.value) for t in core.Tag.get_all(resource_arn=resource, region=region)] == [
        ("b", "2")
    ]

    with pytest.raises(ClientError) as excinfo:
        list(core.Tag.get_all(resource_arn=arn(region, "context", "missing"), region=region))
    assert error_of(excinfo) == ("ValidationException", "Resource does not exist")


def test_lineage_group(core: Any, shapes: Any, region: str) -> None:
    """The default lineage group, created with the first entity (reference §3.6, D23)."""
    core.Context.create(
        context_name=unique("First"),
        source=shapes.ContextSource(source_uri="s3://b/k"),
        context_type="T",
        region=region,
    )
    group_arn = f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{DEFAULT_LINEAGE_GROUP}"
    group = core.LineageGroup.get(
        lineage_group_name="sagemaker-default-lineage-group", region=region
    )
    assert group.lineage_group_arn == group_arn
    assert group.lineage_group_name == "sagemaker-default-lineage-group"
    assert isinstance(group.creation_time, dt.datetime)
    assert [g.lineage_group_arn for g in core.LineageGroup.get_all(region=region)] == [group_arn]
    with pytest.raises(ClientError) as excinfo:
        group.get_policy()
    assert error_of(excinfo)[0] == "ResourceNotFound"
