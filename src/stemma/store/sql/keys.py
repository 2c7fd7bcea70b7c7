"""Access keys (the secrets arrive and leave sealed)."""

from __future__ import annotations

from typing import Any

from stemma.store.contract import NotFound, StoredKey
from stemma.store.sql.base import SqlBase

_COLUMNS = "access_key_id, account, secret, is_root, created_ms"


class SqlKeys(SqlBase):
    def put_access_key(self, key: StoredKey) -> None:
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO access_keys ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (access_key_id) DO UPDATE SET account = excluded.account,"
                " secret = excluded.secret, is_root = excluded.is_root,"
                " created_ms = excluded.created_ms",
                (
                    key.access_key_id,
                    key.account,
                    key.sealed_secret,
                    int(key.is_root),
                    key.created_ms,
                ),
            )

    def get_access_key(self, access_key_id: str) -> StoredKey | None:
        rows = self._read(
            f"SELECT {_COLUMNS} FROM access_keys WHERE access_key_id = ?", (access_key_id,)
        )
        return _key(rows[0]) if rows else None

    def list_access_keys(self) -> list[StoredKey]:
        rows = self._read(f"SELECT {_COLUMNS} FROM access_keys ORDER BY account, created_ms", ())
        return [_key(row) for row in rows]

    def delete_access_key(self, access_key_id: str) -> None:
        with self._write() as conn:
            deleted = conn.execute(
                "DELETE FROM access_keys WHERE access_key_id = ?", (access_key_id,)
            ).rowcount
            if not deleted:
                raise NotFound(access_key_id)


def _key(row: tuple[Any, ...]) -> StoredKey:
    access_key_id, account, secret, is_root, created_ms = row
    return StoredKey(access_key_id, account, bytes(secret), bool(is_root), created_ms)
