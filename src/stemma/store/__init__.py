"""Storage behind one contract (``contract.Store``): embedded SQLite, or PostgreSQL for teams.

``open_store`` picks the implementation from a database URL, so nothing above this package
names a concrete store.
"""

from __future__ import annotations

from stemma.store.contract import Store


class UnsupportedDatabase(ValueError):
    """The database URL names a scheme stemma cannot open."""


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open the store a URL names: ``sqlite:///path/to/file.db`` or
    ``postgresql://user@host:port/dbname``."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme == "sqlite":
        from stemma.store.sqlite import open_sqlite

        # sqlite:///relative and sqlite:////absolute, as SQLAlchemy spells them.
        return open_sqlite(rest[1:] if rest.startswith("/") else rest, migrate=migrate)
    if sep and scheme in ("postgresql", "postgres"):
        from stemma.store.postgres import open_postgres

        return open_postgres(url, migrate=migrate)
    raise UnsupportedDatabase(
        f"unsupported database URL {url!r}: expected sqlite:///PATH or postgresql://..."
    )
