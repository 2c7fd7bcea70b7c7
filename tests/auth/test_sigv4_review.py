"""Cases found in review: scope regions outside ARN syntax, and Date headers that do not parse
as a time (each must be an auth error, never a fault)."""

from __future__ import annotations

import pytest

from stemma.auth.errors import IncompleteSignatureException, InvalidSignatureException
from tests.auth.test_sigv4 import KEY, check, refused, signed


@pytest.mark.parametrize("region", ["US-East-1", "eu_west_1", "us-east-1:x"])
def test_8_region_outside_arn_syntax(region: str) -> None:
    # botocore signs these; an ARN cannot carry them, so the scope is refused (§8.4 #8).
    text = refused(signed(region=region), InvalidSignatureException)
    assert text == f"Credential should be scoped to a valid region, not '{region}'. "


@pytest.mark.parametrize(
    "date", ["Fri, 31 Dec 9999 23:59:59 -0100", "not a date", "Mon, 99 Foo 2026 99:99:99 GMT"]
)
def test_unusable_date_header_is_an_incomplete_signature(date: str) -> None:
    raw = signed(headers={"Date": "Sat, 14 Mar 2026 15:09:26 GMT"}).with_header("Date", date)
    text = refused(raw, IncompleteSignatureException)
    assert text.startswith(f"Date must be in ISO-8601 'basic format'. Got '{date}'.")


@pytest.mark.parametrize(
    "prefix", ["/", "/stemma/", "/a%20b/", "/a//b/", "/a/./b/", "/a/x/../b/", "/a:b/", "/a$b/"]
)
def test_endpoint_path_prefixes_verify_as_botocore_signs_them(prefix: str) -> None:
    # botocore signs quote(remove_dot_segments(path)) and sends the path as written (D54).
    assert check(signed(path=prefix)).access_key_id == KEY.access_key_id
