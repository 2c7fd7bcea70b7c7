"""Artifacts over boto3: identity by source (§3.5, D21, D22), shapes (§2.4, §4.3), update (D31),
and tags (§4.7); deletes and lists are in test_artifact_deletes_and_lists.py."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.awsjson import error_message
from tests.conftest import Server, unique
from tests.service.artifacts_support import (
    ACCOUNT,
    create,
    expected_id,
    source,
    summaries,
)

# -- identity ---------------------------------------------------------------------------------


def test_arn_is_md5_of_canonical_source(sm: Any, region: str) -> None:
    types = [("S3ETag", "etag-1"), ("MD5Hash", "abc"), ("Custom", "z")]
    uri = unique("s3://bucket/key")
    arn = create(sm, uri, *types)
    assert arn == f"arn:aws:sagemaker:{region}:{ACCOUNT}:artifact/{expected_id(uri, types)}"
    assert re.fullmatch(r"arn:aws:sagemaker:[^:]+:\d{12}:artifact/[0-9a-f]{32}", arn)


def test_arn_without_source_types(sm: Any, region: str) -> None:
    uri = unique("s3://bucket/plain")
    arn = sm.create_artifact(Source={"SourceUri": uri}, ArtifactType="Model")["ArtifactArn"]
    assert arn.endswith("/" + expected_id(uri, []))


def test_arn_of_non_ascii_source_uses_utf8_json(sm: Any) -> None:
    # ensure_ascii=False: the UTF-8 bytes are hashed, not \\u escapes.
    uri = unique("s3://bücket/ключ/数据")
    types = [("Custom", "värde\u2028ü"), ("MD5Hash", "tab\there")]
    arn = create(sm, uri, *types)
    assert arn.rsplit("/", 1)[1] == expected_id(uri, types)
    escaped = json.dumps({"SourceUri": uri, "SourceTypes": []}, separators=(",", ":"))
    assert arn.rsplit("/", 1)[1] != hashlib.md5(escaped.encode()).hexdigest()


def test_same_id_in_another_region_and_account(
    sm: Any, server: Server, region: str, start_server: Callable[..., Server]
) -> None:
    uri = unique("s3://shared/data")
    types = [("S3Version", "v1")]
    here = create(sm, uri, *types)
    other_region = f"{region}x"
    there = create(server.client(other_region), uri, *types)
    other = start_server("--account-id", "111122223333").client(region)
    elsewhere = create(other, uri, *types)
    digest = expected_id(uri, types)
    assert here == f"arn:aws:sagemaker:{region}:{ACCOUNT}:artifact/{digest}"
    assert there == f"arn:aws:sagemaker:{other_region}:{ACCOUNT}:artifact/{digest}"
    assert elsewhere == f"arn:aws:sagemaker:{region}:111122223333:artifact/{digest}"


def test_partition_follows_region(server: Server) -> None:
    cn = server.client(f"cn-{unique('r')}")
    arn = create(cn)
    assert arn.startswith("arn:aws-cn:sagemaker:cn-")
    assert cn.describe_artifact(ArtifactArn=arn)["ArtifactArn"] == arn


def test_duplicate_source_already_exists_in_any_type_order(sm: Any) -> None:
    uri = unique("s3://dup/k")
    arn = create(sm, uri, ("MD5Hash", "m"), ("S3ETag", "e"))
    message = error_message(
        "ValidationException",
        sm.create_artifact,
        Source=source(uri, ("S3ETag", "e"), ("MD5Hash", "m")),
        ArtifactType="Other",
        ArtifactName="another-name",
    )
    assert "already exists" in message
    assert arn in message
    # Still exactly one artifact with that URI, unchanged.
    listed = sm.list_artifacts(SourceUri=uri)["ArtifactSummaries"]
    assert [s["ArtifactArn"] for s in listed] == [arn]
    assert listed[0]["ArtifactType"] == "DataSet"


def test_source_types_are_a_set(sm: Any) -> None:
    uri = unique("s3://set/k")
    arn = create(sm, uri, ("Custom", "a"))
    message = error_message(
        "ValidationException",
        sm.create_artifact,
        Source=source(uri, ("Custom", "a"), ("Custom", "a")),
        ArtifactType="DataSet",
    )
    assert "already exists" in message
    assert arn.rsplit("/", 1)[1] == expected_id(uri, [("Custom", "a"), ("Custom", "a")])


def test_same_uri_with_other_types_is_another_artifact(sm: Any) -> None:
    uri = unique("s3://multi/k")
    bare = create(sm, uri)
    typed = create(sm, uri, ("Custom", "a"))
    typed_other_value = create(sm, uri, ("Custom", "b"))
    typed_other_kind = create(sm, uri, ("MD5Hash", "a"))
    more = create(sm, uri, ("Custom", "a"), ("Custom", "b"))
    arns = {bare, typed, typed_other_value, typed_other_kind, more}
    assert len(arns) == 5
    assert {s["ArtifactArn"] for s in summaries(sm, SourceUri=uri)} == arns


def test_source_uri_is_case_sensitive(sm: Any) -> None:
    uri = unique("s3://Case/Key")
    upper = create(sm, uri)
    lower = create(sm, uri.lower())
    assert upper != lower
    assert sm.describe_artifact(ArtifactArn=upper)["Source"]["SourceUri"] == uri
    assert sm.describe_artifact(ArtifactArn=lower)["Source"]["SourceUri"] == uri.lower()


def test_name_is_optional_and_not_unique(sm: Any) -> None:
    first = create(sm, ArtifactName="foo")
    second = create(sm, ArtifactName="foo")
    unnamed = create(sm)
    assert len({first, second, unnamed}) == 3
    assert sm.describe_artifact(ArtifactArn=first)["ArtifactName"] == "foo"
    assert sm.describe_artifact(ArtifactArn=second)["ArtifactName"] == "foo"
    assert "ArtifactName" not in sm.describe_artifact(ArtifactArn=unnamed)


# -- create and describe shapes ---------------------------------------------------------------


def test_describe_returns_the_full_shape(sm: Any, region: str) -> None:
    uri = unique("s3://full/model.tar.gz")
    types = [("S3ETag", "e-1"), ("MD5Hash", "m-1"), ("Custom", "")]
    metadata = {
        "CommitId": "c" * 1024,
        "Repository": "https://example.com/repo.git",
        "GeneratedBy": "ci",
        "ProjectId": "p-1",
    }
    properties = {"big": "v" * 4096, "": "empty key", "k": ""}
    before = time.time()
    arn = create(
        sm,
        uri,
        *types,
        ArtifactName="My-Model",
        ArtifactType="Model",
        Properties=properties,
        MetadataProperties=metadata,
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    d = sm.describe_artifact(ArtifactArn=arn)
    d.pop("ResponseMetadata")
    created = d.pop("CreationTime")
    modified = d.pop("LastModifiedTime")
    assert d == {
        "ArtifactName": "My-Model",
        "ArtifactArn": arn,
        # SourceTypes in the order given at create (D8).
        "Source": source(uri, *types),
        "ArtifactType": "Model",
        "Properties": properties,
        "MetadataProperties": metadata,
        "CreatedBy": {},
        "LastModifiedBy": {},
        "LineageGroupArn": (
            f"arn:aws:sagemaker:{region}:{ACCOUNT}:lineage-group/sagemaker-default-lineage-group"
        ),
    }
    assert created == modified
    assert before - 1 <= created.timestamp() <= time.time() + 1


def test_minimal_create_describes_with_empty_containers(sm: Any) -> None:
    uri = unique("s3://min/k")
    arn = sm.create_artifact(Source={"SourceUri": uri}, ArtifactType="")["ArtifactArn"]
    d = sm.describe_artifact(ArtifactArn=arn)
    assert d["Source"] == {"SourceUri": uri, "SourceTypes": []}
    assert d["Properties"] == {}
    assert d["ArtifactType"] == ""
    for absent in ("ArtifactName", "MetadataProperties", "Description", "Status"):
        assert absent not in d


def test_property_values_up_to_4096(sm: Any) -> None:
    ok = create(sm, Properties={"k": "x" * 4096})
    assert sm.describe_artifact(ArtifactArn=ok)["Properties"]["k"] == "x" * 4096
    message = error_message(
        "ValidationException",
        sm.create_artifact,
        Source={"SourceUri": unique("s3://p/")},
        ArtifactType="T",
        Properties={"k": "x" * 4097},
    )
    assert message.startswith("1 validation error detected: ")
    assert "at 'properties'" in message
    assert "Member must have length less than or equal to 4096" in message


def test_property_key_limit_and_count(sm: Any) -> None:
    message = error_message(
        "ValidationException",
        sm.create_artifact,
        Source={"SourceUri": unique("s3://p/")},
        ArtifactType="T",
        Properties={"k" * 2501: "v"},
    )
    assert "Map keys must satisfy constraint" in message
    assert "less than or equal to 2500" in message
    message = error_message(
        "ValidationException",
        sm.create_artifact,
        Source={"SourceUri": unique("s3://p/")},
        ArtifactType="T",
        Properties={f"k{i}": "v" for i in range(31)},
    )
    assert "at 'properties'" in message
    assert "Member must have length less than or equal to 30" in message
    arn = create(sm, Properties={f"k{i}": "v" for i in range(30)})
    assert len(sm.describe_artifact(ArtifactArn=arn)["Properties"]) == 30


def test_shape_violations_are_validation_errors(sm: Any) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"ArtifactName": "bad_name"},
            "Value 'bad_name' at 'artifactName' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}",
        ),
        ({"ArtifactName": "n" * 121}, "Member must have length less than or equal to 120"),
        ({"ArtifactType": "t" * 257}, "at 'artifactType'"),
        ({"MetadataProperties": {"CommitId": "c" * 1025}}, "at 'metadataProperties.commitId'"),
        (
            {
                "Source": {
                    "SourceUri": "s3://x",
                    "SourceTypes": [{"SourceIdType": "Bogus", "Value": "v"}],
                }
            },
            "at 'source.sourceTypes.1.member.sourceIdType' failed to satisfy constraint: Member "
            "must satisfy enum value set: [MD5Hash, S3ETag, S3Version, Custom]",
        ),
        ({"Source": {"SourceUri": "u" * 2049}}, "at 'source.sourceUri'"),
        ({"Tags": [{"Key": "aws:reserved", "Value": "v"}]}, "aws:"),
    ]
    for extra, fragment in cases:
        kw: dict[str, Any] = {"Source": {"SourceUri": unique("s3://v/")}, "ArtifactType": "T"}
        kw.update(extra)
        message = error_message("ValidationException", sm.create_artifact, **kw)
        assert fragment in message, (extra, message)
    assert sm.list_artifacts()["ArtifactSummaries"] == []


# -- describe ---------------------------------------------------------------------------------


def test_describe_missing_is_resource_not_found(sm: Any, region: str) -> None:
    arn = f"arn:aws:sagemaker:{region}:{ACCOUNT}:artifact/{'0' * 32}"
    message = error_message("ResourceNotFound", sm.describe_artifact, ArtifactArn=arn)
    assert message == f"Artifact {arn} does not exist."
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_artifact(ArtifactArn=arn)


def test_describe_matches_arn_case_insensitively(sm: Any) -> None:
    arn = create(sm)
    prefix, digest = arn.rsplit("/", 1)
    shouted = sm.describe_artifact(ArtifactArn=f"{prefix}/{digest.upper()}")
    assert shouted["ArtifactArn"] == arn


def test_describe_needs_an_artifact_arn_of_this_region(sm: Any, server: Server) -> None:
    arn = create(sm)
    parts = arn.split(":")
    parts[3] += "z"
    foreign = ":".join(parts)
    # The same artifact exists in that region too; the ARN still names only that region's.
    create(server.client(parts[3]), sm.describe_artifact(ArtifactArn=arn)["Source"]["SourceUri"])
    error_message("ResourceNotFound", sm.describe_artifact, ArtifactArn=foreign)
    other_account = arn.replace(f":{ACCOUNT}:", ":999999999999:")
    error_message("ResourceNotFound", sm.describe_artifact, ArtifactArn=other_account)
    message = error_message(
        "ValidationException",
        sm.describe_artifact,
        ArtifactArn=arn.replace(":artifact/", ":context/"),
    )
    assert "at 'artifactArn'" in message


# -- update -----------------------------------------------------------------------------------


def test_update_merges_then_removes_properties(sm: Any) -> None:
    arn = create(sm, ArtifactName="before", Properties={"k1": "v1", "k2": "v2"})
    created = sm.describe_artifact(ArtifactArn=arn)
    time.sleep(0.01)
    response = sm.update_artifact(
        ArtifactArn=arn,
        Properties={"k2": "new", "k3": "v" * 4096},
        PropertiesToRemove=["k1", "k3-absent", "k2"],
    )
    assert response["ArtifactArn"] == arn
    d = sm.describe_artifact(ArtifactArn=arn)
    assert d["Properties"] == {"k3": "v" * 4096}
    assert d["ArtifactName"] == "before"
    assert d["CreationTime"] == created["CreationTime"]
    assert d["LastModifiedTime"] > created["LastModifiedTime"]
    assert d["Source"] == created["Source"]
    assert d["ArtifactType"] == created["ArtifactType"]


def test_update_property_in_both_lists_is_removed(sm: Any) -> None:
    arn = create(sm, Properties={"a": "1"})
    sm.update_artifact(ArtifactArn=arn, Properties={"b": "2"}, PropertiesToRemove=["b"])
    assert sm.describe_artifact(ArtifactArn=arn)["Properties"] == {"a": "1"}


def test_update_name_and_nothing_else(sm: Any) -> None:
    metadata = {"ProjectId": "p"}
    arn = create(sm, Properties={"a": "1"}, MetadataProperties=metadata)
    first = sm.describe_artifact(ArtifactArn=arn)
    time.sleep(0.01)
    sm.update_artifact(ArtifactArn=arn, ArtifactName="Named-Later")
    d = sm.describe_artifact(ArtifactArn=arn)
    assert d["ArtifactName"] == "Named-Later"
    assert d["Properties"] == {"a": "1"}
    assert d["MetadataProperties"] == metadata
    assert d["LastModifiedTime"] > first["LastModifiedTime"]
    # An empty update still bumps LastModifiedTime (D31).
    time.sleep(0.01)
    sm.update_artifact(ArtifactArn=arn)
    assert sm.describe_artifact(ArtifactArn=arn)["LastModifiedTime"] > d["LastModifiedTime"]


def test_update_beyond_30_properties_fails_and_changes_nothing(sm: Any) -> None:
    arn = create(sm, Properties={f"k{i}": "v" for i in range(30)})
    message = error_message(
        "ValidationException", sm.update_artifact, ArtifactArn=arn, Properties={"extra": "v"}
    )
    assert "at 'properties'" in message
    assert "less than or equal to 30" in message
    assert len(sm.describe_artifact(ArtifactArn=arn)["Properties"]) == 30
    # Replacing one key keeps the count at 30, which is allowed.
    sm.update_artifact(ArtifactArn=arn, Properties={"extra": "v"}, PropertiesToRemove=["k0"])
    props = sm.describe_artifact(ArtifactArn=arn)["Properties"]
    assert len(props) == 30 and "extra" in props and "k0" not in props


def test_update_value_limits(sm: Any) -> None:
    arn = create(sm)
    message = error_message(
        "ValidationException", sm.update_artifact, ArtifactArn=arn, Properties={"k": "v" * 4097}
    )
    assert "less than or equal to 4096" in message
    message = error_message(
        "ValidationException", sm.update_artifact, ArtifactArn=arn, ArtifactName="no_underscore"
    )
    assert "at 'artifactName'" in message


def test_update_missing_is_resource_not_found(sm: Any, region: str) -> None:
    arn = f"arn:aws:sagemaker:{region}:{ACCOUNT}:artifact/{'a' * 32}"
    message = error_message("ResourceNotFound", sm.update_artifact, ArtifactArn=arn)
    assert message == f"Artifact {arn} does not exist."


# -- tags -------------------------------------------------------------------------------------


def test_tags_on_artifacts(sm: Any) -> None:
    arn = create(sm, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    added = sm.add_tags(
        ResourceArn=arn, Tags=[{"Key": "c", "Value": "3"}, {"Key": "a", "Value": "one"}]
    )
    assert added["Tags"] == [{"Key": "c", "Value": "3"}, {"Key": "a", "Value": "one"}]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "a", "Value": "one"},
        {"Key": "b", "Value": "2"},
        {"Key": "c", "Value": "3"},
    ]
    assert sm.delete_tags(ResourceArn=arn, TagKeys=["b", "absent"])["ResponseMetadata"]
    assert [t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]] == ["a", "c"]
    prefix, digest = arn.rsplit("/", 1)
    upper = f"{prefix}/{digest.upper()}"
    assert [t["Key"] for t in sm.list_tags(ResourceArn=upper)["Tags"]] == ["a", "c"]


def test_tags_go_with_the_deleted_artifact(sm: Any) -> None:
    uri = unique("s3://tags/k")
    arn = create(sm, uri, Tags=[{"Key": "old", "Value": "1"}])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "more", "Value": "2"}])
    sm.delete_artifact(ArtifactArn=arn)
    message = error_message("ValidationException", sm.list_tags, ResourceArn=arn)
    assert message == "Resource does not exist"
    error_message(
        "ValidationException", sm.add_tags, ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}]
    )
    # Same source, same ARN: the new artifact starts without the old tags.
    assert create(sm, uri) == arn
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []


def test_tags_on_a_missing_artifact(sm: Any, region: str) -> None:
    arn = f"arn:aws:sagemaker:{region}:{ACCOUNT}:artifact/{'f' * 32}"
    for call, kw in (
        (sm.list_tags, {}),
        (sm.add_tags, {"Tags": [{"Key": "k", "Value": "v"}]}),
        (sm.delete_tags, {"TagKeys": ["k"]}),
    ):
        assert error_message("ValidationException", call, ResourceArn=arn, **kw) == (
            "Resource does not exist"
        )


def test_concurrent_creates_of_one_source_store_one_artifact(
    sm: Any, server: Server, region: str
) -> None:
    uri = unique("s3://race/k")
    clients = [server.client(region) for _ in range(8)]

    def attempt(client: Any) -> str:
        try:
            return str(create(client, uri, ("Custom", "r")))
        except ClientError as exc:
            return f"{exc.response['Error']['Code']}: {exc.response['Error']['Message']}"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, clients))
    created = [o for o in outcomes if o.startswith("arn:")]
    assert len(created) == 1, outcomes
    assert all(
        o.startswith("ValidationException") and "already exists" in o
        for o in outcomes
        if o not in created
    )
    assert [s["ArtifactArn"] for s in summaries(sm, SourceUri=uri)] == created


def test_at_most_50_tags_per_artifact(sm: Any) -> None:
    arn = create(sm, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(30)])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"n{i}", "Value": "v"} for i in range(20)])
    error_message(
        "ValidationException", sm.add_tags, ResourceArn=arn, Tags=[{"Key": "one", "Value": "v"}]
    )
    assert len(sm.list_tags(ResourceArn=arn)["Tags"]) == 50


def test_update_and_delete_need_an_arn_of_this_region(sm: Any, server: Server) -> None:
    arn = create(sm)
    parts = arn.split(":")
    parts[3] += "v"
    foreign = ":".join(parts)
    error_message("ResourceNotFound", sm.update_artifact, ArtifactArn=foreign, ArtifactName="x")
    error_message("ResourceNotFound", sm.delete_artifact, ArtifactArn=foreign)
    assert "ArtifactName" not in sm.describe_artifact(ArtifactArn=arn)
