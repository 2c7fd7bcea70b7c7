"""Regions are an allow-list (issue #20, item 4): any region string in the credential scope was
a namespace of its own, with quotas of its own, so one key could grow storage without limit by
signing for invented regions. By default only the regions botocore knows for SageMaker are
served; ``--regions`` lists others, or patterns (the test servers allow ``*``: tests isolate
themselves in random regions)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from stemma.auth.regions import RegionAllowList, known_regions
from stemma.settings import build
from tests.auth.support import create_body, refused, sign
from tests.awsjson import error_message
from tests.conftest import Server, unique


def made_up() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def test_botocore_knows_every_partition_and_no_endpoint_variants() -> None:
    regions = known_regions()
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1"} <= regions
    assert not {r for r in regions if "fips" in r or "secondary" in r}


def test_a_made_up_region_is_refused_before_its_quota(
    start_server: Callable[..., Server],
) -> None:
    server = start_server("--regions", "botocore", "--quota", "contexts=1")
    server.client("us-east-1").create_context(**create_body(unique()))
    region = made_up()
    raw = sign(server.url, "SageMaker.CreateContext", create_body(unique()), region=region)
    assert refused(server, raw, "InvalidSignatureException") == (
        f"Credential should be scoped to a valid region, not '{region}'. "
    )
    # The same answer from boto3, whose request names a region AWS does not have.
    assert error_message(
        "InvalidSignatureException",
        server.client(made_up()).create_context,
        **create_body(unique()),
    ).startswith("Credential should be scoped to a valid region")
    assert error_message(
        "ResourceLimitExceeded",
        server.client("us-east-1").create_context,
        **create_body(unique()),
    )


def test_the_regions_option_takes_names_and_patterns(start_server: Callable[..., Server]) -> None:
    server = start_server("--regions", "us-east-1,lab-*")
    server.client("lab-one").list_contexts()
    server.client("us-east-1").list_contexts()
    error_message("InvalidSignatureException", server.client("eu-west-1").list_contexts)


@pytest.mark.parametrize(
    "value, region, allowed",
    [
        ("botocore", "us-west-2", True),
        ("botocore", "us-west-2-fips", False),
        ("botocore,t*", "t0123", True),
        ("*", "anything-9", True),
        ("us-east-1", "us-east-2", False),
        ("lab-?", "lab-1", True),
        ("lab-?", "lab-12", False),
    ],
)
def test_allow_list(value: str, region: str, allowed: bool) -> None:
    regions = build({"regions": value}).regions
    assert RegionAllowList(regions).allows(region) is allowed


def test_default_is_botocore() -> None:
    assert build({}).regions == ("botocore",)
