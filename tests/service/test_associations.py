"""Associations over boto3: AddAssociation rules (§5.1, D37, D38, D39), DeleteAssociation (§5.2)
and cascades on delete (D32); ListAssociations filters, sorts and paging are in
test_association_lists.py."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.awsjson import error_message
from tests.conftest import Server, unique
from tests.service.associations_support import (
    build_web,
    listed,
    new_action,
    new_artifact,
    new_context,
    pairs,
    shout,
)

ACCOUNT = "123456789012"
EDGE_TYPES = ["ContributedTo", "AssociatedWith", "DerivedFrom", "Produced", "SameAs"]


def describe(sm: Any, arn: str) -> dict[str, Any]:
    kind = arn.split(":")[5].split("/")[0]
    if kind == "context":
        result: dict[str, Any] = sm.describe_context(ContextName=arn)
    elif kind == "action":
        result = sm.describe_action(ActionName=arn)
    else:
        result = sm.describe_artifact(ArtifactArn=arn)
    return result


@pytest.fixture
def ends(sm: Any) -> dict[str, str]:
    return {
        "context": new_context(sm, "Endpoint-Ctx", "Endpoint"),
        "action": new_action(sm, "Train-Job", "TrainingJob"),
        "named": new_artifact(sm, "Model-A", "Model"),
        "unnamed": new_artifact(sm, None, "DataSet"),
    }


@pytest.fixture
def web(sm: Any) -> dict[str, Any]:
    """The lineage web of ``build_web``, built afresh in this test's region."""
    return build_web(sm)


# -- AddAssociation ---------------------------------------------------------------------------


def test_add_returns_canonical_arns(sm: Any, ends: dict[str, str]) -> None:
    response = sm.add_association(
        SourceArn=shout(ends["action"]), DestinationArn=shout(ends["context"])
    )
    assert response["SourceArn"] == ends["action"]
    assert response["DestinationArn"] == ends["context"]
    assert pairs(listed(sm)) == [(ends["action"], ends["context"])]


def test_summary_shape(sm: Any, ends: dict[str, str]) -> None:
    before = time.time()
    sm.add_association(
        SourceArn=ends["action"], DestinationArn=ends["context"], AssociationType="Produced"
    )
    sm.add_association(SourceArn=ends["unnamed"], DestinationArn=ends["action"])
    by_pair = {(s["SourceArn"], s["DestinationArn"]): s for s in listed(sm)}
    produced = by_pair[(ends["action"], ends["context"])]
    created = produced.pop("CreationTime")
    assert isinstance(created, datetime)
    assert before - 1 <= created.timestamp() <= time.time() + 1
    assert produced == {
        "SourceArn": ends["action"],
        "DestinationArn": ends["context"],
        "SourceType": "TrainingJob",
        "DestinationType": "Endpoint",
        "AssociationType": "Produced",
        "SourceName": "Train-Job",
        "DestinationName": "Endpoint-Ctx",
    }
    untyped = by_pair[(ends["unnamed"], ends["action"])]
    untyped.pop("CreationTime")
    # No AssociationType invented (D39), no SourceName for an unnamed artifact, no CreatedBy.
    assert untyped == {
        "SourceArn": ends["unnamed"],
        "DestinationArn": ends["action"],
        "SourceType": "DataSet",
        "DestinationType": "TrainingJob",
        "DestinationName": "Train-Job",
    }


def test_every_association_type(sm: Any) -> None:
    hub = new_context(sm)
    for edge_type in EDGE_TYPES:
        sm.add_association(
            SourceArn=new_artifact(sm), DestinationArn=hub, AssociationType=edge_type
        )
    assert sorted(s["AssociationType"] for s in listed(sm)) == sorted(EDGE_TYPES)
    for edge_type in EDGE_TYPES:
        assert [s["AssociationType"] for s in listed(sm, AssociationType=edge_type)] == [edge_type]


def test_names_and_types_are_read_live(sm: Any, ends: dict[str, str]) -> None:
    sm.add_association(SourceArn=ends["unnamed"], DestinationArn=ends["named"])
    sm.update_artifact(ArtifactArn=ends["unnamed"], ArtifactName="Named-Now")
    sm.update_artifact(ArtifactArn=ends["named"], ArtifactName="Renamed")
    (summary,) = listed(sm)
    assert summary["SourceName"] == "Named-Now"
    assert summary["DestinationName"] == "Renamed"
    assert (summary["SourceType"], summary["DestinationType"]) == ("DataSet", "Model")


@pytest.mark.parametrize("missing_end", ["SourceArn", "DestinationArn"])
@pytest.mark.parametrize("kind", ["context", "action", "artifact"])
def test_both_ends_must_exist(sm: Any, region: str, missing_end: str, kind: str) -> None:
    present = new_context(sm)
    ghost = f"arn:aws:sagemaker:{region}:{ACCOUNT}:{kind}/{'ab12' * 8}"
    kw = {"SourceArn": present, "DestinationArn": present, missing_end: ghost}
    message = error_message("ResourceNotFound", sm.add_association, **kw)
    assert ghost in message and "does not exist" in message
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.add_association(**kw)
    assert listed(sm) == []


