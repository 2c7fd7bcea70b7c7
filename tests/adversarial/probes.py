"""The attacks, each against a running server, each returning ``Counts``.

A probe only talks HTTP to 127.0.0.1 and is bounded by its ``count`` (and by time where it
waits); the caller chooses the dose: small in the normal suite, large in the long run.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.adversarial import inputs
from tests.auth.support import ROOT, ROOT_ACCOUNT

CONTENT_TYPE = "application/x-amz-json-1.1"


@dataclass
class Counts:
    """What the long run prints: requests tried, 5xx seen, writes lost, leaks."""

    tried: int = 0
    five_xx: int = 0
    lost: int = 0
    leaks: int = 0

    def add(self, other: Counts) -> None:
        self.tried += other.tried
        self.five_xx += other.five_xx
        self.lost += other.lost
        self.leaks += other.leaks

    @property
    def clean(self) -> bool:
        return self.five_xx == 0 and self.lost == 0 and self.leaks == 0


@dataclass
class Answer:
    status: int
    body: bytes

    def aws_shaped(self) -> bool:
        try:
            return isinstance(json.loads(self.body).get("__type"), str)
        except (ValueError, AttributeError):
            return False


def post(
    url: str,
    op: str,
    body: bytes,
    *,
    credentials: Credentials = ROOT,
    region: str = "us-east-1",
) -> Answer:
    """One signed call on a fresh connection, as botocore signs it."""
    headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": f"SageMaker.{op}"}
    request = AWSRequest(method="POST", url=f"{url}/", data=body, headers=headers)
    SigV4Auth(credentials, "sagemaker", region).add_auth(request)
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=dict(request.headers.items()))
        answer = conn.getresponse()
        return Answer(answer.status, answer.read())
    finally:
        conn.close()


# -- invalid input -----------------------------------------------------------------------------


def invalid_input(url: str, region: str, per_op: int | None, rng: random.Random) -> Counts:
    """Every served operation's systematic invalid bodies (``per_op`` sampled of them, or all),
    then as many random ones; a 5xx, or an error that is not AWS-shaped, is counted."""
    counts = Counts()
    for name, op in inputs.served():
        bodies = [body for _, body in inputs.invalid_bodies(op)]
        if per_op is not None:
            bodies = rng.sample(bodies, min(per_op, len(bodies)))
            bodies += [inputs.random_body(op, rng) for _ in range(per_op // 4)]
        else:
            bodies += [inputs.random_body(op, rng) for _ in range(len(bodies))]
        for body in bodies:
            answer = post(url, name, body, region=region)
            counts.tried += 1
            if answer.status >= 500 or (answer.status != 200 and not answer.aws_shaped()):
                counts.five_xx += 1
                print(f"  {name}: {answer.status} {answer.body[:200]!r} for {body[:200]!r}")
    return counts


# -- isolation ---------------------------------------------------------------------------------

MARKER = "owner-secret-7f3a"  # stored only in the owner's data, never sent by an intruder


def seed_owner(url: str, region: str) -> dict[str, list[str]]:
    """A small graph of every kind in the owner's (account, region), marked; returns its
    names and ARNs by kind, for the intruder's requests."""
    names = {"Context": "own-ctx", "Action": "own-act", "Experiment": "own-exp"}
    names |= {"Trial": "own-trial", "TrialComponent": "own-tc"}
    tags = [{"Key": "secret", "Value": MARKER}]
    calls: list[tuple[str, dict[str, Any]]] = [
        (
            "CreateContext",
            {
                "ContextName": names["Context"],
                "Source": {"SourceUri": MARKER},
                "ContextType": MARKER,
                "Properties": {"p": MARKER},
                "Tags": tags,
            },
        ),
        (
            "CreateAction",
            {
                "ActionName": names["Action"],
                "Source": {"SourceUri": MARKER},
                "ActionType": MARKER,
                "Properties": {"p": MARKER},
                "Tags": tags,
            },
        ),
        (
            "CreateArtifact",
            {
                "Source": {"SourceUri": f"s3://{MARKER}"},
                "ArtifactType": MARKER,
                "Properties": {"p": MARKER},
                "Tags": tags,
            },
        ),
        (
            "CreateExperiment",
            {"ExperimentName": names["Experiment"], "Description": MARKER, "Tags": tags},
        ),
        (
            "CreateTrial",
            {"TrialName": names["Trial"], "ExperimentName": names["Experiment"], "Tags": tags},
        ),
        (
            "CreateTrialComponent",
            {
                "TrialComponentName": names["TrialComponent"],
                "Parameters": {"p": {"StringValue": MARKER}},
                "Tags": tags,
            },
        ),
    ]
    arns: list[str] = []
    for op, body in calls:
        answer = post(url, op, json.dumps(body).encode(), region=region)
        assert answer.status == 200, (op, answer)
        arns.extend(v for k, v in json.loads(answer.body).items() if k.endswith("Arn"))
    links = [
        ("AddAssociation", {"SourceArn": arns[2], "DestinationArn": arns[1]}),
        ("AddAssociation", {"SourceArn": arns[1], "DestinationArn": arns[0]}),
        (
            "AssociateTrialComponent",
            {"TrialComponentName": names["TrialComponent"], "TrialName": names["Trial"]},
        ),
    ]
    for op, body in links:
        assert post(url, op, json.dumps(body).encode(), region=region).status == 200, op
    return {"names": list(names.values()), "arns": arns}


