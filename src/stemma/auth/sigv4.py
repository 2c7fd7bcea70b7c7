"""AWS Signature Version 4 verification, as AWS services verify it (reference §8).

Pure computation, no I/O: the caller passes the request as received and a lookup from access key
id to secret. Checks run in the order of §8.4, each failing with AWS's error code and text: the
Authorization header's form, the credential scope (service ``sagemaker``, ``aws4_request``, the
date matching ``X-Amz-Date``), ``host`` (and ``x-amz-target``, when sent) among the signed
headers, the clock skew, the key, and
finally the signature over the canonical request, whose payload hash is computed from the body
actually received (D54). Signatures are compared in constant time. Signing keys are cached per
(secret, date, region), since deriving one costs four HMACs.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import NamedTuple
from urllib.parse import parse_qsl, quote

from botocore.utils import normalize_url_path

from stemma.auth.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "sagemaker"
TERMINATOR = "aws4_request"
DEFAULT_SKEW = dt.timedelta(minutes=5)  # D52
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_REGION = re.compile(r"[a-z0-9-]+")
_USUAL_AUTHORIZATION = re.compile(
    ALGORITHM + r" Credential=(?P<Credential>[^\s,=]+), ?"
    r"SignedHeaders=(?P<SignedHeaders>[^\s,=]+), ?Signature=(?P<Signature>[^\s,=]+)"
)


class SignedRequest(NamedTuple):
    """A request exactly as received: what the signature covers (a tuple: made per request)."""

    method: str
    path: str  # the raw, still-encoded path
    query: str  # the raw query string
    headers: list[tuple[str, str]]  # (lowercase name, value), in arrival order
    body: bytes


@dataclass(frozen=True)
class Credential:
    """What the server knows about an access key."""

    access_key_id: str
    secret: str
    account: str


class Identity(NamedTuple):
    """Who signed a verified request, and for which region (a tuple: made on every request)."""

    access_key_id: str
    account: str
    region: str


Lookup = Callable[[str], Credential | None]


def verify(
    request: SignedRequest,
    lookup: Lookup,
    now: dt.datetime,
    skew: dt.timedelta = DEFAULT_SKEW,
    region_allowed: Callable[[str], bool] | None = None,
) -> Identity:
    """The identity behind a correctly signed request; raises an auth error otherwise.
    ``region_allowed`` (``--regions``) limits the regions a scope may name."""
    headers = _header_map(request.headers)
    authorization = headers.get("authorization")
    if authorization is None:
        raise MissingAuthenticationTokenException("Request is missing Authentication Token")
    fields = _parse_authorization(authorization, headers)
    credential, signed_headers, signature = (
        fields["Credential"],
        fields["SignedHeaders"],
        fields["Signature"],
    )
    parts = credential.split("/")
    if len(parts) != 5:
        raise IncompleteSignatureException(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    access_key_id, scope_date, region, service, terminator = parts
    amz_date_text, when = _request_time(headers)
    if service != SERVICE:
        raise InvalidSignatureException(
            f"Credential should be scoped to correct service: '{SERVICE}'. "
        )
    if terminator != TERMINATOR:
        raise InvalidSignatureException(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{terminator}'. "
        )
    stamp = amz_date_text if "x-amz-date" in headers else when.strftime(_AMZ_DATE)
    request_date = stamp[:8]
    if not _REGION.fullmatch(region) or (region_allowed is not None and not region_allowed(region)):
        # ARNs carry the region, and the model's ARN patterns allow [a-z0-9-] only; and a
        # region outside --regions is answered as AWS answers one it does not serve.
        raise InvalidSignatureException(
            f"Credential should be scoped to a valid region, not '{region}'. "
        )
    if scope_date != request_date:
        raise InvalidSignatureException(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{scope_date}' != '{request_date}', from '{amz_date_text}'."
        )
    signed = signed_headers.split(";")
    if "host" not in signed:
        raise InvalidSignatureException(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    if "x-amz-target" in headers and "x-amz-target" not in signed:
        # The header names the operation: unsigned, a captured Describe could be replayed as a
        # Delete. Every SDK signs it; the message follows AWS's for an unsigned Host.
        raise InvalidSignatureException(
            "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."
        )
    _check_clock(when, now, skew)
    known = lookup(access_key_id)
    if known is None or "x-amz-security-token" in headers:
        # stemma issues no session tokens, so any token is one it does not recognise.
        raise UnrecognizedClientException("The security token included in the request is invalid.")
    string_to_sign = "\n".join(
        (
            ALGORITHM,
            stamp,
            f"{scope_date}/{region}/{service}/{terminator}",
            hashlib.sha256(canonical_request(request, signed).encode("utf-8")).hexdigest(),
        )
    )
    key = signing_key(known.secret, scope_date, region, service)
    expected = hmac.digest(key, string_to_sign.encode("utf-8"), "sha256").hex()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        )
    return Identity(access_key_id, known.account, region)


def canonical_request(request: SignedRequest, signed: list[str]) -> str:
    wanted = set(signed)
    values: dict[str, str] = {}
    for name, value in request.headers:
        if name in wanted:  # unsigned headers (the Authorization header itself) cost nothing
            # Trimmed, inner runs of whitespace collapsed to one space, as botocore signs them;
            # a header sent twice is signed as its values joined by commas.
            value = " ".join(value.split())
            values[name] = f"{values[name]},{value}" if name in values else value
    if len(values) != len(wanted):
        # A signed header that did not arrive cannot match what the client signed.
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you "
            "provided. Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        )
    lines = "".join([f"{name}:{values[name]}\n" for name in signed])
    return (
        f"{request.method}\n{canonical_path(request.path)}\n{_canonical_query(request.query)}\n"
        f"{lines}\n{';'.join(signed)}\n{hashlib.sha256(request.body).hexdigest()}"
    )


@functools.lru_cache(maxsize=256)  # nearly every request has the path "/"
def canonical_path(path: str) -> str:
    """The path as received, dot segments and repeated slashes removed, then URI-encoded once
    more: what botocore signs and AWS services verify (the SigV4 rule for services other than
    S3). ``/`` and plain endpoint prefixes come out unchanged."""
    return quote(normalize_url_path(path or "/"), safe="/~")


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


@functools.lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def sign(request: SignedRequest, credential: Credential, region: str, when: dt.datetime) -> str:
    """The Authorization header for ``request`` (whose headers must already carry host and
    x-amz-date). Used by tests and the benchmark's request generator."""
    signed = sorted({name for name, _ in request.headers if name != "authorization"})
    date = when.strftime("%Y%m%d")
    scope = f"{date}/{region}/{SERVICE}/{TERMINATOR}"
    string_to_sign = "\n".join(
        (
            ALGORITHM,
            when.strftime(_AMZ_DATE),
            scope,
            hashlib.sha256(canonical_request(request, signed).encode("utf-8")).hexdigest(),
        )
    )
    key = signing_key(credential.secret, date, region, SERVICE)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={credential.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(signed)}, Signature={signature}"
    )


