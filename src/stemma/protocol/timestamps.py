"""Timestamps given as text: what the parser accepts in timestamp members (D6), and what
Search accepts as a time value (§5.4). One reading for both."""

from __future__ import annotations

import datetime as dt
import math


def parse_timestamp_string(text: str) -> float | None:
    """Epoch seconds from a numeric or ISO-8601 string, accepted leniently (D6)."""
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) else None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()
