"""The explorer's files are served at /ui with a strict Content-Security-Policy."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.conftest import Server


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_ui_page_is_served_with_a_strict_policy(server: Server) -> None:
    status, headers, body = _get(f"{server.url}/ui")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert b"<html" in body


def test_deep_links_get_the_app_shell(server: Server) -> None:
    status, _, shell = _get(f"{server.url}/ui")
    deep_status, _, deep = _get(f"{server.url}/ui/contexts/some-name")
    assert (status, deep_status) == (200, 200)
    assert deep == shell


@pytest.mark.parametrize("path", ["/ui/missing.js", "/ui/../pyproject.toml", "/ui/.hidden"])
def test_missing_and_escaping_paths_are_404(server: Server, path: str) -> None:
    status, headers, _ = _get(f"{server.url}{path}")
    assert status == 404
    assert "content-security-policy" in headers
