"""What a request's Authorization header claims, read before (or instead of) verifying it.

``claimed_key`` names the key whose fairness slot an expensive call waits for, before the
signature is checked; ``unverified_identity`` is the whole of authentication under
``--no-auth``. Neither grants anything by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stemma.auth.sigv4 import Credential, Identity

DEFAULT_REGION = "us-east-1"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]*)/([^/,\s]*)/([^/,\s]*)/")
_REGION = re.compile(r"[a-z0-9-]+")


def _scope(headers: list[tuple[str, str]]) -> re.Match[str] | None:
    authorization = next((v for k, v in headers if k == "authorization"), "")
    return _CREDENTIAL.search(authorization)


def claimed_key(headers: list[tuple[str, str]]) -> str:
    """The access key id a request's Authorization header names, before it is verified."""
    match = _scope(headers)
    return match.group(1) if match else ""


def unverified_identity(
    headers: list[tuple[str, str]],
    lookup: Callable[[str], Credential | None],
    allows: Callable[[str], bool],
    account: str,
) -> Identity:
    """--no-auth: the key id (if known) picks the account and the scope the region (if
    allowed); nothing is verified."""
    match = _scope(headers)
    region = DEFAULT_REGION
    key_id = ""
    if match:
        key_id = match.group(1)
        if _REGION.fullmatch(match.group(3)) and allows(match.group(3)):
            region = match.group(3)
        known = lookup(key_id)
        if known is not None:
            account = known.account
    return Identity(key_id, account, region)
