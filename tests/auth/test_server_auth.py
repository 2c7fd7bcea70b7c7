"""SigV4 on the wire: real clients pass, every operation is authenticated, failures get AWS's
code and text, and every mutation of a signed request is refused (§8).

Requests are signed by botocore (boto3 itself, the AWS CLI, or ``SigV4Auth`` on a raw request)
and sent to a real ``stemma serve``; failures are checked with the shared AWS error-shape
assertion (HTTP 400, ``__type``, ``message``, ``X-Amzn-ErrorType``, request id). Each failure
class sent as a hand-built raw request is tested in tests/auth/test_server_auth_raw.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.auth.mutations import mutated
from tests.auth.support import (
    AUTH_CODES,
    MISMATCH,
    OTHER_ACCOUNT,
    ROOT,
    ROOT_ACCOUNT,
    UNRECOGNIZED,
    Raw,
    client,
    code_of,
    create_body,
    create_key,
    exists,
    refused,
    send,
    sign,
    utcnow,
)
from tests.awsjson import assert_error, call, context_arn, lineage
from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Backend, Server, unique

INVALID = "InvalidSignatureException"


# -- clients that sign correctly ---------------------------------------------------------------


def test_boto3_with_the_root_key_works_and_acts_for_its_account_and_region(
    server: Server, region: str
) -> None:
    sm = client(server.url, ROOT, region)
    name = unique("ctx")
    arn = sm.create_context(ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="T")[
        "ContextArn"
    ]
    assert arn == f"arn:aws:sagemaker:{region}:{ROOT_ACCOUNT}:context/{name}"
    assert sm.describe_context(ContextName=name)["ContextArn"] == arn
    assert [c["ContextArn"] for c in sm.list_contexts()["ContextSummaries"]] == [arn]


@pytest.mark.parametrize(
    ("region", "partition"),
    [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-3", "aws")],
)
def test_region_and_partition_come_from_the_credential_scope(
    server: Server, region: str, partition: str
) -> None:
    sm = client(server.url, ROOT, region)
    name = unique("ctx")
    arn = sm.create_context(ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="T")[
        "ContextArn"
    ]
    assert arn == f"arn:{partition}:sagemaker:{region}:{ROOT_ACCOUNT}:context/{name}"
    assert exists(server, region, name)
    assert not exists(server, "us-west-2", name)


def test_raw_signed_requests_work(server: Server, region: str) -> None:
    name = unique("raw")
    created = lineage(server.url, "CreateContext", create_body(name), region=region)
    assert created.status == 200, created.body
    assert created.json()["ContextArn"] == context_arn(region, name)
    raw = sign(server.url, "SageMaker.DescribeContext", {"ContextName": name}, region=region)
    described = send(server.url, raw)
    assert described.status == 200
    assert described.json()["ContextName"] == name


def test_a_path_prefix_in_the_endpoint_is_signed_and_accepted(server: Server, region: str) -> None:
    sm = client(f"{server.url}/lineage/api", ROOT, region)
    assert sm.list_contexts()["ContextSummaries"] == []
    raw = sign(server.url, region=region, path="/lineage/api")
    assert send(server.url, raw).status == 200
    assert refused(server, replace(raw, path="/lineage/apj"), "InvalidSignatureException") == (
        MISMATCH
    )


def test_the_date_header_can_stand_in_for_x_amz_date(server: Server) -> None:
    raw = sign(server.url, headers={"Date": "placeholder"})
    assert raw.header("X-Amz-Date") is None
    assert send(server.url, raw).status == 200


def test_aws_cli_works(server: Server, region: str, tmp_path: Path) -> None:
    aws = shutil.which("aws")
    if aws is None:
        pytest.skip("the AWS CLI is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }

    def run(*args: str, secret: str = SECRET_ACCESS_KEY) -> subprocess.CompletedProcess[str]:
        command = [aws, "--endpoint-url", server.url, "--region", region, "--output", "json"]
        return subprocess.run(
            [*command, "sagemaker", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env | {"AWS_SECRET_ACCESS_KEY": secret},
        )

    name = unique("cli")
    created = run(
        "create-context",
        "--context-name",
        name,
        "--source",
        "SourceUri=s3://b/k",
        "--context-type",
        "T",
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["ContextArn"] == context_arn(region, name)
    assert exists(server, region, name)
    wrong = run("list-contexts", secret="not-the-secret")
    assert wrong.returncode == 255
    assert "An error occurred (InvalidSignatureException) when calling the ListContexts" in (
        wrong.stderr
    )


# -- every operation is authenticated -----------------------------------------------------------

OPERATIONS = [
    *(
        f"{verb}{kind}"
        for kind in ("Context", "Artifact", "Action")
        for verb in ("Create", "Describe", "Update", "Delete")
    ),
    "ListContexts",
    "ListArtifacts",
    "ListActions",
    "AddAssociation",
    "DeleteAssociation",
    "ListAssociations",
    "QueryLineage",
    "AddTags",
    "ListTags",
    "DeleteTags",
    "DescribeLineageGroup",
    "ListLineageGroups",
    "GetLineageGroupPolicy",
]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_requires_a_valid_signature(server: Server, operation: str) -> None:
    target = f"SageMaker.{operation}"
    unsigned = call(server.url, target, b"{}", sign=False)
    assert assert_error(unsigned, "MissingAuthenticationTokenException") == (
        "Request is missing Authentication Token"
    )
    forged = sign(server.url, target, credentials=Credentials(ACCESS_KEY_ID, "forged"))
    assert refused(server, forged, INVALID) == MISMATCH
    unknown = sign(server.url, target, credentials=Credentials("AKIDNOBODY", "x"))
    assert refused(server, unknown, "UnrecognizedClientException") == UNRECOGNIZED
    # Correctly signed, the same empty request reaches the operation (and is judged on its
    # members instead).
    answered = send(server.url, sign(server.url, target))
    assert code_of(answered) not in AUTH_CODES


@pytest.mark.parametrize("target", ["SageMaker.CreateTrainingJob", "Nope.Nothing", None])
def test_authentication_comes_before_the_operation_is_looked_up(
    server: Server, target: str | None
) -> None:
    unsigned = call(server.url, target, b"{}", sign=False)
    assert_error(unsigned, "MissingAuthenticationTokenException")
    forged = sign(server.url, target, credentials=Credentials(ACCESS_KEY_ID, "forged"))
    assert refused(server, forged, INVALID) == MISMATCH
    assert_error(send(server.url, sign(server.url, target)), "UnknownOperationException")


# -- each failure class, through boto3 ---------------------------------------------------------


def test_boto3_with_a_wrong_secret_gets_invalid_signature_and_no_retry(
    server: Server, region: str
) -> None:
    sm = client(server.url, Credentials(ACCESS_KEY_ID, "wrong-secret"), region, attempts=4)
    with pytest.raises(ClientError) as info:
        sm.list_contexts()
    response = info.value.response
    assert response["Error"] == {"Code": "InvalidSignatureException", "Message": MISMATCH}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["ResponseMetadata"]["RetryAttempts"] == 0


def test_boto3_with_an_unknown_key_gets_unrecognized_client(server: Server, region: str) -> None:
    sm = client(server.url, Credentials("AKIDNOSUCHKEY0000000", SECRET_ACCESS_KEY), region)
    with pytest.raises(ClientError) as info:
        sm.create_context(ContextName="nope", Source={"SourceUri": "s3://b/k"}, ContextType="T")
    response = info.value.response
    assert response["Error"] == {"Code": "UnrecognizedClientException", "Message": UNRECOGNIZED}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert not exists(server, region, "nope")


def test_boto3_with_a_session_token_gets_unrecognized_client(server: Server, region: str) -> None:
    token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
    sm = client(server.url, Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, token), region)
    with pytest.raises(ClientError) as info:
        sm.list_contexts()
    assert info.value.response["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": UNRECOGNIZED,
    }


# -- every mutation, over the wire -------------------------------------------------------------


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_mutation_is_refused_by_the_server(server: Server, data: st.DataObject) -> None:
    region = "mutation-r1"
    name = f"m-{uuid.uuid4().hex[:12]}"
    body = json.dumps(create_body(name))
    raw = sign(server.url, "SageMaker.CreateContext", body, region=region)
    when = dt.datetime.strptime(raw.header("X-Amz-Date") or "", "%Y%m%dT%H%M%SZ")

    def resign(secret: str) -> Raw:
        credentials = Credentials(ACCESS_KEY_ID, secret)
        return sign(
            server.url,
            "SageMaker.CreateContext",
            body,
            region=region,
            credentials=credentials,
            when=when.replace(tzinfo=dt.UTC),
        )

    description, changed = data.draw(mutated(raw, resign), label="mutation")
    response = send(server.url, changed)
    assert 400 <= response.status < 500, (description, response)  # never 2xx, never 5xx
    code = code_of(response)
    if changed.method != "POST":
        assert (response.status, code) == (405, "UnknownOperationException"), description
    else:
        assert response.status == 400, (description, response)
        assert code in AUTH_CODES, (description, response)
    assert not exists(server, region, name), description
    # The request as signed was good: it is the mutation that was refused.
    assert send(server.url, raw).status == 200
    assert exists(server, region, name)


# -- modes and options -------------------------------------------------------------------------


def test_clock_skew_is_configurable(start_server: Callable[..., Server]) -> None:
    server = start_server("--clock-skew", "60")
    fresh = sign(server.url, when=utcnow() - dt.timedelta(seconds=20))
    assert send(server.url, fresh).status == 200
    stale = sign(server.url, when=utcnow() - dt.timedelta(minutes=2))
    message = assert_error(send(server.url, stale), "InvalidSignatureException")
    assert message.startswith("Signature expired: ")
    assert message.endswith(" - 1 min.)")


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_no_auth_says_so_and_accepts_unsigned_and_wrongly_signed_requests(
    start_server: Callable[..., Server], backend: Backend, tmp_path: Path, how: str
) -> None:
    data_dir = tmp_path / "noauth"
    other = create_key(data_dir, backend.db_url(data_dir), OTHER_ACCOUNT)
    if how == "flag":
        server = start_server("--no-auth", data_dir=data_dir)
    else:
        server = start_server(data_dir=data_dir, env={"STEMMA_NO_AUTH": "true"})
    log = server.log()
    warning = next(line for line in log.splitlines() if "--no-auth" in line)
    assert "WARNING" in warning
    assert "NOT verified" in warning
    assert "testing only" in warning

    name = unique("open")
    unsigned = call(server.url, "SageMaker.CreateContext", create_body(name), sign=False)
    assert unsigned.status == 200, unsigned.body
    expected = f"arn:aws:sagemaker:us-east-1:{ROOT_ACCOUNT}:context/{name}"
    assert unsigned.json()["ContextArn"] == expected

    forged = sign(server.url, credentials=Credentials("AKIDWHOEVER", "x"), region="eu-west-2")
    assert send(server.url, forged).status == 200
    stale = sign(server.url, when=utcnow() - dt.timedelta(hours=3))
    assert send(server.url, stale).status == 200

    # The key id still picks the account, and the scope the region.
    wrong_secret = Credentials(other["AccessKeyId"], "not-its-secret")
    sm = client(server.url, wrong_secret, "ap-south-1")
    arn = sm.create_context(ContextName=name, Source={"SourceUri": "s3://b/k"}, ContextType="T")[
        "ContextArn"
    ]
    assert arn == f"arn:aws:sagemaker:ap-south-1:{OTHER_ACCOUNT}:context/{name}"


def test_secrets_never_reach_the_log(
    start_server: Callable[..., Server], backend: Backend, tmp_path: Path
) -> None:
    root_id, root_secret = "AKIDLOGCHECK", "log-check-Secret-9f8e7d6c5b4a39281706"
    data_dir = tmp_path / "logs"
    other = create_key(data_dir, backend.db_url(data_dir), OTHER_ACCOUNT)
    server = start_server(
        "--log-level",
        "debug",
        "--root-access-key-id",
        root_id,
        "--root-secret-access-key",
        root_secret,
        data_dir=data_dir,
        env={"STEMMA_ROOT_ACCESS_KEY_ID": "", "STEMMA_ROOT_SECRET_ACCESS_KEY": ""},
    )
    good = client(server.url, Credentials(root_id, root_secret))
    good.list_contexts()
    client(server.url, other).list_contexts()
    an_hour_ago = utcnow() - dt.timedelta(hours=1)
    for raw in (
        sign(server.url, credentials=Credentials(root_id, root_secret + "x")),
        sign(server.url, credentials=Credentials(root_id, root_secret), service="sts"),
        sign(server.url, credentials=Credentials("AKIDNOBODY", root_secret)),
        sign(server.url, credentials=Credentials(root_id, root_secret, "session-token-value")),
        sign(server.url, credentials=Credentials(root_id, root_secret), when=an_hour_ago),
    ):
        assert send(server.url, raw).status == 400
    with pytest.raises(ClientError):
        good.describe_context(ContextName="missing")
    master = (data_dir / "master.key").read_text().strip()
    server.stop()
    log = server.log()
    # The debug log did record the requests, failures included; it just holds no secret.
    assert "SageMaker.ListContexts -> 400 InvalidSignatureException" in log
    assert "SageMaker.ListContexts -> 400 UnrecognizedClientException" in log
    for secret in (root_secret, other["SecretAccessKey"], master, "session-token-value"):
        assert secret not in log
