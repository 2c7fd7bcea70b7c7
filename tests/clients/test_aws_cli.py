"""The AWS CLI v1 (``aws sagemaker ...``) against stemma, as a subprocess.

Runs in the ``sdk2`` client venv (``awscli<2``); see README.md here. The CLI is pointed at stemma
with ``--endpoint-url`` (and, in one test, ``AWS_ENDPOINT_URL_SAGEMAKER``), as reference §9.1 says.
Entities that a test only needs to exist are made with boto3, which is quicker than a CLI process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.clients.conftest import ACCOUNT_ID, DEFAULT_LINEAGE_GROUP, Server, arn, unique

AWS = Path(sys.executable).with_name("aws")


@dataclass
class Cli:
    """Runs ``aws sagemaker ...`` against one server, in one region."""

    url: str
    region: str

    def run(self, *args: str, via_env: bool = False) -> subprocess.CompletedProcess[str]:
        # The CLI's own retry defaults (legacy mode), so that errors read as users see them:
        # with AWS_MAX_ATTEMPTS set, botocore appends "(reached max retries: 0)" to messages.
        env = {
            k: v for k, v in os.environ.items() if k not in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE")
        }
        command = [str(AWS), "--region", self.region, "--output", "json"]
        if via_env:
            env["AWS_ENDPOINT_URL_SAGEMAKER"] = self.url
        else:
            command += ["--endpoint-url", self.url]
        command += ["sagemaker", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    def json(self, *args: str, via_env: bool = False) -> Any:
        done = self.run(*args, via_env=via_env)
        assert done.returncode == 0, f"aws sagemaker {' '.join(args)}: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else None

    def error(self, *args: str) -> str:
        """The single error line of a failing command, after checking the exit code."""
        done = self.run(*args)
        assert done.returncode == 255, (done.returncode, done.stdout, done.stderr)
        assert done.stdout == ""
        return done.stderr.strip()

    def requests(self, operation: str, *args: str) -> tuple[Any, int]:
        """Output of a command and how many ``operation`` requests it sent (from ``--debug``)."""
        done = self.run(*args, "--debug")
        assert done.returncode == 0, done.stderr[-3000:]
        sent = done.stderr.count(f"Making request for OperationModel(name={operation})")
        return json.loads(done.stdout), sent


@pytest.fixture
def cli(server: Server, region: str) -> Cli:
    assert AWS.exists(), f"the AWS CLI is not installed in this venv ({AWS})"
    return Cli(server.url, region)


def make_contexts(sm: Any, count: int, **kw: Any) -> list[str]:
    """``count`` contexts created in name order, so creation order and name order agree."""
    prefix = unique("c")
    names = [f"{prefix}-{i:02d}" for i in range(count)]
    for name in names:
        sm.create_context(
            ContextName=name,
            Source={"SourceUri": kw.get("uri", "s3://b/k")},
            ContextType=kw.get("kind", "T"),
        )
    return names


def names_of(output: dict[str, Any]) -> list[str]:
    return [s["ContextName"] for s in output["ContextSummaries"]]


def test_version_is_v1() -> None:
    done = subprocess.run([str(AWS), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert re.match(r"aws-cli/1\.", done.stdout + done.stderr)


def test_context_create_describe_update_delete(cli: Cli, region: str) -> None:
    name = unique("Ctx")
    created = cli.json(
        "create-context",
        "--context-name", name,
        "--source", "SourceUri=s3://b/k,SourceType=S3Prefix",
        "--context-type", "Endpoint",
        "--description", "first",
        "--properties", "k1=v1,k2=v2",
        "--tags", "Key=team,Value=ml",
    )  # fmt: skip
    context_arn = arn(region, "context", name)
    assert created == {"ContextArn": context_arn}

    described = cli.json("describe-context", "--context-name", name)
    assert set(described) == {
        "ContextName", "ContextArn", "Source", "ContextType", "Description", "Properties",
        "CreationTime", "CreatedBy", "LastModifiedTime", "LastModifiedBy", "LineageGroupArn",
    }  # fmt: skip
    assert described["ContextName"] == name
    assert described["ContextArn"] == context_arn
    assert described["Source"] == {"SourceUri": "s3://b/k", "SourceType": "S3Prefix"}
    assert described["ContextType"] == "Endpoint"
    assert described["Description"] == "first"
    assert described["Properties"] == {"k1": "v1", "k2": "v2"}
    assert described["CreatedBy"] == described["LastModifiedBy"] == {}
    assert described["LineageGroupArn"] == (
        f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{DEFAULT_LINEAGE_GROUP}"
    )
    # The CLI prints timestamps exactly as received: epoch seconds as JSON numbers (D7).
    assert isinstance(described["CreationTime"], int | float)
    assert described["LastModifiedTime"] == described["CreationTime"]
    assert cli.json("describe-context", "--context-name", context_arn) == described

    updated = cli.json(
        "update-context",
        "--context-name", name,
        "--description", "second",
        "--properties", "k3=v3",
        "--properties-to-remove", "k1",
    )  # fmt: skip
    assert updated == {"ContextArn": context_arn}
    described = cli.json("describe-context", "--context-name", name)
    assert described["Description"] == "second"
    assert described["Properties"] == {"k2": "v2", "k3": "v3"}
    assert described["LastModifiedTime"] >= described["CreationTime"]

    assert cli.json("list-tags", "--resource-arn", context_arn)["Tags"] == [
        {"Key": "team", "Value": "ml"}
    ]
    assert cli.json("delete-context", "--context-name", name) == {"ContextArn": context_arn}
    assert cli.error("describe-context", "--context-name", name) == (
        "An error occurred (ResourceNotFound) when calling the DescribeContext operation: "
        f"Context {context_arn} does not exist."
    )
    assert cli.error("delete-context", "--context-name", name) == (
        "An error occurred (ResourceNotFound) when calling the DeleteContext operation: "
        f"Context {context_arn} does not exist."
    )


def test_endpoint_from_environment(cli: Cli, region: str) -> None:
    """``AWS_ENDPOINT_URL_SAGEMAKER`` instead of ``--endpoint-url``."""
    name = unique("Env")
    created = cli.json(
        "create-context",
        "--context-name", name,
        "--source", "SourceUri=s3://b/env",
        "--context-type", "T",
        via_env=True,
    )  # fmt: skip
    assert created == {"ContextArn": arn(region, "context", name)}
    assert names_of(cli.json("list-contexts", via_env=True)) == [name]


def test_list_contexts_auto_paginates(cli: Cli, sm: Any) -> None:
    names = make_contexts(sm, 7)

    # --page-size is MaxResults; the CLI follows NextToken until the last page (4 requests).
    output, sent = cli.requests("ListContexts", "list-contexts", "--page-size", "2")
    assert names_of(output) == names[::-1]  # default: CreationTime, Descending
    assert "NextToken" not in output
    assert sent == 4

    output, sent = cli.requests(
        "ListContexts", "list-contexts", "--sort-by", "Name", "--sort-order", "Ascending",
        "--page-size", "3",
    )  # fmt: skip
    assert names_of(output) == names
    assert sent == 3

    # Without a page size: stemma's default page of 10 holds all seven, one request.
    output, sent = cli.requests("ListContexts", "list-contexts")
    assert names_of(output) == names[::-1]
    assert sent == 1

    # --no-paginate: one call, and the server's own NextToken is printed.
    first = cli.json("list-contexts", "--no-paginate", "--max-results", "2")
    assert names_of(first) == names[:-3:-1]
    assert first["NextToken"]
    second = cli.json(
        "list-contexts", "--no-paginate", "--max-results", "5", f"--next-token={first['NextToken']}"
    )
    assert names_of(second) == names[-3::-1]
    assert "NextToken" not in second


def test_list_contexts_max_items_and_starting_token(cli: Cli, sm: Any) -> None:
    names = make_contexts(sm, 7)
    args = ("list-contexts", "--sort-order", "Ascending", "--page-size", "2", "--max-items", "3")

    first = cli.json(*args)
    assert names_of(first) == names[:3]
    assert first["NextToken"]  # the CLI's own token: server token plus items to skip
    second = cli.json(*args, "--starting-token", first["NextToken"])
    assert names_of(second) == names[3:6]
    assert second["NextToken"]
    third = cli.json(*args, "--starting-token", second["NextToken"])
    assert names_of(third) == names[6:]
    assert "NextToken" not in third


def test_list_contexts_filters(cli: Cli, sm: Any) -> None:
    alphas = make_contexts(sm, 3, kind="Alpha", uri="s3://b/alpha")
    betas = make_contexts(sm, 2, kind="Beta", uri="s3://b/beta")
    output = cli.json("list-contexts", "--context-type", "Alpha", "--page-size", "1")
    assert names_of(output) == alphas[::-1]
    output = cli.json("list-contexts", "--source-uri", "s3://b/beta", "--sort-order", "Ascending")
    assert names_of(output) == betas
    output = cli.json("list-contexts", "--created-after", "2100-01-01T00:00:00Z")
    assert output["ContextSummaries"] == []
    output = cli.json("list-contexts", "--created-before", "2100-01-01T00:00:00Z")
    assert len(output["ContextSummaries"]) == 5


def test_next_tokens_never_start_with_a_dash(sm: Any) -> None:
    """``aws ... --next-token TOKEN`` parses a TOKEN that starts with ``-`` as an option.

    The CLI then fails with "argument --next-token: expected one argument" (users would have to
    know to write ``--next-token=TOKEN``). The paging tests above use the ``=`` form so as not to
    depend on this; here many distinct tokens are sampled, since their first character varies.
    """
    for i in range(2):
        sm.create_context(ContextName=f"c{i}", Source={"SourceUri": "s"}, ContextType="T")
    tokens = [
        sm.list_contexts(MaxResults=1, CreatedAfter=1_000_000 + i)["NextToken"] for i in range(300)
    ]
    assert len(set(tokens)) == 300
    assert [t for t in tokens if t.startswith("-")] == []


def test_errors_exit_255_with_the_aws_message(cli: Cli, sm: Any, region: str) -> None:
    assert cli.error("describe-context", "--context-name", "Nope") == (
        "An error occurred (ResourceNotFound) when calling the DescribeContext operation: "
        f"Context {arn(region, 'context', 'nope')} does not exist."
    )

    (name,) = make_contexts(sm, 1)
    line = cli.error(
        "create-context", "--context-name", name.upper(), "--source", "SourceUri=s3://b/k",
        "--context-type", "T",
    )  # fmt: skip
    assert line.startswith(
        "An error occurred (ValidationException) when calling the CreateContext operation: "
    )
    assert "already exists" in line

    line = cli.error(
        "create-context", "--context-name", "bad name!", "--source", "SourceUri=s3://b/k",
        "--context-type", "T",
    )  # fmt: skip
    assert line == (
        "An error occurred (ValidationException) when calling the CreateContext operation: "
        "1 validation error detected: Value 'bad name!' at 'contextName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,119}"
    )

    line = cli.error("list-contexts", "--no-paginate", "--max-results", "101")
    assert line == (
        "An error occurred (ValidationException) when calling the ListContexts operation: "
        "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )

    line = cli.error("list-contexts", "--no-paginate", "--next-token", "not-a-token")
    assert line == (
        "An error occurred (ValidationException) when calling the ListContexts operation: "
        "Invalid NextToken."
    )


def test_tags(cli: Cli, sm: Any, region: str) -> None:
    (name,) = make_contexts(sm, 1)
    resource = arn(region, "context", name)
    added = cli.json(
        "add-tags", "--resource-arn", resource, "--tags", "Key=a,Value=1", "Key=b,Value=2"
    )
    assert added == {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}
    cli.json("add-tags", "--resource-arn", resource, "--tags", "Key=a,Value=one")
    assert cli.json("list-tags", "--resource-arn", resource)["Tags"] == [
        {"Key": "a", "Value": "one"},
        {"Key": "b", "Value": "2"},
    ]
    assert cli.json("delete-tags", "--resource-arn", resource, "--tag-keys", "a") is None
    assert cli.json("list-tags", "--resource-arn", resource)["Tags"] == [{"Key": "b", "Value": "2"}]
    missing = arn(region, "context", "missing")
    assert cli.error("list-tags", "--resource-arn", missing) == (
        "An error occurred (ValidationException) when calling the ListTags operation: "
        "Resource does not exist"
    )


def test_artifacts(cli: Cli, region: str) -> None:
    uri = f"s3://bucket/{unique('data')}/train.csv"
    created = [
        cli.json(
            "create-artifact",
            "--artifact-name", f"data-{etag}",
            "--source", f"SourceUri={uri},SourceTypes=[{{SourceIdType=S3ETag,Value={etag}}}]",
            "--artifact-type", "DataSet",
            "--properties", "rows=10",
        )["ArtifactArn"]
        for etag in ("e1", "e2", "e3")
    ]  # fmt: skip
    for artifact_arn in created:
        assert re.fullmatch(
            rf"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:artifact/[0-9a-f]{{32}}", artifact_arn
        )
    assert len(set(created)) == 3

    described = cli.json("describe-artifact", "--artifact-arn", created[0])
    assert described["ArtifactName"] == "data-e1"
    assert described["Source"] == {
        "SourceUri": uri,
        "SourceTypes": [{"SourceIdType": "S3ETag", "Value": "e1"}],
    }
    assert described["ArtifactType"] == "DataSet"
    assert described["Properties"] == {"rows": "10"}
    assert described["LineageGroupArn"].endswith(DEFAULT_LINEAGE_GROUP)

    listed = cli.json(
        "list-artifacts", "--source-uri", uri, "--sort-order", "Ascending", "--page-size", "1"
    )
    assert [s["ArtifactArn"] for s in listed["ArtifactSummaries"]] == created
    assert listed["ArtifactSummaries"][1]["Source"]["SourceTypes"] == [
        {"SourceIdType": "S3ETag", "Value": "e2"}
    ]

    assert cli.json(
        "update-artifact", "--artifact-arn", created[0], "--artifact-name", "renamed",
        "--properties", "cols=3", "--properties-to-remove", "rows",
    ) == {"ArtifactArn": created[0]}  # fmt: skip
    described = cli.json("describe-artifact", "--artifact-arn", created[0])
    assert (described["ArtifactName"], described["Properties"]) == ("renamed", {"cols": "3"})

    # DeleteArtifact by Source alone (reference §4.6, D33).
    deleted = cli.json(
        "delete-artifact",
        "--source", f"SourceUri={uri},SourceTypes=[{{SourceIdType=S3ETag,Value=e2}}]",
    )  # fmt: skip
    assert deleted == {"ArtifactArn": created[1]}
    assert cli.json("delete-artifact", "--artifact-arn", created[0]) == {"ArtifactArn": created[0]}
    assert cli.error("describe-artifact", "--artifact-arn", created[0]) == (
        "An error occurred (ResourceNotFound) when calling the DescribeArtifact operation: "
        f"Artifact {created[0]} does not exist."
    )
    listed = cli.json("list-artifacts")
    assert [s["ArtifactArn"] for s in listed["ArtifactSummaries"]] == [created[2]]


def test_actions(cli: Cli, region: str) -> None:
    name = unique("Train")
    action_arn = arn(region, "action", name)
    assert cli.json(
        "create-action", "--action-name", name,
        "--source", "SourceUri=arn:aws:sagemaker:training-job/j1,SourceType=SageMakerTrainingJob",
        "--action-type", "Training", "--status", "InProgress", "--properties", "epochs=3",
    ) == {"ActionArn": action_arn}  # fmt: skip
    described = cli.json("describe-action", "--action-name", name)
    assert described["ActionName"] == name
    assert described["ActionArn"] == action_arn
    assert described["Status"] == "InProgress"
    assert described["ActionType"] == "Training"

    assert cli.json("update-action", "--action-name", name, "--status", "Completed") == {
        "ActionArn": action_arn
    }
    listed = cli.json("list-actions", "--action-type", "Training", "--page-size", "1")
    assert [(s["ActionName"], s["Status"]) for s in listed["ActionSummaries"]] == [
        (name, "Completed")
    ]
    assert cli.json("delete-action", "--action-name", name) == {"ActionArn": action_arn}
    assert cli.error("describe-action", "--action-name", name) == (
        "An error occurred (ResourceNotFound) when calling the DescribeAction operation: "
        f"Action {action_arn} does not exist."
    )


@pytest.fixture
def chain(sm: Any) -> dict[str, str]:
    """data (DataSet) → train (Training) → model (Model) → endpoint (Endpoint), no associations."""
    tag = unique("q")
    return {
        "data": sm.create_artifact(
            ArtifactName="data", Source={"SourceUri": f"s3://b/{tag}/data"}, ArtifactType="DataSet"
        )["ArtifactArn"],
        "train": sm.create_action(
            ActionName=f"{tag}-train", Source={"SourceUri": "arn:job"}, ActionType="Training"
        )["ActionArn"],
        "model": sm.create_artifact(
            ArtifactName="model", Source={"SourceUri": f"s3://b/{tag}/model"}, ArtifactType="Model"
        )["ArtifactArn"],
        "endpoint": sm.create_context(
            ContextName=f"{tag}-ep", Source={"SourceUri": "arn:ep"}, ContextType="Endpoint"
        )["ContextArn"],
    }


def test_associations(cli: Cli, chain: dict[str, str]) -> None:
    pairs = [("data", "train"), ("train", "model"), ("model", "endpoint")]
    for source, destination in pairs:
        added = cli.json(
            "add-association",
            "--source-arn", chain[source],
            "--destination-arn", chain[destination],
            "--association-type", "ContributedTo",
        )  # fmt: skip
        assert added == {"SourceArn": chain[source], "DestinationArn": chain[destination]}
    cli.json(
        "add-association", "--source-arn", chain["data"], "--destination-arn", chain["endpoint"]
    )

    listed = cli.json("list-associations", "--sort-order", "Ascending", "--page-size", "1")
    summaries = listed["AssociationSummaries"]
    assert [(s["SourceArn"], s["DestinationArn"]) for s in summaries] == [
        (chain[s], chain[d]) for s, d in [*pairs, ("data", "endpoint")]
    ]
    first = summaries[0]
    assert first["SourceType"] == "DataSet"
    assert first["DestinationType"] == "Training"
    assert first["AssociationType"] == "ContributedTo"
    assert first["SourceName"] == "data"
    assert "CreatedBy" not in first
    assert isinstance(first["CreationTime"], int | float)
    assert "AssociationType" not in summaries[3]  # never defaulted (D39)

    out_of_data = cli.json("list-associations", "--source-arn", chain["data"])
    assert [s["DestinationArn"] for s in out_of_data["AssociationSummaries"]] == [
        chain["endpoint"],
        chain["train"],
    ]
    into_models = cli.json("list-associations", "--destination-type", "Model")
    assert [s["SourceArn"] for s in into_models["AssociationSummaries"]] == [chain["train"]]

    line = cli.error(
        "add-association", "--source-arn", chain["data"], "--destination-arn", chain["train"]
    )
    assert line.startswith(
        "An error occurred (ValidationException) when calling the AddAssociation operation: "
    )
    assert "already exists" in line

    deleted = cli.json(
        "delete-association", "--source-arn", chain["data"], "--destination-arn", chain["endpoint"]
    )
    assert deleted == {"SourceArn": chain["data"], "DestinationArn": chain["endpoint"]}
    assert cli.error(
        "delete-association", "--source-arn", chain["data"], "--destination-arn", chain["endpoint"]
    ) == (
        "An error occurred (ResourceNotFound) when calling the DeleteAssociation operation: "
        f"Association with source {chain['data']} and destination {chain['endpoint']} "
        "does not exist."
    )


def test_query_lineage(cli: Cli, sm: Any, chain: dict[str, str]) -> None:
    for source, destination in [("data", "train"), ("train", "model"), ("model", "endpoint")]:
        sm.add_association(
            SourceArn=chain[source], DestinationArn=chain[destination], AssociationType="Produced"
        )
    by_arn = {value: key for key, value in chain.items()}

    def vertices(output: dict[str, Any]) -> list[tuple[str, str, str]]:
        return [(by_arn[v["Arn"]], v["Type"], v["LineageType"]) for v in output["Vertices"]]

    def edges(output: dict[str, Any]) -> list[tuple[str, str]]:
        return [(by_arn[e["SourceArn"]], by_arn[e["DestinationArn"]]) for e in output["Edges"]]

    down = cli.json(
        "query-lineage", "--start-arns", chain["data"], "--direction", "Descendants",
        "--include-edges",
    )  # fmt: skip
    assert vertices(down) == [
        ("data", "DataSet", "Artifact"),
        ("train", "Training", "Action"),
        ("model", "Model", "Artifact"),
        ("endpoint", "Endpoint", "Context"),
    ]
    assert edges(down) == [("data", "train"), ("train", "model"), ("model", "endpoint")]
    assert {e["AssociationType"] for e in down["Edges"]} == {"Produced"}

    up = cli.json(
        "query-lineage", "--start-arns", chain["endpoint"], "--direction", "Ascendants",
        "--no-include-edges", "--filters", json.dumps({"LineageTypes": ["Artifact"]}),
    )  # fmt: skip
    assert vertices(up) == [("model", "Model", "Artifact"), ("data", "DataSet", "Artifact")]
    assert up["Edges"] == []

    near = cli.json(
        "query-lineage", "--start-arns", chain["model"], "--direction", "Both", "--max-depth", "1"
    )
    assert sorted(by_arn[v["Arn"]] for v in near["Vertices"]) == ["endpoint", "train"]

    # query-lineage has no paginator: --max-results gives one page and the server's NextToken.
    page = cli.json(
        "query-lineage", "--start-arns", chain["data"], "--direction", "Descendants",
        "--max-results", "2",
    )  # fmt: skip
    assert [v for v, _, _ in vertices(page)] == ["train", "model"]
    assert page["NextToken"]
    rest = cli.json(
        "query-lineage", "--start-arns", chain["data"], "--direction", "Descendants",
        "--max-results", "2", f"--next-token={page['NextToken']}",
    )  # fmt: skip
    assert [v for v, _, _ in vertices(rest)] == ["endpoint"]
    assert "NextToken" not in rest

    missing = chain["train"].rsplit("/", 1)[0] + "/no-such-action"
    assert cli.error("query-lineage", "--start-arns", missing) == (
        "An error occurred (ResourceNotFound) when calling the QueryLineage operation: "
        f"Action {missing} does not exist."
    )


def test_lineage_groups(cli: Cli, sm: Any, region: str) -> None:
    """The default lineage group, created with the first entity (reference §3.6, D23)."""
    make_contexts(sm, 1)
    group_arn = f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{DEFAULT_LINEAGE_GROUP}"
    described = cli.json(
        "describe-lineage-group", "--lineage-group-name", "sagemaker-default-lineage-group"
    )
    assert described["LineageGroupName"] == "sagemaker-default-lineage-group"
    assert described["LineageGroupArn"] == group_arn
    listed = cli.json("list-lineage-groups")
    assert [g["LineageGroupArn"] for g in listed["LineageGroupSummaries"]] == [group_arn]
    line = cli.error("get-lineage-group-policy", "--lineage-group-name", group_arn)
    assert line.startswith(
        "An error occurred (ResourceNotFound) when calling the GetLineageGroupPolicy operation: "
    )
