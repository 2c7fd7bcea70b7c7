"""Logging: the format (``--log-format text`` or ``json``) and the access line of a request.

JSON lines carry the time, level, logger and message, and any fields the call adds as
``extra``. An access line names the request id, operation, account, status and duration, and
never a header or a body, so no secret reaches a log.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any

import orjson

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What an access line may carry, and nothing more.
ACCESS_FIELDS = ("request_id", "operation", "account", "status", "error", "duration_ms")
access = logging.getLogger("stemma.access")
log = logging.getLogger("stemma")


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ACCESS_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def configure(settings: Any) -> None:
    """Configure the root logger from ``--log-level`` and ``--log-format`` (once per process)."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())


def request_line(method: str, what: str, status: int, code: str | None) -> None:
    """The text format's line for a request: at debug level, or a warning for a 5xx."""
    if status >= 500:
        log.warning("%s %s -> %d %s", method, what or "-", status, code)
    elif log.isEnabledFor(logging.DEBUG):
        log.debug("%s %s -> %d %s", method, what or "-", status, code or "")


def access_line(
    request_id: str | None,
    operation: str,
    account: str | None,
    status: int,
    error: str | None,
    seconds: float,
) -> None:
    """The access line of one request (JSON lines: always; text: at debug level)."""
    access.info(
        "%s %d",
        operation or "-",
        status,
        extra={
            "request_id": request_id,
            "operation": operation or None,
            "account": account,
            "status": status,
            "error": error,
            "duration_ms": round(seconds * 1000, 3),
        },
    )
