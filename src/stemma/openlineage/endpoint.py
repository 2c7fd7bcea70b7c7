"""``POST /api/v1/lineage``: OpenLineage events in, the path Marquez serves (docs/openlineage.md).

The steps, each answering with ``{"error": CODE, "message": TEXT}`` and nothing changed: method
(405), size by ``Content-Length`` and then as the body streams in (413, before any parsing),
bearer token (401), the event's shape (400, every problem listed), then the event applied in one
transaction (201, or 422 when it does not fit a quota, 503 when the store is unavailable).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import orjson

from stemma.asgi import ClientDisconnected, Receive, Scope, Send, read_body, respond
from stemma.auth.keys import KeyRing
from stemma.auth.regions import RegionAllowList
from stemma.auth.sigv4 import Credential
from stemma.openlineage import ingest
from stemma.openlineage.events import InvalidEvent, parse_event
from stemma.openlineage.token import BadToken, bearer, split_token, verify_token
from stemma.protocol.errors import ServiceError
from stemma.settings import Settings
from stemma.store import contract
from stemma.store.contract import Store

PATH = "/api/v1/lineage"
DEFAULT_REGION = "us-east-1"
log = logging.getLogger("stemma.openlineage")


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems


async def handle(
    scope: Scope,
    receive: Receive,
    send: Send,
    settings: Settings,
    store: Store | None,
    keys: KeyRing | None,
    regions: RegionAllowList,
) -> None:
    """Answer one request to ``PATH``."""
    assert keys is not None, "the key ring opens at start-up"
    lookup, max_event = keys.lookup, settings.openlineage_max_event
    try:
        if scope["method"] != "POST":
            raise Refusal(405, "MethodNotAllowed", f"{PATH} takes POST requests only.")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        declared = next((v for k, v in headers if k == "content-length"), "")
        if declared.isdigit() and int(declared) > max_event:
            raise Refusal(413, "EventTooLarge", f"Events are limited to {max_event} bytes.")
        try:
            body = await read_body(receive, max_event)
        except ServiceError:
            raise Refusal(
                413, "EventTooLarge", f"Events are limited to {max_event} bytes."
            ) from None
        loop = asyncio.get_running_loop()
        account, region = await loop.run_in_executor(
            None, _identity, headers, lookup, settings.no_auth, settings.account_id
        )
        if not regions.allows(region):
            raise Refusal(401, "InvalidToken", f"The token's region {region} is not served here.")
        try:
            event = parse_event(body)
        except InvalidEvent as exc:
            raise Refusal(
                400, "InvalidEvent", f"Not a valid OpenLineage event: {exc}", exc.problems
            ) from None
        assert store is not None, "the store opens at start-up"
        now_ms = _now_ms()
        planned = await loop.run_in_executor(
            None,
            ingest.apply_event,
            store,
            contract.Scope(account, region),
            event,
            settings.quotas,
            now_ms,
        )
        assert planned.result is not None
        payload: dict[str, Any] = {"applied": ingest.summary(planned.result)}
        await respond(send, 201, orjson.dumps(payload), "application/json", None)
    except ClientDisconnected:
        return
    except Refusal as refusal:
        await _refuse(send, refusal)
    except contract.QuotaExceeded as exc:
        await _refuse(send, Refusal(422, "QuotaExceeded", f"The event does not fit: {exc}."))
    except contract.TooManyTags as exc:
        await _refuse(send, Refusal(422, "TooManyTags", f"An entity would have {exc} (50 max)."))
    except contract.Unavailable as exc:
        log.warning("store unavailable while ingesting: %s", exc)
        await _refuse(send, Refusal(503, "ServiceUnavailable", "Please try again."))
    except Exception:
        log.exception("internal error while ingesting an OpenLineage event")
        await _refuse(send, Refusal(500, "InternalFailure", "An internal error; it is logged."))


def _identity(
    headers: list[tuple[str, str]],
    lookup: Callable[[str], Credential | None],
    no_auth: bool,
    default_account: str,
) -> tuple[str, str]:
    if no_auth:
        try:
            key_id, region, _ = split_token(bearer(headers))
        except BadToken:
            return default_account, DEFAULT_REGION
        known = lookup(key_id)
        return (known.account if known else default_account), region
    try:
        return verify_token(bearer(headers), lookup)
    except BadToken as exc:
        raise Refusal(401, "InvalidToken", str(exc)) from None


async def _refuse(send: Send, refusal: Refusal) -> None:
    body: dict[str, Any] = {"error": refusal.code, "message": refusal.message}
    if refusal.problems:
        body["problems"] = refusal.problems
    if refusal.status >= 500:
        log.warning("POST %s -> %d %s", PATH, refusal.status, refusal.code)
    await respond(send, refusal.status, orjson.dumps(body), "application/json", None)


def _now_ms() -> int:
    import time

    return time.time_ns() // 1_000_000
