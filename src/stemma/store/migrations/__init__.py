"""Numbered schema migrations, one folder of plain SQL files per backend.

``NNNN_name.sql`` files are applied in order; each runs in one transaction with the row that
records it, so a crash leaves either both or neither. An applied file is never edited, only
followed by a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


def load(backend: str) -> list[Migration]:
    """The migrations for ``backend`` (``sqlite`` or ``postgres``), in order."""
    folder = resources.files(__package__).joinpath(backend)
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(
                Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8"))
            )
    found.sort(key=lambda m: m.version)
    return found


def statements(sql: str) -> list[str]:
    """Split a migration file into statements (our migrations contain no ';' in literals)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