def test_deleted_end_no_longer_exists(sm: Any) -> None:
    action, context = new_action(sm, "Deleted-End"), new_context(sm)
    sm.delete_action(ActionName="Deleted-End")
    error_message("ResourceNotFound", sm.add_association, SourceArn=action, DestinationArn=context)


def test_duplicate_pair_already_exists(sm: Any, ends: dict[str, str]) -> None:
    src, dst = ends["named"], ends["context"]
    sm.add_association(SourceArn=src, DestinationArn=dst, AssociationType="ContributedTo")
    for kw in (
        {"SourceArn": src, "DestinationArn": dst},
        {"SourceArn": src, "DestinationArn": dst, "AssociationType": "ContributedTo"},
        {"SourceArn": src, "DestinationArn": dst, "AssociationType": "SameAs"},
        {"SourceArn": shout(src), "DestinationArn": shout(dst)},
    ):
        message = error_message("ValidationException", sm.add_association, **kw)
        assert "already exists" in message
    (summary,) = listed(sm)
    assert summary["AssociationType"] == "ContributedTo"


def test_reverse_pair_and_longer_cycles_are_allowed(sm: Any, ends: dict[str, str]) -> None:
    a, b, c = ends["named"], ends["action"], ends["context"]
    for src, dst in ((a, b), (b, a), (b, c), (c, a)):
        sm.add_association(SourceArn=src, DestinationArn=dst)
    assert set(pairs(listed(sm))) == {(a, b), (b, a), (b, c), (c, a)}


def test_self_association_is_rejected(sm: Any, ends: dict[str, str]) -> None:
    for arn in ends.values():
        error_message("ValidationException", sm.add_association, SourceArn=arn, DestinationArn=arn)
        error_message(
            "ValidationException", sm.add_association, SourceArn=arn, DestinationArn=shout(arn)
        )
    assert listed(sm) == []


def test_invalid_end_kinds_and_types(sm: Any, region: str, ends: dict[str, str]) -> None:
    good = ends["context"]
    prefix = f"arn:aws:sagemaker:{region}:{ACCOUNT}:"
    for bad in (
        f"{prefix}experiment-trial/t1",
        f"{prefix}lineage-group/sagemaker-default-lineage-group",
        f"{prefix}model-package/p",
        "not-an-arn",
        f"arn:aws:sagemaker:{region}:1234:context/short-account",
        "",
    ):
        for kw in (
            {"SourceArn": bad, "DestinationArn": good},
            {"SourceArn": good, "DestinationArn": bad},
        ):
            message = error_message("ValidationException", sm.add_association, **kw)
            assert "validation error detected" in message, (bad, message)
    for bad_type in ("Bogus", "produced", ""):
        message = error_message(
            "ValidationException",
            sm.add_association,
            SourceArn=ends["action"],
            DestinationArn=good,
            AssociationType=bad_type,
        )
        assert message == (
            f"1 validation error detected: Value '{bad_type}' at 'associationType' failed to "
            "satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(EDGE_TYPES)}]"
        )
    assert listed(sm) == []


@pytest.mark.parametrize("kind", ["experiment", "experiment-trial-component"])
def test_experiment_entities_are_not_found(
    sm: Any, region: str, ends: dict[str, str], kind: str
) -> None:
    external = f"arn:aws:sagemaker:{region}:{ACCOUNT}:{kind}/some-job"
    for kw in (
        {"SourceArn": external, "DestinationArn": ends["named"]},
        {"SourceArn": ends["named"], "DestinationArn": external},
    ):
        with pytest.raises(sm.exceptions.ResourceNotFound):
            sm.add_association(**kw)
    other = f"arn:aws:sagemaker:{region}:{ACCOUNT}:experiment/other"
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.add_association(SourceArn=external, DestinationArn=other)
    assert listed(sm) == []


def test_ends_in_another_region_or_account_are_not_found(
    sm: Any, server: Server, region: str
) -> None:
    local = new_context(sm)
    elsewhere = server.client(f"{region}w")
    remote = new_context(elsewhere, "Far-Away")
    remote_artifact = new_artifact(elsewhere)
    for kw in (
        {"SourceArn": local, "DestinationArn": remote},
        {"SourceArn": remote_artifact, "DestinationArn": local},
        {"SourceArn": local, "DestinationArn": local.replace(ACCOUNT, "999999999999")},
    ):
        error_message("ResourceNotFound", sm.add_association, **kw)
    # From the other region, the same pair of its own entities works.
    elsewhere.add_association(SourceArn=remote_artifact, DestinationArn=remote)
    assert listed(sm) == []
    assert pairs(listed(elsewhere)) == [(remote_artifact, remote)]


# -- DeleteAssociation ------------------------------------------------------------------------