def _header_map(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Each header's first value (built in C: later pairs overwrite, so feed them reversed)."""
    return dict(reversed(headers))


def _parse_authorization(header: str, headers: dict[str, str]) -> dict[str, str]:
    usual = _USUAL_AUTHORIZATION.fullmatch(header)
    if usual is not None and ("x-amz-date" in headers or "date" in headers):
        return usual.groupdict()  # the form every SDK sends, in one match
    algorithm, _, rest = header.strip().partition(" ")
    fields: dict[str, str] = {}
    for component in (c.strip() for c in rest.split(",")):
        if not component:
            continue
        name, sep, value = component.partition("=")
        if not sep:
            raise IncompleteSignatureException(
                f"'{component}' not a valid key=value pair (missing equal-sign) in "
                f"Authorization header: '{header}'."
            )
        fields[name.strip()] = value.strip()
    problems = []
    for name in ("Credential", "Signature", "SignedHeaders"):
        if not fields.get(name):
            problems.append(f"Authorization header requires '{name}' parameter.")
    if "x-amz-date" not in headers and "date" not in headers:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if algorithm != ALGORITHM or problems:
        if not problems:
            problems.append(f"Unsupported AWS 'algorithm': '{algorithm}'.")
        raise IncompleteSignatureException(" ".join(problems) + f" Authorization={header}")
    return fields


def _request_time(headers: dict[str, str]) -> tuple[str, dt.datetime]:
    text = headers.get("x-amz-date")
    if text is not None:
        parsed = _parse_amz_date(text)
        if parsed is not None:
            return text, parsed
    else:
        text = headers["date"]
        try:
            parsed = parsedate_to_datetime(text)
            if parsed.tzinfo is None:  # "-0000": UTC with no stated zone (RFC 5322)
                parsed = parsed.replace(tzinfo=dt.UTC)
            return text, parsed.astimezone(dt.UTC)
        except (TypeError, ValueError, OverflowError):
            pass
    raise IncompleteSignatureException(
        f"Date must be in ISO-8601 'basic format'. Got '{text}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


@functools.lru_cache(maxsize=64)  # concurrent requests share their second
def _parse_amz_date(text: str) -> dt.datetime | None:
    """``YYYYMMDDTHHMMSSZ``, parsed by slicing: strptime costs more than the rest of verify."""
    if len(text) != 16 or text[8] != "T" or text[15] != "Z":
        return None
    digits = text[:8] + text[9:15]
    if not digits.isascii() or not digits.isdigit():
        return None
    try:
        return dt.datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[9:11]),
            int(text[11:13]),
            int(text[13:15]),
            tzinfo=dt.UTC,
        )
    except ValueError:
        return None


def _check_clock(when: dt.datetime, now: dt.datetime, skew: dt.timedelta) -> None:
    if now - skew <= when <= now + skew:
        return
    minutes = int(skew.total_seconds() // 60)
    stamp = when.strftime(_AMZ_DATE)
    if when < now - skew:
        raise InvalidSignatureException(
            f"Signature expired: {stamp} is now earlier than "
            f"{(now - skew).strftime(_AMZ_DATE)} ({now.strftime(_AMZ_DATE)} - {minutes} min.)"
        )
    raise InvalidSignatureException(
        f"Signature not yet current: {stamp} is still later than "
        f"{(now + skew).strftime(_AMZ_DATE)} ({now.strftime(_AMZ_DATE)} + {minutes} min.)"
    )
