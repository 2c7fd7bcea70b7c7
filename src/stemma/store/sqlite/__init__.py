"""The embedded store: one SQLite file in WAL mode, implementing ``contract.Store``.

``base`` holds connections, transactions and migrations; ``entities``, ``tags``, ``graph`` and
``keys`` each hold one concern's queries; ``SqliteStore`` puts them together.
"""

from __future__ import annotations

import os
from pathlib import Path

from stemma.store.sqlite.entities import SqliteEntities
from stemma.store.sqlite.graph import SqliteGraph
from stemma.store.sqlite.keys import SqliteKeys
from stemma.store.sqlite.tags import SqliteTags


class SqliteStore(SqliteEntities, SqliteTags, SqliteGraph, SqliteKeys):
    """The store contract on one SQLite database file."""


def open_sqlite(path: str | os.PathLike[str], *, migrate: bool = True) -> SqliteStore:
    return SqliteStore(Path(path), migrate=migrate)
