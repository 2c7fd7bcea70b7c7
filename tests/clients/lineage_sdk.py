"""The SageMaker Python SDK's lineage classes against stemma: one contract, two SDK generations.

``sagemaker.lineage`` (sagemaker<3) and ``sagemaker.core.lineage`` (sagemaker-core 2.x, the SDK v3
lineage) are the same code under two import paths. ``LineageSdkContract`` holds the tests; each of
``test_sagemaker_sdk_v2.py`` and ``test_sagemaker_sdk_v3.py`` imports its own SDK and subclasses
it. This module's name does not start with ``test_``, so pytest collects the tests only through
those subclasses.

The SDK is pointed at stemma as reference §9.1 says: ``Session(boto_session=...,
sagemaker_client=boto3.client("sagemaker", endpoint_url=URL))``, or ``AWS_ENDPOINT_URL_SAGEMAKER``
with a plain ``Session``. Every test works in a region of its own on the shared server.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from botocore.exceptions import ClientError

from tests.clients.conftest import (
    ACCOUNT_ID,
    DEFAULT_LINEAGE_GROUP,
    Server,
    arn,
    boto_client,
    unique,
)


@dataclass(frozen=True)
class LineageApi:
    """The classes of one SDK generation, imported by the concrete test module."""

    Session: Any
    Context: Any
    EndpointContext: Any
    Artifact: Any
    DatasetArtifact: Any
    ModelArtifact: Any
    Action: Any
    Association: Any
    LineageQuery: Any
    LineageFilter: Any
    LineageEntityEnum: Any
    LineageSourceEnum: Any
    LineageQueryDirectionEnum: Any
    LineageTableVisualizer: Any


def client_error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def artifact_arn_pattern(region: str) -> str:
    return rf"arn:aws:sagemaker:{re.escape(region)}:{ACCOUNT_ID}:artifact/[0-9a-f]{{32}}"


@dataclass
class Graph:
    """The worked example of reference §6.8, built through the SDK."""

    a1: Any  # artifact DataSet
    a2: Any  # artifact Model
    a3: Any  # artifact Image
    a4: Any  # artifact Model
    x1: Any  # action Training
    x2: Any  # action Training
    c1: Any  # context Endpoint
    c2: Any  # context Endpoint

    def name_of(self, entity_arn: str) -> str:
        for name in ("a1", "a2", "a3", "a4", "x1", "x2", "c1", "c2"):
            entity = getattr(self, name)
            own = getattr(entity, "artifact_arn", None) or getattr(entity, "action_arn", None)
            own = own or getattr(entity, "context_arn", None)
            if own == entity_arn:
                return name.upper()
        raise AssertionError(f"{entity_arn} is not in the graph")


class LineageSdkContract:
    """Tests shared by both SDK generations; subclasses set ``api``."""

    api: ClassVar[LineageApi]

    # -- fixtures ----------------------------------------------------------------------------

    @pytest.fixture
    def sm(self, server: Server, region: str) -> Any:
        """A plain boto3 client, to check what the SDK did behind its objects."""
        return boto_client(server.url, region)

    @pytest.fixture
    def session(self, server: Server, region: str) -> Any:
        """An SDK ``Session`` whose SageMaker client is pointed at stemma by ``endpoint_url``."""
        import boto3

        boto_session = boto3.Session(region_name=region)
        return self.api.Session(
            boto_session=boto_session,
            sagemaker_client=boto_session.client("sagemaker", endpoint_url=server.url),
        )

    @pytest.fixture
    def graph(self, session: Any) -> Graph:
        """Reference §6.8: A1→X1, A3→X1, X1→A2, A2→C1, A3→X2, X2→A4, A4→C2, in that order."""
        api = self.api
        tag = unique("g")

        def artifact(label: str, kind: str, **kw: Any) -> Any:
            return api.Artifact.create(
                artifact_name=f"{tag}-{label}",
                source_uri=f"s3://lineage/{tag}/{label}",
                artifact_type=kind,
                sagemaker_session=session,
                **kw,
            )

        def action(label: str) -> Any:
            return api.Action.create(
                action_name=f"{tag}-{label}",
                source_uri=f"arn:aws:sagemaker:job/{tag}-{label}",
                action_type="Training",
                sagemaker_session=session,
            )

        def context(label: str) -> Any:
            return api.Context.create(
                context_name=f"{tag}-{label}",
                source_uri=f"arn:aws:sagemaker:endpoint/{tag}-{label}",
                context_type="Endpoint",
                sagemaker_session=session,
            )

        g = Graph(
            a1=artifact("A1", "DataSet", properties={"stage": "raw"}),
            a2=artifact("A2", "Model"),
            a3=artifact("A3", "Image"),
            a4=artifact("A4", "Model"),
            x1=action("X1"),
            x2=action("X2"),
            c1=context("C1"),
            c2=context("C2"),
        )
        for source, destination, kind in [
            (g.a1.artifact_arn, g.x1.action_arn, "ContributedTo"),
            (g.a3.artifact_arn, g.x1.action_arn, "ContributedTo"),
            (g.x1.action_arn, g.a2.artifact_arn, "Produced"),
            (g.a2.artifact_arn, g.c1.context_arn, "ContributedTo"),
            (g.a3.artifact_arn, g.x2.action_arn, "ContributedTo"),
            (g.x2.action_arn, g.a4.artifact_arn, "Produced"),
            (g.a4.artifact_arn, g.c2.context_arn, "ContributedTo"),
        ]:
            api.Association.create(
                source_arn=source,
                destination_arn=destination,
                association_type=kind,
                sagemaker_session=session,
            )
        return g

    # -- contexts ----------------------------------------------------------------------------

    def test_context_create_load_save_delete(self, session: Any, sm: Any, region: str) -> None:
        api = self.api
        name = unique("Ctx")
        created = api.Context.create(
            context_name=name,
            source_uri="arn:aws:sagemaker:endpoint/ep-1",
            source_type="Endpoint",
            context_type="Endpoint",
            description="first",
            properties={"k1": "v1"},
            tags=[{"Key": "team", "Value": "ml"}],
            sagemaker_session=session,
        )
        assert created.context_arn == arn(region, "context", name)

        loaded = api.Context.load(context_name=name, sagemaker_session=session)
        assert loaded.context_name == name
        assert loaded.context_arn == created.context_arn
        assert loaded.context_type == "Endpoint"
        assert loaded.description == "first"
        assert loaded.properties == {"k1": "v1"}
        assert loaded.source.source_uri == "arn:aws:sagemaker:endpoint/ep-1"
        assert loaded.source.source_type == "Endpoint"
        assert loaded.created_by == {}
        assert loaded.lineage_group_arn == (
            f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{DEFAULT_LINEAGE_GROUP}"
        )
        assert isinstance(loaded.creation_time, dt.datetime)
        assert loaded.last_modified_time == loaded.creation_time

        # The SDK rebuilds names from ARNs, lowercased (reference §3.3).
        by_arn_name = api.Context.load(
            context_name=created.context_arn.split("/", 1)[1], sagemaker_session=session
        )
        assert by_arn_name.context_name == name

        time.sleep(0.01)
        loaded.description = "second"
        loaded.properties = {"k2": "v2"}
        loaded.properties_to_remove = ["k1"]
        loaded.save()
        saved = api.Context.load(context_name=name, sagemaker_session=session)
        assert saved.description == "second"
        assert saved.properties == {"k2": "v2"}
        assert saved.last_modified_time > saved.creation_time

        assert saved.set_tag({"Key": "stage", "Value": "dev"}) == [{"Key": "stage", "Value": "dev"}]
        assert saved.set_tags([{"Key": "owner", "Value": "me"}]) == [
            {"Key": "owner", "Value": "me"}
        ]
        assert sm.list_tags(ResourceArn=created.context_arn)["Tags"] == [
            {"Key": "team", "Value": "ml"},
            {"Key": "stage", "Value": "dev"},
            {"Key": "owner", "Value": "me"},
        ]

        saved.delete()
        with pytest.raises(ClientError) as excinfo:
            api.Context.load(context_name=name, sagemaker_session=session)
        assert client_error(excinfo) == (
            "ResourceNotFound",
            f"Context {created.context_arn} does not exist.",
        )

    def test_context_list_filters_and_pages(self, session: Any) -> None:
        api = self.api
        prefix = unique("list")
        names = []
        for i in range(7):
            kind, uri = ("Alpha", f"s3://b/{prefix}/a") if i < 5 else ("Beta", f"s3://b/{prefix}/b")
            names.append(f"{prefix}-{i}")
            api.Context.create(
                context_name=names[-1], source_uri=uri, context_type=kind, sagemaker_session=session
            )

        def listed(**kw: Any) -> list[str]:
            return [s.context_name for s in api.Context.list(sagemaker_session=session, **kw)]

        # max_results=2: the SDK follows NextToken through four pages.
        assert listed(sort_by="CreationTime", sort_order="Ascending", max_results=2) == names
        assert listed() == names[::-1]  # default: CreationTime, Descending
        assert listed(context_type="Alpha", max_results=3) == names[4::-1]
        assert listed(source_uri=f"s3://b/{prefix}/b", sort_order="Ascending") == names[5:]
        assert listed(sort_by="Name", sort_order="Descending") == sorted(names, reverse=True)
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        assert listed(created_after=tomorrow) == []
        assert len(listed(created_before=tomorrow)) == 7

        summary = next(iter(api.Context.list(sagemaker_session=session, max_results=1)))
        assert summary.context_name == names[-1]
        assert summary.source.source_uri == f"s3://b/{prefix}/b"
        assert summary.context_type == "Beta"
        assert isinstance(summary.creation_time, dt.datetime)
        assert isinstance(summary.last_modified_time, dt.datetime)

    def test_context_duplicate_and_missing(self, session: Any, region: str) -> None:
        api = self.api
        name = unique("Dup")
        api.Context.create(
            context_name=name, source_uri="s3://b/k", context_type="T", sagemaker_session=session
        )
        with pytest.raises(ClientError) as excinfo:
            api.Context.create(
                context_name=name.upper(),
                source_uri="s3://b/k",
                context_type="T",
                sagemaker_session=session,
            )
        code, message = client_error(excinfo)
        assert code == "ValidationException"
        assert "already exists" in message

        with pytest.raises(ClientError) as excinfo:
            api.Context.load(context_name="does-not-exist", sagemaker_session=session)
        assert client_error(excinfo) == (
            "ResourceNotFound",
            f"Context {arn(region, 'context', 'does-not-exist')} does not exist.",
        )

    def test_session_from_environment(
        self, server: Server, region: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A plain ``Session()`` finds stemma through ``AWS_ENDPOINT_URL_SAGEMAKER``."""
        import boto3

        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", server.url)
        session = self.api.Session(boto_session=boto3.Session(region_name=region))
        name = unique("Env")
        self.api.Context.create(
            context_name=name, source_uri="s3://b/env", context_type="T", sagemaker_session=session
        )
        loaded = self.api.Context.load(context_name=name, sagemaker_session=session)
        assert loaded.context_arn == arn(region, "context", name)
        described = boto_client(server.url, region).describe_context(ContextName=name)
        assert described["ContextArn"] == loaded.context_arn

    # -- artifacts ---------------------------------------------------------------------------

    def test_artifact_create_load_save_list_delete(self, session: Any, region: str) -> None:
        api = self.api
        uri = f"s3://bucket/{unique('data')}/train.csv"
        created = api.Artifact.create(
            artifact_name="train-data",
            source_uri=uri,
            source_types=[{"SourceIdType": "S3ETag", "Value": "etag-1"}],
            artifact_type="DataSet",
            properties={"rows": "100"},
            tags=[{"Key": "team", "Value": "ml"}],
            sagemaker_session=session,
        )
        assert re.fullmatch(artifact_arn_pattern(region), created.artifact_arn)

        loaded = api.Artifact.load(artifact_arn=created.artifact_arn, sagemaker_session=session)
        assert loaded.artifact_name == "train-data"
        assert loaded.artifact_type == "DataSet"
        assert loaded.source.source_uri == uri
        assert loaded.source.source_types == [{"SourceIdType": "S3ETag", "Value": "etag-1"}]
        assert loaded.properties == {"rows": "100"}
        assert loaded.created_by == {}
        assert loaded.lineage_group_arn.endswith(DEFAULT_LINEAGE_GROUP)

        loaded.artifact_name = "renamed"
        loaded.properties = {"cols": "7"}
        loaded.properties_to_remove = ["rows"]
        loaded.save()
        saved = api.DatasetArtifact.load(
            artifact_arn=created.artifact_arn, sagemaker_session=session
        )
        assert isinstance(saved, api.DatasetArtifact)
        assert saved.artifact_name == "renamed"
        assert saved.properties == {"cols": "7"}

        # One artifact per source (reference §3.5): the same source again is a duplicate.
        with pytest.raises(ClientError) as excinfo:
            api.Artifact.create(
                source_uri=uri,
                source_types=[{"SourceIdType": "S3ETag", "Value": "etag-1"}],
                artifact_type="DataSet",
                sagemaker_session=session,
            )
        code, message = client_error(excinfo)
        assert (code, "already exists" in message) == ("ValidationException", True)
        # Another ETag is another artifact, with the same URI.
        other = api.Artifact.create(
            source_uri=uri,
            source_types=[{"SourceIdType": "S3ETag", "Value": "etag-2"}],
            artifact_type="DataSet",
            sagemaker_session=session,
        )
        assert other.artifact_arn != created.artifact_arn

        summaries = list(
            api.Artifact.list(
                source_uri=uri, sort_order="Ascending", max_results=1, sagemaker_session=session
            )
        )
        assert [s.artifact_arn for s in summaries] == [created.artifact_arn, other.artifact_arn]
        assert summaries[0].artifact_name == "renamed"
        assert summaries[0].artifact_type == "DataSet"
        assert summaries[0].source.source_uri == uri
        assert summaries[0].source.source_types == [{"SourceIdType": "S3ETag", "Value": "etag-1"}]
        assert [s.artifact_arn for s in api.Artifact.list(sagemaker_session=session)] == [
            other.artifact_arn,
            created.artifact_arn,
        ]
        assert list(api.Artifact.list(artifact_type="Model", sagemaker_session=session)) == []

        saved.delete()
        with pytest.raises(ClientError) as excinfo:
            api.Artifact.load(artifact_arn=created.artifact_arn, sagemaker_session=session)
        assert client_error(excinfo) == (
            "ResourceNotFound",
            f"Artifact {created.artifact_arn} does not exist.",
        )
        assert [s.artifact_arn for s in api.Artifact.list(sagemaker_session=session)] == [
            other.artifact_arn
        ]

    # -- actions -----------------------------------------------------------------------------

    def test_action_create_load_save_list_delete(self, session: Any, region: str) -> None:
        api = self.api
        name = unique("Train")
        created = api.Action.create(
            action_name=name,
            source_uri="arn:aws:sagemaker:training-job/job-1",
            source_type="SageMakerTrainingJob",
            action_type="Training",
            description="train it",
            status="InProgress",
            properties={"epochs": "3"},
            sagemaker_session=session,
        )
        assert created.action_arn == arn(region, "action", name)

        loaded = api.Action.load(action_name=name, sagemaker_session=session)
        assert loaded.action_name == name
        assert loaded.action_type == "Training"
        assert loaded.status == "InProgress"
        assert loaded.description == "train it"
        assert loaded.properties == {"epochs": "3"}
        assert loaded.source.source_uri == "arn:aws:sagemaker:training-job/job-1"
        assert loaded.source.source_type == "SageMakerTrainingJob"
        assert loaded.lineage_group_arn.endswith(DEFAULT_LINEAGE_GROUP)

        loaded.status = "Completed"
        loaded.properties = {"loss": "0.1"}
        loaded.properties_to_remove = ["epochs"]
        loaded.save()
        saved = api.Action.load(action_name=name.lower(), sagemaker_session=session)
        assert saved.status == "Completed"
        assert saved.properties == {"loss": "0.1"}

        api.Action.create(
            action_name=unique("Deploy"),
            source_uri="arn:aws:sagemaker:endpoint/e",
            action_type="ModelDeployment",
            sagemaker_session=session,
        )
        listed = list(api.Action.list(action_type="Training", sagemaker_session=session))
        assert [s.action_name for s in listed] == [name]
        assert listed[0].status == "Completed"
        assert listed[0].source.source_uri == "arn:aws:sagemaker:training-job/job-1"
        assert len(list(api.Action.list(max_results=1, sagemaker_session=session))) == 2

        saved.delete()
        with pytest.raises(ClientError) as excinfo:
            api.Action.load(action_name=name, sagemaker_session=session)
        assert client_error(excinfo) == (
            "ResourceNotFound",
            f"Action {created.action_arn} does not exist.",
        )

    # -- associations ------------------------------------------------------------------------

    def test_association_create_list_delete(self, session: Any) -> None:
        api = self.api
        data = api.Artifact.create(
            artifact_name="data",
            source_uri=f"s3://b/{unique()}",
            artifact_type="DataSet",
            sagemaker_session=session,
        )
        job = api.Action.create(
            action_name=unique("Job"),
            source_uri="arn:job",
            action_type="Training",
            sagemaker_session=session,
        )
        endpoint = api.Context.create(
            context_name=unique("Ep"),
            source_uri="arn:ep",
            context_type="Endpoint",
            sagemaker_session=session,
        )
        made = api.Association.create(
            source_arn=data.artifact_arn,
            destination_arn=job.action_arn,
            association_type="ContributedTo",
            sagemaker_session=session,
        )
        assert (made.source_arn, made.destination_arn) == (data.artifact_arn, job.action_arn)
        api.Association.create(
            source_arn=job.action_arn,
            destination_arn=endpoint.context_arn,
            sagemaker_session=session,
        )

        out_of_data = list(
            api.Association.list(source_arn=data.artifact_arn, sagemaker_session=session)
        )
        assert len(out_of_data) == 1
        summary = out_of_data[0]
        assert summary.source_arn == data.artifact_arn
        assert summary.destination_arn == job.action_arn
        assert summary.source_type == "DataSet"
        assert summary.destination_type == "Training"
        assert summary.association_type == "ContributedTo"
        assert summary.source_name == "data"
        assert summary.destination_name == job.action_name
        assert isinstance(summary.creation_time, dt.datetime)
        assert getattr(summary, "created_by", None) is None  # omitted, unlike Describe's {} (D24)

        into_endpoint = list(
            api.Association.list(destination_arn=endpoint.context_arn, sagemaker_session=session)
        )
        assert [(s.source_arn, s.association_type) for s in into_endpoint] == [
            (job.action_arn, None)
        ]
        by_type = api.Association.list(destination_type="Endpoint", sagemaker_session=session)
        assert [s.destination_arn for s in by_type] == [endpoint.context_arn]
        assert len(list(api.Association.list(max_results=1, sagemaker_session=session))) == 2

        with pytest.raises(ClientError) as excinfo:
            api.Association.create(
                source_arn=data.artifact_arn,
                destination_arn=job.action_arn,
                association_type="AssociatedWith",
                sagemaker_session=session,
            )
        code, message = client_error(excinfo)
        assert (code, "already exists" in message) == ("ValidationException", True)

        missing = job.action_arn.replace(job.action_name.lower(), "no-such-action")
        with pytest.raises(ClientError) as excinfo:
            api.Association.create(
                source_arn=data.artifact_arn, destination_arn=missing, sagemaker_session=session
            )
        assert client_error(excinfo) == ("ResourceNotFound", f"Action {missing} does not exist.")

        api.Association(
            source_arn=data.artifact_arn,
            destination_arn=job.action_arn,
            sagemaker_session=session,
        ).delete()
        assert (
            list(api.Association.list(source_arn=data.artifact_arn, sagemaker_session=session))
            == []
        )
        with pytest.raises(ClientError) as excinfo:
            made.delete()
        assert client_error(excinfo)[0] == "ResourceNotFound"

    def test_delete_disassociate_pages_through_every_association(
        self, session: Any, sm: Any
    ) -> None:
        """``delete(disassociate=True)`` deletes while lazily paging ListAssociations (D30)."""
        api = self.api
        hub = api.Context.create(
            context_name=unique("Hub"),
            source_uri="s",
            context_type="Hub",
            sagemaker_session=session,
        )
        actions = [
            api.Action.create(
                action_name=unique(f"out{i}"),
                source_uri="s",
                action_type="Step",
                sagemaker_session=session,
            )
            for i in range(13)
        ]
        artifacts = [
            api.Artifact.create(
                source_uri=f"s3://b/{unique()}", artifact_type="DataSet", sagemaker_session=session
            )
            for _ in range(3)
        ]
        for action in actions:
            api.Association.create(
                source_arn=hub.context_arn,
                destination_arn=action.action_arn,
                sagemaker_session=session,
            )
        for artifact in artifacts:
            api.Association.create(
                source_arn=artifact.artifact_arn,
                destination_arn=hub.context_arn,
                sagemaker_session=session,
            )
        # An association that does not touch the hub must survive: the filters must apply.
        api.Association.create(
            source_arn=artifacts[0].artifact_arn,
            destination_arn=actions[0].action_arn,
            sagemaker_session=session,
        )

        deleted: list[tuple[str, str]] = []

        def record(params: dict[str, Any], **_: Any) -> None:
            deleted.append((params["SourceArn"], params["DestinationArn"]))

        session.sagemaker_client.meta.events.register(
            "provide-client-params.sagemaker.DeleteAssociation", record
        )
        hub.delete(disassociate=True)

        expected = {(hub.context_arn, a.action_arn) for a in actions}
        expected |= {(a.artifact_arn, hub.context_arn) for a in artifacts}
        assert len(deleted) == len(expected) == 16
        assert set(deleted) == expected
        with pytest.raises(ClientError) as excinfo:
            api.Context.load(context_name=hub.context_name, sagemaker_session=session)
        assert client_error(excinfo)[0] == "ResourceNotFound"
        remaining = sm.list_associations()["AssociationSummaries"]
        assert [(s["SourceArn"], s["DestinationArn"]) for s in remaining] == [
            (artifacts[0].artifact_arn, actions[0].action_arn)
        ]

        artifacts[0].delete(disassociate=True)
        actions[1].delete(disassociate=True)
        assert sm.list_associations()["AssociationSummaries"] == []
        assert len(list(api.Artifact.list(sagemaker_session=session))) == 2
        assert len(list(api.Action.list(sagemaker_session=session))) == 12

    # -- QueryLineage ------------------------------------------------------------------------

    def test_lineage_query_worked_example(self, session: Any, graph: Graph) -> None:
        """Each query of reference §6.8, through ``LineageQuery`` and ``LineageFilter``."""
        api = self.api
        Direction, Entity, Source = (
            api.LineageQueryDirectionEnum,
            api.LineageEntityEnum,
            api.LineageSourceEnum,
        )
        query = api.LineageQuery(session)

        def run(**kw: Any) -> tuple[list[str], list[tuple[str, str]]]:
            result = query.query(start_arns=[graph.a2.artifact_arn], **kw)
            vertices = [graph.name_of(v.arn) for v in result.vertices]
            edges = [
                (graph.name_of(e.source_arn), graph.name_of(e.destination_arn))
                for e in result.edges
            ]
            return vertices, edges

        assert run(
            direction=Direction.ASCENDANTS,
            include_edges=False,
            query_filter=api.LineageFilter(entities=[Entity.ARTIFACT], sources=[Source.DATASET]),
        ) == (["A1"], [])
        assert run(direction=Direction.DESCENDANTS, include_edges=True) == (
            ["A2", "C1"],
            [("A2", "C1")],
        )
        assert run(
            direction=Direction.BOTH,
            include_edges=False,
            query_filter=api.LineageFilter(sources=[Source.ENDPOINT]),
        ) == (["C1", "C2"], [])
        assert run(direction=Direction.BOTH, include_edges=False, max_depth=2) == (
            ["X1", "C1", "A1", "A3"],
            [],
        )
        assert run(
            direction=Direction.ASCENDANTS,
            include_edges=True,
            query_filter=api.LineageFilter(sources=[Source.DATASET]),
        ) == (["A2", "X1", "A1"], [("X1", "A2"), ("A1", "X1")])

        # The SDK's defaults (Both, edges on, depth 10, no filter): the whole connected graph.
        vertices, edges = run()
        assert vertices[0] == "A2"
        assert sorted(vertices) == ["A1", "A2", "A3", "A4", "C1", "C2", "X1", "X2"]
        assert sorted(edges) == sorted(
            [
                ("A1", "X1"),
                ("A3", "X1"),
                ("X1", "A2"),
                ("A2", "C1"),
                ("A3", "X2"),
                ("X2", "A4"),
                ("A4", "C2"),
            ]
        )
        result = query.query(start_arns=[graph.a2.artifact_arn], direction=Direction.DESCENDANTS)
        assert {e.association_type for e in result.edges} == {"ContributedTo"}

        # Filters by property (any pair matches) and by creation time.
        by_property = query.query(
            start_arns=[graph.c1.context_arn],
            direction=Direction.ASCENDANTS,
            include_edges=False,
            query_filter=api.LineageFilter(properties={"stage": "raw", "other": "x"}),
        )
        assert [graph.name_of(v.arn) for v in by_property.vertices] == ["A1"]
        later = query.query(
            start_arns=[graph.c1.context_arn],
            include_edges=False,
            query_filter=api.LineageFilter(
                created_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
            ),
        )
        assert (later.vertices, later.edges) == ([], [])

    def test_vertices_become_lineage_objects(self, session: Any, graph: Graph) -> None:
        api = self.api
        result = api.LineageQuery(session).query(
            start_arns=[graph.a2.artifact_arn], include_edges=False
        )
        by_name = {graph.name_of(v.arn): v for v in result.vertices}
        assert (by_name["C1"].lineage_entity, by_name["C1"].lineage_source) == (
            "Context",
            "Endpoint",
        )
        assert (by_name["A1"].lineage_entity, by_name["A1"].lineage_source) == (
            "Artifact",
            "DataSet",
        )
        assert (by_name["X1"].lineage_entity, by_name["X1"].lineage_source) == (
            "Action",
            "Training",
        )

        endpoint = by_name["C1"].to_lineage_object()
        assert isinstance(endpoint, api.EndpointContext)
        assert endpoint.context_name == graph.c1.context_name  # original case, loaded by ARN name
        dataset = by_name["A1"].to_lineage_object()
        assert isinstance(dataset, api.DatasetArtifact)
        assert dataset.artifact_name == graph.a1.artifact_name
        model = by_name["A4"].to_lineage_object()
        assert isinstance(model, api.ModelArtifact)
        action = by_name["X1"].to_lineage_object()
        assert isinstance(action, api.Action)
        assert action.action_name == graph.x1.action_name

    def test_convenience_queries(self, session: Any, graph: Graph) -> None:
        """The SDK's typed helpers, each one QueryLineage plus a Describe per vertex."""
        api = self.api
        model = api.ModelArtifact.load(
            artifact_arn=graph.a2.artifact_arn, sagemaker_session=session
        )
        assert [a.artifact_arn for a in model.dataset_artifacts()] == [graph.a1.artifact_arn]
        assert [c.context_arn for c in model.endpoint_contexts()] == [graph.c1.context_arn]

        endpoint = api.EndpointContext.load(
            context_name=graph.c1.context_name, sagemaker_session=session
        )
        datasets = endpoint.dataset_artifacts()
        assert [a.artifact_arn for a in datasets] == [graph.a1.artifact_arn]
        assert isinstance(datasets[0], api.DatasetArtifact)
        assert endpoint.models() == []  # no ModelDeployment action in this graph
        assert [
            a.action_arn for a in endpoint.actions(api.LineageQueryDirectionEnum.ASCENDANTS)
        ] == [graph.x1.action_arn]

        dataset = api.DatasetArtifact.load(
            artifact_arn=graph.a1.artifact_arn, sagemaker_session=session
        )
        assert [c.context_name for c in dataset.endpoint_contexts()] == [graph.c1.context_name]
        assert dataset.upstream_datasets() == []
        assert dataset.downstream_datasets() == []

        image = api.Artifact.load(artifact_arn=graph.a3.artifact_arn, sagemaker_session=session)
        assert image.artifact_type == "Image"
        job = api.Action.load(action_name=graph.x1.action_name, sagemaker_session=session)
        assert [
            a.artifact_arn for a in job.artifacts(api.LineageQueryDirectionEnum.DESCENDANTS)
        ] == [graph.a2.artifact_arn]

    def test_lineage_table_visualizer(self, session: Any, graph: Graph) -> None:
        """``LineageTableVisualizer.show`` lists incoming and outgoing associations."""
        table = self.api.LineageTableVisualizer(session).show(artifact_arn=graph.a2.artifact_arn)
        rows = table.values.tolist()
        assert rows == [
            [graph.x1.action_name, "Input", "Training", "Produced", "action"],
            [graph.c1.context_name, "Output", "Endpoint", "ContributedTo", "context"],
        ]
        # By endpoint ARN: the context whose SourceUri is that ARN is the start.
        endpoint = self.api.LineageTableVisualizer(session).show(
            endpoint_arn=f"arn:aws:sagemaker:endpoint/{graph.c1.context_name}"
        )
        assert endpoint.values.tolist() == [
            [graph.a2.artifact_name, "Input", "Model", "ContributedTo", "artifact"]
        ]
