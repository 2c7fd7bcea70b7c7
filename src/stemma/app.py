"""The ASGI application: the request pipeline, and the one module that wires every layer.

A call goes through these steps, each failing with the first applicable AWS error (D14):

1. the route (``routes.py``): ``X-Amz-Target`` means AWS JSON 1.1, ``POST`` only, any path (D2);
   otherwise the path and method select a ``sagemaker-metrics`` REST-JSON operation (D55);
   header limits;
2. read the body, up to ``max_body`` bytes (the protocol bounds the time it takes);
3. authenticate: SigV4 against the stored keys gives the account and the region (D16, D51),
   then the per-key rate limit; both services sign as ``sagemaker``; an expensive call
   (QueryLineage, Search, BatchGetMetrics, a List page) first waits for one of its key's slots
   (auth/fairness.py);
4. operation -> handler (``UnknownOperationException``, D3);
5. decode the JSON body by the input shape (``SerializationException``, D4);
6. validate against the model (``ValidationException``, D9);
7. the handler, which calls the store;
8. serialize by the output shape.

Steps 3 to 8 run in a worker thread (key lookups and the store block), so a slow disk never
stalls the event loop. On a store whose reads are local (SQLite), Describe, List and Get calls
run on the loop instead, since they take less time than the hand-off to a thread; and with one
server process, so do writes: the writes of one loop iteration share one transaction, committed
on the loop, and each awaits the group fsync of that commit before its answer goes out
(``_write_inline``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import os
import re
from collections.abc import Iterable
from concurrent.futures import Future

from stemma.asgi import (
    ClientDisconnected,
    Receive,
    RequestIds,
    Scope,
    Send,
    read_body,
    respond,
    serve_ui,
)
from stemma.auth.fairness import FairnessGate, expensive_operations
from stemma.auth.keys import KeyRing, load_master_key
from stemma.auth.ratelimit import RateLimiter
from stemma.auth.regions import RegionAllowList
from stemma.auth.sigv4 import Identity, SignedRequest, verify
from stemma.context import RequestContext
from stemma.http_protocol import MAX_HEADER_BYTES
from stemma.openlineage import endpoint as openlineage_endpoint
from stemma.openlineage import forward as openlineage_forward
from stemma.protocol import model
from stemma.protocol.errors import (
    InternalFailure,
    RequestHeaderFieldsTooLarge,
    ServiceError,
    ServiceUnavailable,
    UnknownOperationException,
)
from stemma.protocol.parser import decoder_for, parse_body
from stemma.protocol.serializer import (
    CONTENT_TYPE,
    REST_CONTENT_TYPE,
    encoder_for,
    error_body,
    serialize_output,
)
from stemma.protocol.validator import checker_for, validate
from stemma.routes import TARGET_PREFIX, Route, route
from stemma.server import configure_protocol
from stemma.service import HANDLERS, SERVICE_OF
from stemma.settings import Settings
from stemma.store import open_store
from stemma.store.contract import Store, Unavailable
from stemma.upstream import Answer, Upstream

log = logging.getLogger("stemma")

# Reads bounded by one page or one entity. On a store whose reads are local (SQLite) they run on
# the event loop; the other reads, whose cost follows the data (QueryLineage's reachable
# subgraph, Search's matches, BatchGetMetrics' points), run in a worker thread.
_READ_PREFIXES = ("Describe", "List", "Get")
_THREADED = frozenset(("QueryLineage", "Search", "BatchGetMetrics"))
DEFAULT_REGION = "us-east-1"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]*)/([^/,\s]*)/([^/,\s]*)/")
_REGION = re.compile(r"[a-z0-9-]+")


class StemmaApp:
    """The ASGI callable ``stemma serve`` runs."""

    def __init__(
        self, settings: Settings, store: Store | None = None, precompile: bool = True
    ) -> None:
        self.settings = settings
        self.store = store
        self.keys: KeyRing | None = None
        self.regions = RegionAllowList(settings.regions)
        self.upstream = (
            Upstream(settings.upstream, settings.request_timeout) if settings.upstream else None
        )
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit > 0 else None
        # Expensive calls (QueryLineage, List pages, ...) wait for one of their key's slots.
        limit = settings.expensive_concurrency
        self.fairness = FairnessGate(limit) if limit > 0 else None
        self._expensive = expensive_operations(HANDLERS)
        self.skew = dt.timedelta(seconds=settings.clock_skew)
        self.inline_reads = False  # set at start-up from the store
        self.inline_writes = False
        # The batch of inline writes being committed: its outcome, and that outcome on the loop.
        self._waiting: tuple[Future[None], list[asyncio.Future[None]]] | None = None
        self._request_id = RequestIds()
        self._loop: asyncio.AbstractEventLoop  # the server's loop, set at start-up
        if precompile:  # compile every served shape before serving (else on first use)
            _compile(HANDLERS)

    # -- ASGI entry ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            try:
                await self._http(scope, receive, send)
            except Exception:
                # A bug outside the pipeline's own handling: answered AWS-shaped, not with
                # uvicorn's plain-text 500 (if nothing was sent yet; uvicorn closes otherwise).
                log.exception("internal error")
                error = InternalFailure("An internal error occurred. It has been logged.")
                await respond(
                    send, 500, error_body(error), CONTENT_TYPE, self._request_id(), error.code
                )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if self.store is None:
                        # The parent process migrated before starting workers.
                        self.store = open_store(self.settings.db, migrate=False)
                    # --openlineage-url: committed changes also go out as OpenLineage events.
                    self.store = openlineage_forward.attach(self.store, self.settings)
                    self._loop = asyncio.get_running_loop()
                    self.inline_reads = self.store.local_reads
                    # One process owns the SQLite writer: its writes never wait on another's
                    # lock, so they can run on the loop and wait for the disk asynchronously.
                    self.inline_writes = self.store.local_reads and self.settings.workers == 1
                    master = load_master_key(self.settings.data_dir, create=False)
                    self.keys = KeyRing(self.store, master)
                except Exception as exc:
                    log.exception("cannot open the store")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.store is not None:
                    self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        if method == "GET" and path in ("/healthz", "/readyz"):
            await self._probe(path, send)
            return
        if method in ("GET", "HEAD") and (path == "/ui" or path.startswith("/ui/")):
            await serve_ui(path, send)
            return
        if path == openlineage_endpoint.PATH:  # OpenLineage events (docs/openlineage.md)
            await openlineage_endpoint.handle(
                scope, receive, send, self.settings, self.store, self.keys, self.regions
            )
            return
        request_id = self._request_id()
        raw_headers = scope["headers"]
        # ASGI servers lowercase header names.
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers]
        target = ""
        for name, value in headers:
            if name == "x-amz-target":
                target = value
                break
        where = route(method, path, target)
        content_type = REST_CONTENT_TYPE if where.rest else CONTENT_TYPE
        try:
            if where.refusal is not None:
                raise where.refusal
            if sum(map(len, itertools.chain.from_iterable(raw_headers))) > MAX_HEADER_BYTES:
                raise RequestHeaderFieldsTooLarge(
                    f"Request headers exceed {MAX_HEADER_BYTES} bytes."
                )
            # A request that does not arrive whole in time is answered by the protocol
            # (http_protocol.py), which closes the connection: receive() then says so.
            body = await read_body(receive, self.settings.max_body)
            raw_path: bytes = scope.get("raw_path") or path.encode()
            request = SignedRequest(
                method,
                raw_path.decode("latin-1"),
                scope.get("query_string", b"").decode("latin-1"),
                headers,
                body,
            )
            if self.upstream is not None and where.operation and not _serves(where):
                answer = await self._loop.run_in_executor(None, self._relay, request)
                await send(
                    {
                        "type": "http.response.start",
                        "status": answer.status,
                        "headers": answer.headers,
                    }
                )
                await send({"type": "http.response.body", "body": answer.body})
                _log(method, where, answer.status, "(relayed)")
                return
            if self.fairness is not None and where.operation in self._expensive:
                async with self.fairness.slot(_claimed_key(headers)):
                    payload = await self._run(request, where)
            else:
                payload = await self._run(request, where)
            status = 200
        except ClientDisconnected:
            return
        except ServiceError as error:
            status, payload = error.status, error_body(error, where.rest)
            await respond(send, status, payload, content_type, request_id, error.code)
            _log(method, where, status, error.code)
            return
        await respond(send, status, payload, content_type, request_id)
        _log(method, where, status, None)

    async def _run(self, request: SignedRequest, where: Route) -> bytes:
        """Steps 3 to 8 where they cost least: on the loop, or in a worker thread."""
        if self.inline_reads and where.operation.startswith(_READ_PREFIXES):
            return self._dispatch(request, where)  # microseconds: not worth a thread hop
        if self.inline_writes and where.operation not in _THREADED:
            return await self._write_inline(request, where)
        return await self._loop.run_in_executor(None, self._dispatch, request, where)

    async def _write_inline(self, request: SignedRequest, where: Route) -> bytes:
        """A write on the event loop. It joins the store's open batch of writes, which commits
        once the requests the loop is already processing have run (``_commit_writes``); the
        answer goes out only when that batch is committed and on disk, even an error answer
        that may depend on the batch's other writes."""
        assert self.store is not None
        failure: ServiceError | None = None
        with self.store.batched_writes():
            try:
                payload = self._dispatch(request, where)
            except ServiceError as error:
                failure = error
        done = self.store.durability()
        if done is not None:
            loop = self._loop
            waiting = self._waiting
            if waiting is None or waiting[0] is not done:  # the first write of a new batch
                waiting = self._waiting = (done, [])
                waiters = waiting[1]
                # Once the batch is on disk (or failed), one callback settles all its requests.
                done.add_done_callback(lambda _: loop.call_soon_threadsafe(_settle, done, waiters))
                loop.call_soon(self._commit_writes)
            waiter = loop.create_future()
            waiting[1].append(waiter)
            try:
                await waiter
            except (OSError, Unavailable) as exc:
                log.error("write not acknowledged: %s", exc)
                raise ServiceUnavailable("The service is unavailable. Please try again.") from exc
        if failure is not None:
            raise failure
        return payload

    def _commit_writes(self) -> None:
        """Commit the batch of writes the requests of this loop iteration made."""
        assert self.store is not None
        self._waiting = None
        self.store.commit_batch()

    async def _probe(self, path: str, send: Send) -> None:
        """Load-balancer probes: /healthz says the process serves, /readyz that the store answers.
        Neither carries data, so neither needs a signature."""
        if path == "/readyz":
            try:
                assert self.store is not None
                await asyncio.get_running_loop().run_in_executor(None, self.store.ping)
            except Exception as exc:
                log.warning("not ready: %s", exc)
                body = b'{"status":"unavailable"}'
                await respond(send, 503, body, "application/json", None)
                return
        await respond(send, 200, b'{"status":"ok"}', "application/json", None)

    # -- pipeline ------------------------------------------------------------------------------

    def _authenticate(self, request: SignedRequest) -> Identity:
        assert self.keys is not None, "the key ring opens at start-up"
        if self.settings.no_auth:
            return self._unverified(request)
        now = dt.datetime.now(dt.UTC)
        identity = verify(request, self.keys.lookup, now, self.skew, self.regions.allows)
        if self.limiter is not None:
            self.limiter.check(identity.access_key_id)
        return identity

    def _unverified(self, request: SignedRequest) -> Identity:
        """--no-auth: the key id (if known) picks the account and the scope the region;
        nothing is verified."""
        assert self.keys is not None
        authorization = next((v for k, v in request.headers if k == "authorization"), "")
        match = _CREDENTIAL.search(authorization)
        region = DEFAULT_REGION
        account = self.settings.account_id
        key_id = ""
        if match:
            key_id = match.group(1)
            if _REGION.fullmatch(match.group(3)) and self.regions.allows(match.group(3)):
                region = match.group(3)
            known = self.keys.lookup(key_id)
            if known is not None:
                account = known.account
        return Identity(key_id, account, region)

    def _relay(self, request: SignedRequest) -> Answer:
        """An operation stemma does not serve, verified, then relayed to ``--upstream``."""
        assert self.upstream is not None
        try:
            self._authenticate(request)
        except ServiceError:
            raise
        except Unavailable as exc:
            raise ServiceUnavailable("The service is unavailable. Please try again.") from exc
        except Exception as exc:
            log.exception("internal error while authenticating")
            raise InternalFailure("An internal error occurred. It has been logged.") from exc
        return self.upstream.relay(request)

    def _dispatch(self, request: SignedRequest, where: Route) -> bytes:
        """Steps 3 to 8, run in a worker thread; every failure is a ``ServiceError``."""
        try:
            identity = self._authenticate(request)
        except ServiceError:
            raise
        except Unavailable as exc:
            log.warning("store unavailable while authenticating: %s", exc)
            raise ServiceUnavailable("The service is unavailable. Please try again.") from exc
        except Exception as exc:
            log.exception("internal error while authenticating")
            raise InternalFailure("An internal error occurred. It has been logged.") from exc
        assert self.store is not None, "the store opens at start-up"
        name = where.operation
        op = model.operation(name, where.service) if name else None
        handler = HANDLERS.get(name)
        if op is None or handler is None or not _serves(where):
            raise _unknown_operation(where.target, op is not None)
        ctx = RequestContext(
            self.store, identity.account, identity.region, self.settings.quotas, name
        )
        try:
            params = parse_body(op, request.body)
            validate(op, params)
            result = handler(ctx, params)
            return serialize_output(op, result)
        except ServiceError:
            raise
        except Unavailable as exc:
            log.warning("store unavailable during %s: %s", name, exc)
            raise ServiceUnavailable("The service is unavailable. Please try again.") from exc
        except Exception as exc:
            log.exception("internal error in %s", name)
            raise InternalFailure("An internal error occurred. It has been logged.") from exc


