"""Tags, kept in insertion order by a per-resource position."""

from __future__ import annotations

from stemma.store.contract import Kind, NotFound, Scope, Tag, TagPage, TooManyTags
from stemma.store.sql.base import SqlBase, chunks, marks


class SqlTags(SqlBase):
    def add_tags(
        self, scope: Scope, kind: Kind, entity_id: str, tags: list[Tag], limit: int
    ) -> None:
        key = (*scope, kind, entity_id)
        with self._write() as conn:
            # The entity's row lock serializes tag writers, so positions never collide.
            if not self._exists(conn, scope, kind, entity_id, self.lock_for_update):
                raise NotFound(entity_id)
            for tag in tags:
                # A new key goes last; an existing key keeps its position (D34).
                conn.execute(
                    "INSERT INTO tags (account, region, kind, id, key, value, position)"
                    " VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM tags"
                    " WHERE account = ? AND region = ? AND kind = ? AND id = ?))"
                    " ON CONFLICT (account, region, kind, id, key)"
                    " DO UPDATE SET value = excluded.value",
                    (*key, tag.key, tag.value, *key),
                )
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM tags"
                " WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                key,
            ).fetchone()
            if count > limit:
                raise TooManyTags(count)

    def delete_tags(self, scope: Scope, kind: Kind, entity_id: str, keys: list[str]) -> None:
        with self._write() as conn:
            if not self._exists(conn, scope, kind, entity_id, self.lock_for_update):
                raise NotFound(entity_id)
            conn.executemany(
                "DELETE FROM tags WHERE account = ? AND region = ? AND kind = ? AND id = ?"
                " AND key = ?",
                [(*scope, kind, entity_id, key) for key in keys],
            )

    def list_tags(
        self, scope: Scope, kind: Kind, entity_id: str, after: int | None, limit: int
    ) -> TagPage:
        with self._snapshot() as conn:
            if not self._exists(conn, scope, kind, entity_id):
                raise NotFound(entity_id)
            rows = conn.execute(
                "SELECT key, value, position FROM tags WHERE account = ? AND region = ?"
                " AND kind = ? AND id = ? AND position > ? ORDER BY position LIMIT ?",
                (*scope, kind, entity_id, after or 0, limit + 1),
            ).fetchall()
        page = [Tag(key, value) for key, value, _ in rows[:limit]]
        if len(rows) > limit:
            return TagPage(page, last_position=rows[limit - 1][2], more=True)
        return TagPage(page)

    def tags_of(self, scope: Scope, kind: Kind, ids: list[str]) -> dict[str, list[Tag]]:
        found: dict[str, list[Tag]] = {}
        for chunk in chunks(ids):
            rows = self._read(
                "SELECT id, key, value FROM tags WHERE account = ? AND region = ? AND kind = ?"
                f" AND id IN ({marks(len(chunk))}) ORDER BY id, position",
                (*scope, kind, *chunk),
            )
            for entity_id, key, value in rows:
                found.setdefault(entity_id, []).append(Tag(key, value))
        return found
