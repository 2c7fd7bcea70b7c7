"""The built explorer in the package: fresh, self-contained, and served whole."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.request
from pathlib import Path

from tests.conftest import Server
from tests.ui.conftest import ROOT

UI_SOURCES = ROOT / "ui"
RELATIVE_IMPORT = re.compile(r"""(?:from|import\()\s*["'](\.{1,2}/[^"']+)["']""")


def source_digest() -> str:
    """The digest ui/build.mjs stamps into build-info.json (same files, same order)."""
    files = ["build.mjs", "index.html", "package.json", "package-lock.json", "tsconfig.json"]
    for folder in ("src", "public"):
        files += [
            p.relative_to(UI_SOURCES).as_posix()
            for p in (UI_SOURCES / folder).rglob("*")
            if p.is_file()
        ]
    digest = hashlib.sha256()
    for name in sorted(files):
        content = hashlib.sha256((UI_SOURCES / name).read_bytes()).hexdigest()
        digest.update(f"{name}\0{content}\n".encode())
    return digest.hexdigest()


def test_built_assets_match_the_sources(ui_assets: Path) -> None:
    info = json.loads((ui_assets / "build-info.json").read_text())
    stale = "ui/ changed since the last build: run scripts/build-ui"
    assert info["sources"] == source_digest(), stale


def test_app_shell_has_no_inline_code_and_nothing_external(ui_assets: Path) -> None:
    shell = (ui_assets / "index.html").read_text()
    assert "<style" not in shell and "style=" not in shell
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", shell, re.S)
    assert scripts and all('src="/ui/assets/' in attrs and not body for attrs, body in scripts)
    assert not re.search(r"(src|href)=\"(https?:)?//", shell)


def test_every_built_file_is_served(server: Server, ui_assets: Path) -> None:
    files = [p for p in ui_assets.rglob("*") if p.is_file()]
    assert any(p.suffix == ".js" for p in files) and any(p.suffix == ".css" for p in files)
    for path in files:
        relative = path.relative_to(ui_assets).as_posix()
        with urllib.request.urlopen(f"{server.url}/ui/{relative}", timeout=5) as response:
            assert response.status == 200
            assert response.read() == path.read_bytes()
            kind = response.headers["content-type"]
        if path.suffix == ".js":
            assert "javascript" in kind, relative
        if path.suffix == ".css":
            assert kind.startswith("text/css"), relative


def test_chunks_the_entry_imports_exist(ui_assets: Path) -> None:
    for script in (ui_assets / "assets").rglob("*.js"):
        for target in RELATIVE_IMPORT.findall(script.read_text()):
            assert (script.parent / target).resolve().is_file(), f"{script.name} imports {target}"
