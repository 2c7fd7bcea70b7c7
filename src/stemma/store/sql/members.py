"""Memberships of trial components in trials (AssociateTrialComponent and its inverse).

A membership is not a lineage edge: it lives in ``trial_members``, never in ``associations``, and
QueryLineage never sees it. Lock order: the trial's row, then the trial component's, the same in
every write that takes both, so concurrent writers on PostgreSQL never deadlock.
"""

from __future__ import annotations

from stemma.store.contract import Entity, Kind, NotFound, QuotaExceeded, Ref, Scope
from stemma.store.sql.base import (
    ENTITY_COLUMNS,
    Connection,
    SqlBase,
    chunks,
    entity_from_row,
    marks,
)

TRIAL: Kind = "experiment-trial"
COMPONENT: Kind = "experiment-trial-component"
_TRIAL_COLUMNS = ", ".join(f"t.{c}" for c in ENTITY_COLUMNS.split(", "))
_BUMP = (
    "UPDATE entities SET modified_ms = ? WHERE account = ? AND region = ? AND kind = ? AND id = ?"
)


class SqlMembers(SqlBase):
    def add_member(
        self, scope: Scope, trial_id: str, tc_id: str, counted: bool, quota: int | None, now_ms: int
    ) -> bool:
        with self._write() as conn:
            experiment_id = self._lock_ends(conn, scope, trial_id, tc_id)
            present = conn.execute(
                "SELECT 1 FROM trial_members"
                " WHERE account = ? AND region = ? AND trial_id = ? AND tc_id = ?",
                (*scope, trial_id, tc_id),
            ).fetchone()
            if present is not None:
                return False  # idempotent (D63): no change, no quota used
            if counted and quota is not None:
                row = conn.execute(
                    "SELECT COUNT(*) FROM trial_members"
                    " WHERE account = ? AND region = ? AND trial_id = ? AND counted",
                    (*scope, trial_id),
                ).fetchone()
                if int(row[0]) >= quota:
                    raise QuotaExceeded(quota, int(row[0]))
            conn.execute(
                "INSERT INTO trial_members (account, region, trial_id, tc_id, experiment_id,"
                " counted, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*scope, trial_id, tc_id, experiment_id, counted, now_ms),
            )
            self._bump(conn, scope, trial_id, tc_id, now_ms)
            return True

    def remove_member(self, scope: Scope, trial_id: str, tc_id: str, now_ms: int) -> None:
        with self._write() as conn:
            self._lock_ends(conn, scope, trial_id, tc_id)
            deleted = conn.execute(
                "DELETE FROM trial_members"
                " WHERE account = ? AND region = ? AND trial_id = ? AND tc_id = ?",
                (*scope, trial_id, tc_id),
            ).rowcount
            if not deleted:
                raise NotFound(None)
            self._bump(conn, scope, trial_id, tc_id, now_ms)

    def memberships(self, scope: Scope, tc_id: str) -> list[Entity]:
        rows = self._read(
            f"SELECT {_TRIAL_COLUMNS} FROM trial_members m"
            " JOIN entities t ON t.account = m.account AND t.region = m.region"
            " AND t.kind = 'experiment-trial' AND t.id = m.trial_id"
            " WHERE m.account = ? AND m.region = ? AND m.tc_id = ?"
            " ORDER BY m.created_ms, m.trial_id",
            (*scope, tc_id),
        )
        return [entity_from_row(row) for row in rows]

    def memberships_of(self, scope: Scope, tc_ids: list[str]) -> dict[str, list[Entity]]:
        found: dict[str, list[Entity]] = {}
        for chunk in chunks(tc_ids):
            rows = self._read(
                f"SELECT m.tc_id, {_TRIAL_COLUMNS} FROM trial_members m"
                " JOIN entities t ON t.account = m.account AND t.region = m.region"
                " AND t.kind = 'experiment-trial' AND t.id = m.trial_id"
                f" WHERE m.account = ? AND m.region = ? AND m.tc_id IN ({marks(len(chunk))})"
                " ORDER BY m.tc_id, m.created_ms, m.trial_id",
                (*scope, *chunk),
            )
            for tc_id, *row in rows:
                found.setdefault(tc_id, []).append(entity_from_row(row))
        return found

    def members_of(self, scope: Scope, trial_ids: list[str]) -> dict[str, list[tuple[Entity, int]]]:
        found: dict[str, list[tuple[Entity, int]]] = {}
        for chunk in chunks(trial_ids):
            rows = self._read(
                f"SELECT m.trial_id, m.created_ms, {_TRIAL_COLUMNS} FROM trial_members m"
                " JOIN entities t ON t.account = m.account AND t.region = m.region"
                " AND t.kind = 'experiment-trial-component' AND t.id = m.tc_id"
                f" WHERE m.account = ? AND m.region = ? AND m.trial_id IN ({marks(len(chunk))})"
                " ORDER BY m.trial_id, m.created_ms, m.tc_id",
                (*scope, *chunk),
            )
            for trial_id, created_ms, *row in rows:
                found.setdefault(trial_id, []).append((entity_from_row(row), created_ms))
        return found

    def _lock_ends(self, conn: Connection, scope: Scope, trial_id: str, tc_id: str) -> str:
        """Lock the trial (for update) and the trial component (for share); return the trial's
        experiment. Raises NotFound(Ref) for the first end missing."""
        row = conn.execute(
            "SELECT parent FROM entities WHERE account = ? AND region = ? AND kind = ? AND id = ?"
            + self.lock_for_update,
            (*scope, TRIAL, trial_id),
        ).fetchone()
        if row is None:
            raise NotFound(Ref(TRIAL, trial_id))
        if not self._exists(conn, scope, COMPONENT, tc_id, self.lock_for_share):
            raise NotFound(Ref(COMPONENT, tc_id))
        return str(row[0])

    def _bump(self, conn: Connection, scope: Scope, trial_id: str, tc_id: str, now_ms: int) -> None:
        conn.execute(_BUMP, (now_ms, *scope, TRIAL, trial_id))
        conn.execute(_BUMP, (now_ms, *scope, COMPONENT, tc_id))
