"""What a ValidationException echoes and what a model pattern accepts, on a real server.

Two findings of issue #20 (item 6): an invalid 1 MB value came back twice in a 2 MB answer, so
echoed values are cut (``validator.ECHO_LIMIT``); and patterns written ``.*`` accepted line
terminators that AWS's Java patterns refuse, so ``.`` follows Java's meaning
(docs/operations.md, "Validation").
"""

from __future__ import annotations

from typing import Any

import pytest

from stemma.protocol.validator import ECHO_LIMIT, _compile
from tests.awsjson import assert_error, error_message, lineage
from tests.conftest import Server, unique


def test_a_huge_invalid_value_is_echoed_cut_short(server: Server, region: str) -> None:
    value = "!" * 900_000  # breaks both the length and the pattern of ContextName
    body = {"ContextName": value, "Source": {"SourceUri": "s3://b/k"}, "ContextType": "T"}
    response = lineage(server.url, "CreateContext", body, region=region)
    message = assert_error(response, "ValidationException")
    assert message.startswith("2 validation errors detected: ")
    assert len(response.body) < 4 * ECHO_LIMIT, len(response.body)
    echoed = "!" * ECHO_LIMIT + "..."
    assert f"Value '{echoed}' at 'contextName' failed to satisfy constraint" in message


def test_a_value_at_the_limit_is_echoed_whole(server: Server, region: str) -> None:
    value = "a" * (ECHO_LIMIT - 1) + "!"
    body = {"ContextName": unique(), "Source": {"SourceUri": "s3://b/k"}, "ContextType": value}
    message = assert_error(
        lineage(server.url, "CreateContext", body, region=region), "ValidationException"
    )
    assert f"Value '{value}' at 'contextType'" in message


# Java's line terminators, which its "." does not match (java.util.regex.Pattern, "Line
# terminators"); Python's "." refuses only "\n".
JAVA_LINE_TERMINATORS = ["\n", "\r", "\u0085", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", JAVA_LINE_TERMINATORS, ids=repr)
def test_dot_star_refuses_java_line_terminators(sm: Any, char: str) -> None:
    text = error_message(
        "ValidationException",
        sm.create_context,
        ContextName=unique(),
        Source={"SourceUri": f"s3://b/k{char}x"},
        ContextType="T",
    )
    assert "at 'source.sourceUri' failed to satisfy constraint: " in text
    assert "Member must satisfy regular expression pattern: .*" in text


@pytest.mark.parametrize("char", ["\t", "\x0b", "\x0c", "\x1c", "\u00a0", "é"], ids=repr)
def test_dot_matches_what_java_matches(char: str) -> None:
    assert _compile(".*").fullmatch(f"a{char}b") is not None


@pytest.mark.parametrize(
    "pattern, text, matches",
    [
        (r"a\.b", "a.b", True),
        (r"a\.b", "a\rb", False),
        ("[.]", ".", True),
        ("[.]", "\r", False),
        (r"arn:aws[a-z\-]*:sagemaker:.*", "arn:aws:sagemaker:x\u2028", False),
        (r"\\.", "\\\r", False),
        (r"\\.", "\\x", True),
    ],
)
def test_only_unescaped_dots_outside_classes_change(pattern: str, text: str, matches: bool) -> None:
    assert (_compile(pattern).fullmatch(text) is not None) is matches
