"""Hypothesis strategies that change a correctly signed request after signing.

Every mutation changes something the signature covers (or the signature itself, its scope, the
key, or the request's date), so a verifier that works as AWS's does must refuse every one of
them. Changes a canonical request ignores by definition (header-name case, surrounding
whitespace in a header value) are never generated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from hypothesis import strategies as st

from tests.auth.support import AMZ_DATE, Raw

SIGNED = ("content-type", "host", "x-amz-date", "x-amz-target")
KINDS = (
    "body_flip",
    "body_append",
    "body_truncate",
    "header_value",
    "header_drop",
    "header_duplicate",
    "signature_flip",
    "signature_drop",
    "credential_part",
    "signed_headers_drop",
    "signed_headers_add",
    "signed_headers_swap",
    "path",
    "query",
    "method",
    "date_shift",
    "algorithm",
    "authorization_drop",
    "security_token",
    "secret",
)
HEX = "0123456789abcdef"
# Printable, no whitespace: a changed character must survive header canonicalisation.
VISIBLE = [chr(c) for c in range(33, 127)]


def split_authorization(value: str) -> tuple[str, dict[str, str]]:
    algorithm, _, rest = value.partition(" ")
    fields = {}
    for component in rest.split(","):
        name, _, field = component.strip().partition("=")
        fields[name] = field
    return algorithm, fields


def join_authorization(algorithm: str, fields: dict[str, str]) -> str:
    return f"{algorithm} " + ", ".join(f"{k}={v}" for k, v in fields.items())


def _other_char(draw: st.DrawFn, original: str, alphabet: list[str] | str) -> str:
    return draw(st.sampled_from([c for c in alphabet if c != original]))


def _change_char(draw: st.DrawFn, text: str, alphabet: list[str] | str) -> str:
    index = draw(st.integers(0, len(text) - 1))
    return text[:index] + _other_char(draw, text[index], alphabet) + text[index + 1 :]


def _with_fields(raw: Raw, algorithm: str, fields: dict[str, str]) -> Raw:
    return raw.with_authorization(join_authorization(algorithm, fields))


@st.composite
def mutated(
    draw: st.DrawFn, raw: Raw, resign: Callable[[str], Raw] | None = None
) -> tuple[str, Raw]:
    """A (description, request) pair: ``raw`` with one signed part changed.

    ``resign`` is a callable taking a secret and returning ``raw`` signed with that secret, for
    the wrong-secret mutation (left out when None).
    """
    kinds = [k for k in KINDS if k != "secret" or resign is not None]
    if not raw.body:
        kinds = [k for k in kinds if k not in ("body_flip", "body_truncate")]
    kind = draw(st.sampled_from(kinds))
    algorithm, fields = split_authorization(raw.authorization)
    if kind == "body_flip":
        index = draw(st.integers(0, len(raw.body) - 1))
        mask = draw(st.integers(1, 255))
        body = bytearray(raw.body)
        body[index] ^= mask
        return f"{kind} {index}^{mask}", replace(raw, body=bytes(body))
    if kind == "body_append":
        extra = draw(st.binary(min_size=1, max_size=8))
        return f"{kind} {extra!r}", replace(raw, body=raw.body + extra)
    if kind == "body_truncate":
        cut = draw(st.integers(1, len(raw.body)))
        return f"{kind} {cut}", replace(raw, body=raw.body[:-cut])
    if kind == "header_value":
        name = draw(st.sampled_from(SIGNED))
        value = raw.header(name) or ""
        changed = _change_char(draw, value, VISIBLE)
        return f"{kind} {name}={changed!r}", raw.with_header(name, changed)
    if kind == "header_drop":
        name = draw(st.sampled_from(SIGNED))
        return f"{kind} {name}", raw.without_header(name)
    if kind == "header_duplicate":
        name = draw(st.sampled_from([n for n in SIGNED if n != "host"]))
        value = raw.header(name) or ""
        suffix = draw(st.text(alphabet=VISIBLE, min_size=1, max_size=12))
        return f"{kind} {name}", replace(raw, headers=[*raw.headers, (name, value + suffix)])
    if kind == "signature_flip":
        fields["Signature"] = _change_char(draw, fields["Signature"], HEX)
        return f"{kind} {fields['Signature']}", _with_fields(raw, algorithm, fields)
    if kind == "signature_drop":
        cut = draw(st.integers(1, len(fields["Signature"])))
        fields["Signature"] = fields["Signature"][:-cut]
        return f"{kind} {cut}", _with_fields(raw, algorithm, fields)
    if kind == "credential_part":
        parts = fields["Credential"].split("/")
        index = draw(st.integers(0, len(parts) - 1))
        alphabet = "0123456789" if index == 1 else "abcdefghijklmnopqrstuvwxyz0123456789-_"
        parts[index] = _change_char(draw, parts[index], alphabet)
        fields["Credential"] = "/".join(parts)
        return f"{kind} {fields['Credential']}", _with_fields(raw, algorithm, fields)
    if kind == "signed_headers_drop":
        names = fields["SignedHeaders"].split(";")
        dropped = draw(st.sampled_from(names))
        fields["SignedHeaders"] = ";".join(n for n in names if n != dropped)
        return f"{kind} {dropped}", _with_fields(raw, algorithm, fields)
    if kind == "signed_headers_add":
        # A header that was sent but not signed, claimed as signed afterwards.
        added = draw(st.sampled_from(["user-agent", "x-extra"]))
        names = sorted([*fields["SignedHeaders"].split(";"), added])
        fields["SignedHeaders"] = ";".join(names)
        return f"{kind} {added}", _with_fields(
            raw.with_header(added, draw(st.text(alphabet=VISIBLE, min_size=1, max_size=12))),
            algorithm,
            fields,
        )
    if kind == "signed_headers_swap":
        names = fields["SignedHeaders"].split(";")
        i = draw(st.integers(0, len(names) - 2))
        names[i], names[i + 1] = names[i + 1], names[i]
        fields["SignedHeaders"] = ";".join(names)
        return f"{kind} {fields['SignedHeaders']}", _with_fields(raw, algorithm, fields)
    if kind == "path":
        # Not "." or "..": dot segments are normalized away, leaving the path as signed.
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-._~"
        segment = draw(st.text(alphabet=alphabet, min_size=1).filter(lambda s: s.strip(".")))
        path = draw(st.sampled_from([f"/{segment}", f"{raw.path}{segment}", f"//{segment}"]))
        return f"{kind} {path}", replace(raw, path=path)
    if kind == "query":
        key = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6))
        value = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=6))
        return f"{kind} {key}={value}", replace(raw, path=f"{raw.path}?{key}={value}")
    if kind == "method":
        method = draw(st.sampled_from(["PUT", "PATCH", "DELETE", "GET"]))
        return f"{kind} {method}", replace(raw, method=method)
    if kind == "date_shift":
        seconds = draw(st.integers(-3 * 86400, 3 * 86400).filter(bool))
        original = dt.datetime.strptime(raw.header("x-amz-date") or "", AMZ_DATE)
        shifted = (original + dt.timedelta(seconds=seconds)).strftime(AMZ_DATE)
        return f"{kind} {seconds}s", raw.with_header("X-Amz-Date", shifted)
    if kind == "algorithm":
        other = draw(
            st.sampled_from(["AWS4-HMAC-SHA1", "AWS4-HMAC-SHA512", "AWS4-ECDSA-P256-SHA256"])
        )
        return f"{kind} {other}", _with_fields(raw, other, fields)
    if kind == "authorization_drop":
        return kind, raw.without_header("Authorization")
    if kind == "security_token":
        token = draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1))
        return f"{kind} {token}", raw.with_header("X-Amz-Security-Token", token)
    assert kind == "secret" and resign is not None
    secret = draw(st.text(alphabet=VISIBLE, min_size=1, max_size=40))
    resigned = resign(secret)
    if resigned.authorization == raw.authorization:  # the very same secret: not a mutation
        resigned = resign(secret + "x")
    return f"{kind} {secret!r}", resigned
