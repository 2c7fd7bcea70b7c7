"""The ceiling: an ASGI app that reads the body and returns fixed JSON, on the same server stack
stemma uses (uvicorn, httptools, uvloop, with stemma's protocol class and options:
``stemma.http_protocol.SERVER_OPTIONS``). No server can answer faster than this one.

    python -m bench.bare PORT
"""

from __future__ import annotations

import sys
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


if __name__ == "__main__":
    import uvicorn

    from stemma.http_protocol import SERVER_OPTIONS

    uvicorn.run(app, port=int(sys.argv[1]), log_level="warning", lifespan="off", **SERVER_OPTIONS)
