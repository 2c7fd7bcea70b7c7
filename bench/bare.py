"""The ceiling: an ASGI app that reads the body and returns fixed JSON, on the same server stack
stemma uses (uvicorn, httptools, uvloop). No server can answer faster than this one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

_BODY = b'{"ContextArn":"arn:aws:sagemaker:us-east-1:123456789012:context/bare"}'
_HEADERS = [
    (b"content-type", b"application/x-amz-json-1.1"),
    (b"content-length", str(len(_BODY)).encode()),
]


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})
