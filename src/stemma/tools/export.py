"""``stemma export``: a store's rows, from one consistent snapshot, as an NDJSON stream."""

from __future__ import annotations

import contextlib
from typing import IO

from stemma import __version__
from stemma.store.contract import Scope, Store
from stemma.tools import records
from stemma.tools.progress import Progress

MASTER_CHECK = "master_key_check"  # the meta key auth.keys keeps the master key's check in


def export(
    store: Store,
    out: IO[bytes],
    scope: Scope | None = None,
    *,
    keys: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write every row of ``scope`` (None: all scopes) to ``out``; returns the records written
    (header and end record aside). Access keys only with ``keys`` (sealed: usable only with the
    source's master key)."""
    check = store.meta_get(MASTER_CHECK) if keys else None
    out.write(records.header(scope, keys, check, __version__))
    count = 0
    buffer: list[bytes] = []
    with contextlib.closing(store.dump(scope, keys=keys)) as rows:
        for row in rows:
            buffer.append(records.encode(row))
            count += 1
            if len(buffer) == 1000:
                out.write(b"".join(buffer))
                buffer.clear()
                if progress is not None:
                    progress.update(count)
    out.write(b"".join(buffer))
    out.write(records.end(count + 1))
    out.flush()
    return count