def _serves(where: Route) -> bool:
    """Whether stemma serves the operation a request was routed to."""
    return SERVICE_OF.get(where.operation) == where.service


def _compile(operations: Iterable[str]) -> None:
    for name in operations:
        op = model.operation(name, SERVICE_OF[name])
        if op is None:
            raise RuntimeError(f"served operation {name} is not in the service model")
        if op.input_shape is not None:
            decoder_for(op.input_shape)
            checker_for(op.input_shape)
        if op.output_shape is not None:
            encoder_for(op.output_shape)


def _unknown_operation(target: str, in_model: bool) -> UnknownOperationException:
    if not target:
        return UnknownOperationException("Missing X-Amz-Target header.")
    if in_model:
        return UnknownOperationException(
            f"Operation {target.removeprefix(TARGET_PREFIX)} is not supported by stemma, "
            "which serves the SageMaker ML Lineage Tracking and Experiments APIs."
        )
    return UnknownOperationException(f"Operation {target} is not recognized.")


def _claimed_key(headers: list[tuple[str, str]]) -> str:
    """The access key id a request's Authorization header names, before it is verified."""
    authorization = next((v for k, v in headers if k == "authorization"), "")
    match = _CREDENTIAL.search(authorization)
    return match.group(1) if match else ""


def _settle(done: Future[None], waiters: list[asyncio.Future[None]]) -> None:
    error = done.exception()
    for waiter in waiters:
        if not waiter.done():  # a request cancelled meanwhile has nobody to tell
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)


def _log(method: str, where: Route, status: int, code: str | None) -> None:
    what = where.target or where.operation or "-"
    if status >= 500:
        log.warning("%s %s -> %d %s", method, what, status, code)
    elif log.isEnabledFor(logging.DEBUG):
        log.debug("%s %s -> %d %s", method, what, status, code or "")


def create_app() -> StemmaApp:
    """Factory for server workers: settings come from the environment ``stemma serve`` set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEMMA_ROOT_")}
    settings = Settings.from_env(env)
    logging.basicConfig(  # a worker process configures its own logging
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    configure_protocol(settings)
    return StemmaApp(settings)