def snapshot(url: str, region: str, owner: dict[str, list[str]]) -> list[bytes]:
    """Everything the owner can read of its graph, to compare before and after the intrusions."""
    seen = []
    for arn in owner["arns"]:
        for op, body in (
            ("ListTags", {"ResourceArn": arn}),
            ("ListAssociations", {"SourceArn": arn}),
            ("QueryLineage", {"StartArns": [arn], "Direction": "Both", "IncludeEdges": True}),
        ):
            seen.append(post(url, op, json.dumps(body).encode(), region=region).body)
    for name, _ in inputs.served():
        if name.startswith("List") and name not in ("ListTags", "ListAssociations"):
            answer = post(url, name, b"{}", region=region)
            seen.append(answer.body if answer.status == 200 else b"")
    return seen


def intruding_bodies(op: Any, owner: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Requests for ``op`` that name each of the owner's entities where the model takes a name
    or an ARN, built from the input shape alone."""
    shape = op.input_shape
    if shape is None:
        return [{}]
    bodies = []
    for index in range(len(owner["arns"])):
        body = inputs.plausible(shape)
        for member, sub in shape.members.items():
            arn = owner["arns"][index]
            name = owner["names"][index % len(owner["names"])]
            if member.endswith(("Arn", "Arns")) or member in ("ResourceArn", "StartArns"):
                body[member] = [arn] if sub.type_name == "list" else arn
            elif member.endswith("Name") and sub.type_name == "string":
                body[member] = arn if "arn" in sub.metadata.get("pattern", "") else name
        bodies.append(body)
    return bodies


def isolation(
    url: str, region: str, other_region: str, intruder: Credentials, rounds: int = 1
) -> Counts:
    """Every served operation, aimed at the owner's entities by another account (same region)
    and by the owner's own key in another region. A leak: the owner's marker in any answer, an
    owner ARN in a successful answer, or any change to what the owner reads afterwards."""
    counts = Counts()
    owner = seed_owner(url, region)
    before = snapshot(url, region, owner)
    prefix = f"arn:aws:sagemaker:{region}:{ROOT_ACCOUNT}:".encode()
    for _ in range(rounds):
        for name, op in inputs.served():
            for body in intruding_bodies(op, owner):
                data = json.dumps(body).encode()
                for creds, scope in ((intruder, region), (ROOT, other_region)):
                    answer = post(url, name, data, credentials=creds, region=scope)
                    counts.tried += 1
                    counts.five_xx += answer.status >= 500
                    leaked = MARKER.encode() in answer.body or (
                        answer.status == 200 and prefix in answer.body
                    )
                    if leaked:
                        counts.leaks += 1
                        print(f"  leak: {name} {scope} {answer.status} {answer.body[:300]!r}")
    after = snapshot(url, region, owner)
    changed = sum(a != b for a, b in zip(before, after, strict=True))
    if changed:
        print(f"  {changed} of the owner's reads changed after the intrusions")
    counts.leaks += changed
    return counts


# -- slow and flooding clients -----------------------------------------------------------------


def flood(url: str, seconds: float, connections: int, check: Callable[[], bool]) -> Counts:
    """Silent, slow-header and endless-header connections (``connections`` of each kind, for
    ``seconds``) while a well-behaved caller keeps calling ``check``; a failed check is counted
    as a 5xx (the server did not answer a good client)."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    stop = threading.Event()
    counts = Counts()
    opened: list[socket.socket] = []

    def attack(kind: str) -> None:
        while not stop.is_set():
            try:
                sock = socket.create_connection(address, timeout=2)
            except OSError:
                time.sleep(0.05)
                continue
            opened.append(sock)
            try:
                if kind == "slow":
                    sock.sendall(b"POST / HTTP/1.1\r\n")
                    while not stop.wait(1.0):
                        sock.sendall(b"X-a: b\r\n")
                elif kind == "endless":
                    sock.sendall(b"POST / HTTP/1.1\r\n")
                    while not stop.is_set():
                        sock.sendall(b"X-Filler: " + b"a" * 4000 + b"\r\n")
                else:
                    stop.wait(seconds)
            except OSError:
                pass
            finally:
                sock.close()

    workers = [
        threading.Thread(target=attack, args=(kind,), daemon=True)
        for kind in ("silent", "slow", "endless")
        for _ in range(connections)
    ]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        counts.tried += 1
        if not check():
            counts.five_xx += 1
        time.sleep(0.05)
    stop.set()
    for worker in workers:
        worker.join(5)
    return counts
