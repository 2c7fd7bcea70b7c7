"""The layers' import arrows, checked on the source: protocol, auth, service, store and ui each
import only what their place in the architecture allows (see README "Layout")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "stemma"

# layer -> module prefixes it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "protocol": (
        "stemma.auth",
        "stemma.service",
        "stemma.store",
        "stemma.ui",
        "stemma.app",
        "stemma.cli",
        "uvicorn",
        "sqlite3",
        "psycopg",
    ),
    "auth": (
        "stemma.service",
        "stemma.ui",
        "stemma.app",
        "stemma.cli",
        "stemma.store.sqlite",
        "stemma.store.postgres",
        "stemma.store.sql",
        "uvicorn",
        "sqlite3",
        "psycopg",
    ),
    "service": (
        "stemma.app",
        "stemma.cli",
        "stemma.ui",
        "stemma.auth",
        "stemma.protocol.parser",
        "stemma.protocol.serializer",
        "stemma.store.sqlite",
        "stemma.store.postgres",
        "stemma.store.sql",
        "uvicorn",
        "sqlite3",
        "psycopg",
    ),
    "store": (
        "stemma.protocol",
        "stemma.auth",
        "stemma.service",
        "stemma.ui",
        "stemma.app",
        "stemma.cli",
        "uvicorn",
    ),
    "ui": ("stemma.service", "stemma.store", "stemma.auth", "stemma.protocol"),
    # OpenLineage in and out: the store contract and the service's identities, never SQL.
    "openlineage": (
        "stemma.app",
        "stemma.cli",
        "stemma.ui",
        "stemma.store.sql",
        "stemma.store.sqlite",
        "stemma.store.postgres",
        "sqlite3",
        "psycopg",
    ),
    # The data tools use the store contract (and the SQLite store's backup), never SQL.
    "tools": (
        "stemma.app",
        "stemma.cli",
        "stemma.ui",
        "stemma.store.sql",
        "stemma.store.postgres",
        "uvicorn",
        "sqlite3",
        "psycopg",
    ),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    breaches = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            if any(name == bad or name.startswith(f"{bad}.") for bad in FORBIDDEN[layer]):
                breaches.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert breaches == []


def test_nothing_imports_the_cli() -> None:
    users = [
        path.relative_to(PACKAGE)
        for path in PACKAGE.rglob("*.py")
        if path.name not in ("cli.py", "__main__.py") and "stemma.cli" in _imports(path)
    ]
    assert users == []
