"""The docs cover what the code serves: every operation and every setting."""

from __future__ import annotations

from pathlib import Path

from stemma.service import HANDLERS
from stemma.settings import SETTINGS

DOCS = Path(__file__).parent.parent / "docs"


def test_every_served_operation_has_a_section() -> None:
    text = (DOCS / "operations.md").read_text()
    missing = [op for op in HANDLERS if f"\n## {op}\n" not in text]
    assert missing == []


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [s.flag for s in SETTINGS if f"`{s.flag}" not in text or f"`{s.env}`" not in text]
    assert missing == []
