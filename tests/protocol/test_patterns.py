"""Which regular-expression engine checks a model pattern: ``re`` (faster) only where it means
exactly what ``regex`` means; the class escapes whose Unicode tables differ go to ``regex``."""

from __future__ import annotations

import re

import pytest
import regex

from stemma.protocol.validator import _compile


@pytest.mark.parametrize("pattern", [r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}", ".*", "[a-z]+"])
def test_plain_patterns_use_re(pattern: str) -> None:
    assert isinstance(_compile(pattern), re.Pattern)


@pytest.mark.parametrize("pattern", [r"[\w+=,.@*-]+", r"\S(.*\S)?", r"\d+", r"\p{L}+"])
def test_class_escapes_and_unicode_properties_use_regex(pattern: str) -> None:
    assert isinstance(_compile(pattern), regex.Pattern)


def test_the_engines_do_disagree_on_those_classes() -> None:
    # Why: U+001C is whitespace to re only, so "\s" must never go to re.
    assert re.fullmatch(r"\s", "\x1c") is not None
    assert regex.fullmatch(r"\s", "\x1c") is None
