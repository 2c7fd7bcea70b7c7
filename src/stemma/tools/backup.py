"""``stemma backup``: an online, consistent copy of a SQLite store (SQLite's backup API).

PostgreSQL stores are backed up with ``pg_dump`` (docs/backup.md); any store can also be
exported with ``stemma export``.
"""

from __future__ import annotations

import time
from pathlib import Path

from stemma.store.contract import StoreError
from stemma.store.sqlite import backup_sqlite


class BackupFailed(Exception):
    """The backup could not be taken; the target file is untouched."""


def backup(db_url: str, target: str) -> tuple[int, float]:
    """Copy the SQLite database ``db_url`` names to ``target``; returns (pages, seconds)."""
    scheme, _, rest = db_url.partition("://")
    if scheme != "sqlite":
        raise BackupFailed(
            f"{scheme} stores are backed up with their own tools (pg_dump for PostgreSQL, see "
            "docs/backup.md), or with stemma export"
        )
    source = Path(rest[1:] if rest.startswith("/") else rest)
    started = time.monotonic()
    try:
        pages = backup_sqlite(source, Path(target))
    except (OSError, StoreError) as exc:
        raise BackupFailed(f"cannot back up {source}: {exc}") from None
    return pages, time.monotonic() - started
