"""The ASGI side of a request: reading its body, writing its answer, naming it, and serving the
explorer's static files.

None of this knows SageMaker, so it lives apart from ``app.py``, which holds the request
pipeline. Every request takes these steps, so they are written for the hot path: request ids
come from a counter, and the JSON content-type header is built once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from stemma import ui
from stemma.protocol.errors import RequestEntityTooLarge
from stemma.protocol.serializer import CONTENT_TYPE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_JSON_TYPE = (b"content-type", CONTENT_TYPE.encode())
log = logging.getLogger("stemma")


class RequestIds:
    """Request ids shaped like version-4 UUIDs: a random prefix per app (so per process) and a
    counter. Unique like ``uuid4()``, for a fraction of its cost on every request."""

    def __init__(self) -> None:
        seed = uuid.uuid4().hex
        self._prefix = f"{seed[:8]}-{seed[8:12]}-{seed[12:16]}-{seed[16:20]}-"
        # From a random 40-bit start, 2**48 - 2**40 ids fit 12 hex digits: no wrapping to check.
        self._next = itertools.count(int(seed[22:], 16)).__next__

    def __call__(self) -> str:
        return f"{self._prefix}{self._next():012x}"


class ClientDisconnected(Exception):
    """The client went away before sending its whole request: nothing to answer."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, refused past ``limit`` bytes before the rest is read."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected()  # a truncated body is never processed
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge(
                f"Request body is larger than the {limit} bytes this server accepts."
            )
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    request_id: str | None,
    error_code: str | None = None,
) -> None:
    """Send one whole answer, with the request id and (for errors) the AWS error type header."""
    headers = [
        _JSON_TYPE if content_type is CONTENT_TYPE else (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if request_id is not None:
        headers.append((b"x-amzn-requestid", request_id.encode()))
    if error_code is not None:
        headers.append((b"x-amzn-errortype", error_code.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def serve_ui(path: str, send: Send) -> None:
    """The lineage explorer's files (``stemma.ui``); no signature needed, they hold no data."""
    found = ui.resolve(path)
    if found is None:
        body, content_type, status = b"Not found\n", "text/plain; charset=utf-8", 404
    else:
        (body, content_type), status = found, 200
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-cache"),
        *ui.SECURITY_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def redirect(send: Send, location: str) -> None:
    """A temporary redirect (``GET /`` in a browser leads to the explorer)."""
    headers = [(b"location", location.encode()), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 302, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def probe(path: str, send: Send, store: Any) -> None:
    """Load-balancer probes: /healthz says the process serves, /readyz that the store answers.
    Neither carries data, so neither needs a signature."""
    if path == "/readyz":
        try:
            assert store is not None
            await asyncio.get_running_loop().run_in_executor(None, store.ping)
        except Exception as exc:
            log.warning("not ready: %s", exc)
            body = b'{"status":"unavailable"}'
            await respond(send, 503, body, "application/json", None)
            return
    await respond(send, 200, b'{"status":"ok"}', "application/json", None)
