"""Page tokens: opaque, signed, bound to their request, and safe to pass on a command line."""

from __future__ import annotations

import pytest

from stemma.store import pagination

SECRET = b"k" * 32


@pytest.mark.parametrize("position", [[1795747352697, f"c{i}"] for i in range(300)])
def test_tokens_start_with_the_payload_never_a_dash(position: list[object]) -> None:
    token = pagination.encode(SECRET, "ListContexts", "f", position)
    assert token.startswith("eyJ")  # AWS CLI: `--next-token -x` would read as an option
    assert pagination.decode(SECRET, "ListContexts", "f", token) == position


def test_tampered_or_foreign_tokens_are_refused() -> None:
    token = pagination.encode(SECRET, "ListContexts", "f", [1, "a"])
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad, secret, operation, bound in (
        (tampered, SECRET, "ListContexts", "f"),
        (token, b"x" * 32, "ListContexts", "f"),
        (token, SECRET, "ListActions", "f"),
        (token, SECRET, "ListContexts", "g"),
        ("not base64!", SECRET, "ListContexts", "f"),
        ("", SECRET, "ListContexts", "f"),
    ):
        with pytest.raises(pagination.InvalidToken):
            pagination.decode(secret, operation, bound, bad)