def test_delete_returns_canonical_arns(sm: Any, ends: dict[str, str]) -> None:
    sm.add_association(SourceArn=ends["named"], DestinationArn=ends["action"])
    response = sm.delete_association(
        SourceArn=shout(ends["named"]), DestinationArn=shout(ends["action"])
    )
    assert (response["SourceArn"], response["DestinationArn"]) == (
        ends["named"],
        ends["action"],
    )
    assert listed(sm) == []
    # The pair can be added again.
    sm.add_association(SourceArn=ends["named"], DestinationArn=ends["action"])
    assert len(listed(sm)) == 1


def test_delete_missing_pair_is_not_found(sm: Any, region: str, ends: dict[str, str]) -> None:
    src, dst = ends["named"], ends["action"]
    sm.add_association(SourceArn=src, DestinationArn=dst)
    message = error_message(
        "ResourceNotFound", sm.delete_association, SourceArn=dst, DestinationArn=src
    )
    assert message == f"Association with source {dst} and destination {src} does not exist."
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.delete_association(SourceArn=src, DestinationArn=ends["context"])
    ghost = f"arn:aws:sagemaker:{region}:{ACCOUNT}:context/ghost"
    error_message("ResourceNotFound", sm.delete_association, SourceArn=src, DestinationArn=ghost)
    experiment = f"arn:aws:sagemaker:{region}:{ACCOUNT}:experiment/e"
    error_message(
        "ResourceNotFound", sm.delete_association, SourceArn=experiment, DestinationArn=dst
    )
    sm.delete_association(SourceArn=src, DestinationArn=dst)
    error_message("ResourceNotFound", sm.delete_association, SourceArn=src, DestinationArn=dst)


# -- cascades ---------------------------------------------------------------------------------


def _assert_all_describable(sm: Any) -> None:
    for summary in listed(sm):
        for arn in (summary["SourceArn"], summary["DestinationArn"]):
            describe(sm, arn)


def test_deleting_a_context_removes_its_associations(sm: Any, web: dict[str, Any]) -> None:
    a = web["arns"]
    sm.delete_context(ContextName="Endpoint")
    remaining = set(pairs(listed(sm)))
    assert remaining == set(web["edges"]) - {
        (a["deploy"], a["endpoint"]),
        (a["model"], a["endpoint"]),
    }
    assert listed(sm, DestinationArn=a["endpoint"]) == []
    _assert_all_describable(sm)
    # Re-created under the same name: no association comes back.
    assert new_context(sm, "Endpoint") == a["endpoint"]
    assert listed(sm, DestinationArn=a["endpoint"]) == []


def test_deleting_an_artifact_removes_its_associations(sm: Any, web: dict[str, Any]) -> None:
    a = web["arns"]
    sm.delete_artifact(ArtifactArn=a["model"])
    remaining = set(pairs(listed(sm)))
    assert all(a["model"] not in pair for pair in remaining)
    assert len(remaining) == len(web["edges"]) - 3
    _assert_all_describable(sm)


def test_deleting_an_action_removes_its_associations(sm: Any, web: dict[str, Any]) -> None:
    a = web["arns"]
    sm.delete_action(ActionName="Train")
    remaining = set(pairs(listed(sm)))
    assert all(a["train"] not in pair for pair in remaining)
    assert len(remaining) == len(web["edges"]) - 4
    error_message(
        "ResourceNotFound", sm.delete_association, SourceArn=a["data1"], DestinationArn=a["train"]
    )
    _assert_all_describable(sm)


def test_deleting_an_artifact_by_source_cascades_too(sm: Any) -> None:
    uri = unique("s3://cascade/")
    artifact = sm.create_artifact(Source={"SourceUri": uri}, ArtifactType="Model")["ArtifactArn"]
    context = new_context(sm)
    sm.add_association(SourceArn=artifact, DestinationArn=context)
    sm.add_association(SourceArn=context, DestinationArn=artifact)
    sm.delete_artifact(Source={"SourceUri": uri})
    assert listed(sm) == []
    sm.create_artifact(Source={"SourceUri": uri}, ArtifactType="Model")
    assert listed(sm) == []


def test_self_association_of_a_missing_entity_is_not_found(sm: Any, region: str) -> None:
    # Check order (§5.1, D14): ends exist, then forbidden pairs and self-loops.
    ghost = f"arn:aws:sagemaker:{region}:{ACCOUNT}:artifact/{'9' * 32}"
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.add_association(SourceArn=ghost, DestinationArn=ghost)
    gone = new_action(sm, "Gone-Self")
    sm.delete_action(ActionName="Gone-Self")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.add_association(SourceArn=gone, DestinationArn=gone)


def test_concurrent_duplicates_store_one_association(
    sm: Any, server: Server, region: str, ends: dict[str, str]
) -> None:
    clients = [server.client(region) for _ in range(8)]

    def add(client: Any) -> str:
        try:
            client.add_association(SourceArn=ends["named"], DestinationArn=ends["context"])
        except ClientError as exc:
            return f"{exc.response['Error']['Code']}: {exc.response['Error']['Message']}"
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(add, clients))
    assert outcomes.count("ok") == 1, outcomes
    assert all("ValidationException" in o and "already exists" in o for o in outcomes if o != "ok")
    assert len(listed(sm)) == 1
