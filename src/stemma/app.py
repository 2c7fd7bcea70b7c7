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
import signal
import time
from concurrent.futures import Future
from typing import Any

from stemma import logs
from stemma.asgi import (
    ClientDisconnected,
    Receive,
    RequestIds,
    Scope,
    Send,
    probe,
    read_body,
    redirect,
    respond,
    serve_ui,
)
from stemma.auth.fairness import FairnessGate, expensive_operations
from stemma.auth.keys import KeyRing, load_master_key
from stemma.auth.ratelimit import RateLimiter
from stemma.auth.regions import RegionAllowList
from stemma.auth.sigv4 import Identity, SignedRequest, verify
from stemma.auth.unverified import claimed_key, unverified_identity
from stemma.context import RequestContext
from stemma.http_protocol import MAX_HEADER_BYTES
from stemma.openlineage import endpoint as openlineage_endpoint
from stemma.openlineage import forward as openlineage_forward
from stemma.protocol import model
from stemma.protocol.compiled import compile_shapes
from stemma.protocol.errors import (
    InternalFailure,
    RequestHeaderFieldsTooLarge,
    ServiceError,
    ServiceUnavailable,
)
from stemma.protocol.parser import parse_body
from stemma.protocol.serializer import (
    CONTENT_TYPE,
    REST_CONTENT_TYPE,
    error_body,
    serialize_output,
)
from stemma.protocol.validator import validate
from stemma.routes import Route, route, unknown_operation
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
        self.access_log = settings.log_format == "json"  # an access line per request
        self.metrics: Any = None  # stemma.metrics.Recorder, when /metrics is served
        if settings.metrics_token or settings.metrics_port is not None:
            from stemma import metrics  # imported only now: see its docstring

            self.metrics = metrics.Recorder(frozenset(HANDLERS))
            metrics.install()
        if precompile:  # compile every served shape before serving (else on first use)
            compile_shapes((name, SERVICE_OF[name]) for name in HANDLERS)

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
        began = time.perf_counter()
        method, path = scope["method"], scope["path"]
        if method in ("GET", "HEAD") and not path.startswith("/ui/"):
            if path in ("/healthz", "/readyz"):
                await probe(path, send, self.store)
                return
            if path == "/" and all(k != b"x-amz-target" for k, _ in scope["headers"]):
                await redirect(send, "/ui/")  # a browser: API calls are POSTs with a target
                return
            if path == "/metrics" and self.settings.metrics_token:
                from stemma.metrics import serve_scrape

                await serve_scrape(scope, send, self.settings.metrics_token)
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
        seen: list[str] = []  # the account, once the request is authenticated
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
                self._answered(method, where, answer.status, "(relayed)", request_id, seen, began)
                return
            if self.fairness is not None and where.operation in self._expensive:
                async with self.fairness.slot(claimed_key(headers)):
                    payload = await self._run(request, where, seen)
            else:
                payload = await self._run(request, where, seen)
            status = 200
        except ClientDisconnected:
            return
        except ServiceError as error:
            status, payload = error.status, error_body(error, where.rest)
            await respond(send, status, payload, content_type, request_id, error.code)
            if error.code == "ResourceLimitExceeded" and self.metrics is not None:
                self.metrics.quota_refusal(where.operation)
            self._answered(method, where, status, error.code, request_id, seen, began)
            return
        await respond(send, status, payload, content_type, request_id)
        self._answered(method, where, status, None, request_id, seen, began)

    def _answered(
        self,
        method: str,
        where: Route,
        status: int,
        code: str | None,
        request_id: str,
        seen: list[str],
        began: float,
    ) -> None:
        """Account for an answered request: the metrics, and its log line."""
        if self.metrics is not None:
            self.metrics.request(where.operation, status, time.perf_counter() - began)
        if self.access_log:
            account = seen[0] if seen else None
            seconds = time.perf_counter() - began
            logs.access_line(request_id, where.operation, account, status, code, seconds)
        else:
            logs.request_line(method, where.target or where.operation, status, code)

    async def _run(self, request: SignedRequest, where: Route, seen: list[str]) -> bytes:
        """Steps 3 to 8 where they cost least: on the loop, or in a worker thread."""
        if self.inline_reads and where.operation.startswith(_READ_PREFIXES):
            return self._dispatch(request, where, seen)  # microseconds: not worth a thread hop
        if self.inline_writes and where.operation not in _THREADED:
            return await self._write_inline(request, where, seen)
        return await self._loop.run_in_executor(None, self._dispatch, request, where, seen)

    async def _write_inline(self, request: SignedRequest, where: Route, seen: list[str]) -> bytes:
        """A write on the event loop. It joins the store's open batch of writes, which commits
        once the requests the loop is already processing have run (``_commit_writes``); the
        answer goes out only when that batch is committed and on disk, even an error answer
        that may depend on the batch's other writes."""
        assert self.store is not None
        failure: ServiceError | None = None
        with self.store.batched_writes():
            try:
                payload = self._dispatch(request, where, seen)
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

    # -- pipeline ------------------------------------------------------------------------------

    def _authenticate(self, request: SignedRequest) -> Identity:
        assert self.keys is not None, "the key ring opens at start-up"
        if self.settings.no_auth:
            return unverified_identity(
                request.headers, self.keys.lookup, self.regions.allows, self.settings.account_id
            )
        now = dt.datetime.now(dt.UTC)
        try:
            identity = verify(request, self.keys.lookup, now, self.skew, self.regions.allows)
        except ServiceError as error:
            if self.metrics is not None:
                self.metrics.auth_failure(error.code)
            raise
        if self.limiter is not None:
            self.limiter.check(identity.access_key_id)
        return identity

    def _identify(self, request: SignedRequest) -> Identity:
        """Step 3, every failure a ``ServiceError``."""
        try:
            return self._authenticate(request)
        except ServiceError:
            raise
        except Unavailable as exc:
            log.warning("store unavailable while authenticating: %s", exc)
            raise ServiceUnavailable("The service is unavailable. Please try again.") from exc
        except Exception as exc:
            log.exception("internal error while authenticating")
            raise InternalFailure("An internal error occurred. It has been logged.") from exc

    def _relay(self, request: SignedRequest) -> Answer:
        """An operation stemma does not serve, verified, then relayed to ``--upstream``."""
        assert self.upstream is not None
        self._identify(request)
        return self.upstream.relay(request)

    def _dispatch(self, request: SignedRequest, where: Route, seen: list[str]) -> bytes:
        """Steps 3 to 8, run in a worker thread; every failure is a ``ServiceError``."""
        identity = self._identify(request)
        seen.append(identity.account)
        assert self.store is not None, "the store opens at start-up"
        name = where.operation
        op = model.operation(name, where.service) if name else None
        handler = HANDLERS.get(name)
        if op is None or handler is None or not _serves(where):
            raise unknown_operation(where.target, op is not None)
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


def _settle(done: Future[None], waiters: list[asyncio.Future[None]]) -> None:
    error = done.exception()
    for waiter in waiters:
        if not waiter.done():  # a request cancelled meanwhile has nobody to tell
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)


def create_app() -> StemmaApp:
    """Factory for server workers: settings come from the environment ``stemma serve`` set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEMMA_ROOT_")}
    settings = Settings.from_env(env)
    logs.configure(settings)  # a worker process configures its own logging
    configure_protocol(settings)
    if settings.workers > 1:
        # Ctrl-C reaches every process of the terminal's group: the parent stops the workers
        # (SIGTERM), so a worker ignores it rather than print a KeyboardInterrupt traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return StemmaApp(settings)
