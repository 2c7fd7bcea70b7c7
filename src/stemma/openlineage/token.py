"""OpenLineage bearer tokens, derived from a stemma access key (docs/openlineage.md).

``stol1.KEYID.REGION.MAC`` with MAC = base64url(HMAC-SHA256(secret, "stemma-openlineage-v1\\n"
KEYID "\\n" REGION)). Nothing is stored: the server recomputes the MAC from the key's secret, so
deleting the key revokes its tokens, and the account is the key's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable

from stemma.auth.sigv4 import Credential

PREFIX = "stol1"
_REGION = re.compile(r"[a-z0-9-]{1,64}")
_KEY_ID = re.compile(r"[A-Za-z0-9]{1,128}")


class BadToken(Exception):
    """The token is missing, malformed, or not made from a known key."""


def _mac(secret: str, access_key_id: str, region: str) -> str:
    message = f"stemma-openlineage-v1\n{access_key_id}\n{region}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(access_key_id: str, secret: str, region: str) -> str:
    if not _REGION.fullmatch(region) or not _KEY_ID.fullmatch(access_key_id):
        raise ValueError("an access key id and a region such as us-east-1 are needed")
    return f"{PREFIX}.{access_key_id}.{region}.{_mac(secret, access_key_id, region)}"


def split_token(token: str) -> tuple[str, str, str]:
    """(key id, region, mac) of a well-formed token; raises BadToken."""
    parts = token.split(".")
    if (
        len(parts) != 4
        or parts[0] != PREFIX
        or not _KEY_ID.fullmatch(parts[1])
        or not _REGION.fullmatch(parts[2])
    ):
        raise BadToken("not a stemma OpenLineage token (stol1.KEYID.REGION.MAC)")
    return parts[1], parts[2], parts[3]


def verify_token(token: str, lookup: Callable[[str], Credential | None]) -> tuple[str, str]:
    """(account, region) a token acts for; raises BadToken."""
    key_id, region, mac = split_token(token)
    credential = lookup(key_id)
    if credential is None:
        raise BadToken("the token's access key is unknown or deleted")
    if not hmac.compare_digest(mac, _mac(credential.secret, key_id, region)):
        raise BadToken("the token's signature does not match its access key")
    return credential.account, region


def bearer(headers: list[tuple[str, str]]) -> str:
    """The token of an ``Authorization: Bearer`` header; raises BadToken."""
    value = next((v for k, v in headers if k == "authorization"), "")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BadToken("send Authorization: Bearer TOKEN (see stemma openlineage token)")
    return token.strip()
