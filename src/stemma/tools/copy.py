"""placeholder"""

from __future__ import annotations

from typing import Any


class CopyFailed(Exception):
    pass


def copy_endpoint(*args: Any, **kw: Any) -> Any:
    raise CopyFailed("not yet")
