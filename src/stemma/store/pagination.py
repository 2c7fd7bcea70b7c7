"""Opaque, signed keyset page tokens (D30).

A token carries the operation, a fingerprint of the request's filters and sort, and the position
after which the next page starts: for entity lists the (sort value, id) of the last item
returned, never an offset, so deleting items while paging skips nothing. Tokens are signed with
the store's shared secret, so any server process on the same database accepts them, across
restarts, and a tampered or foreign token is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson

_MAC_BYTES = 16


class InvalidToken(Exception):
    """The token is malformed, forged, or was issued for another request."""


def fingerprint(parts: dict[str, Any]) -> str:
    """A short, stable digest of the request members a token is bound to."""
    canonical = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:16]


def encode(secret: bytes, operation: str, bound_to: str, position: Any) -> str:
    payload = orjson.dumps({"o": operation, "f": bound_to, "p": position})
    mac = hmac.new(secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    # The JSON payload comes first, so every token starts "eyJ": a token must never start with
    # "-", or the AWS CLI reads `--next-token -...` as another option.
    return base64.urlsafe_b64encode(payload + mac).decode("ascii").rstrip("=")


def decode(secret: bytes, operation: str, bound_to: str, token: str) -> Any:
    """The position a token carries; raises InvalidToken unless it is ours and for this request."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise InvalidToken() from None
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, expected):
        raise InvalidToken()
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise InvalidToken() from None
    if not isinstance(data, dict) or data.get("o") != operation or data.get("f") != bound_to:
        raise InvalidToken()
    return data.get("p")
