"""``--openlineage-url``: every committed change goes out as an OpenLineage event.

``attach`` wraps the store: its write methods note which entities changed, and once those writes
are committed (at once outside a batch; when the batch's ``durability()`` future resolves
inside one) the refs go on a bounded queue. A daemon thread drains it: it builds each entity's
event from the store as it is then (``emit``) and posts it, retrying with backoff while the
consumer is down. The API call never waits for any of this and never fails because of it; a
full queue drops its oldest entries, and the backlog is logged at most every ``REPORT_SECONDS``.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Any

import orjson

from stemma.openlineage.emit import Emitter
from stemma.settings import Settings
from stemma.store.contract import (
    Association,
    ChangeResult,
    ChangeSet,
    Entity,
    Kind,
    NewEntity,
    Ref,
    Scope,
    Store,
)

log = logging.getLogger("stemma.openlineage")
REPORT_SECONDS = 10.0
MAX_BACKOFF = 30.0
TIMEOUT = 10.0
Change = tuple[Scope, Ref]


def endpoint_url(url: str) -> str:
    """A bare host gets Marquez's path."""
    rest = url.partition("://")[2]
    return url.rstrip("/") + "/api/v1/lineage" if "/" not in rest.rstrip("/") else url


class Sender:
    """Posts events to one OpenLineage HTTP endpoint."""

    def __init__(self, url: str, api_key: str = "") -> None:
        self.url = endpoint_url(url)
        self.api_key = api_key

    def send(self, event: dict[str, Any]) -> None:
        """Raises OSError (urllib's errors included) unless the consumer accepted it."""
        request = urllib.request.Request(self.url, data=orjson.dumps(event), method="POST")
        request.add_header("Content-Type", "application/json")
        if self.api_key:
            request.add_header("Authorization", f"Bearer {self.api_key}")
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()


class Forwarder:
    """The bounded queue of changed entities and the thread that sends their events."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        capacity: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.sender = sender
        self.capacity = capacity
        self._queue: collections.deque[Change] = collections.deque()
        self._cond = threading.Condition()
        self._stopped = False
        self._sleep = sleep
        self.sent = 0
        self.dropped = 0
        self.retries = 0
        self._reported = 0.0
        self._inflight: Change | None = None  # the head, whose event is being built and sent
        self._thread = threading.Thread(target=self._run, name="openlineage-forwarder", daemon=True)
        self._thread.start()

    def put(self, changes: list[Change]) -> None:
        """Queue changes; never blocks (past ``capacity`` the oldest are dropped)."""
        with self._cond:
            for change in changes:
                if change != self._inflight and change in self._queue:
                    continue  # its event, built when sent, will show this change too
                if len(self._queue) >= self.capacity:
                    self._queue.popleft()
                    self.dropped += 1
                self._queue.append(change)
            self._cond.notify()

    @property
    def backlog(self) -> int:
        return len(self._queue)

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        delay = 0.5
        while True:
            with self._cond:
                while not self._queue and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                scope, ref = self._inflight = self._queue[0]
            try:
                event, _ = Emitter(self.store, scope).event(ref)
                if event is not None:
                    self.sender.send(event)
                    self.sent += 1
            except Exception as exc:  # the consumer or the store: retry later, never give up
                self.retries += 1
                self._report(f"retrying in {delay:.1f}s after: {exc}")
                self._sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            delay = 0.5
            with self._cond:
                if self._queue and self._queue[0] == (scope, ref):
                    self._queue.popleft()
                self._inflight = None
            self._report("")

    def _report(self, why: str) -> None:
        now = time.monotonic()
        if (self.backlog or why) and now - self._reported >= REPORT_SECONDS:
            self._reported = now
            log.warning(
                "openlineage forwarder: backlog %d, sent %d, retries %d, dropped %d%s",
                self.backlog,
                self.sent,
                self.retries,
                self.dropped,
                f"; {why}" if why else "",
            )


class ForwardingStore:
    """A store whose committed changes are also handed to a ``Forwarder``; everything else is
    the wrapped store's (``__getattr__``)."""

    def __init__(self, inner: Store, forwarder: Forwarder) -> None:
        self._inner = inner
        self.forwarder = forwarder
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    # -- commit tracking ---------------------------------------------------------------------

    def batched_writes(self) -> AbstractContextManager[None]:
        self._local.batched = True
        return _Batched(self._inner.batched_writes(), self._local)

    def durability(self) -> Future[None] | None:
        done = self._inner.durability()
        pending: list[tuple[Scope, Ref]] = getattr(self._local, "pending", [])
        self._local.pending = []
        if done is None:
            self.forwarder.put(pending)
        elif pending:
            done.add_done_callback(
                lambda f: self.forwarder.put(pending) if f.exception() is None else None
            )
        return done

    def _changed(self, scope: Scope, refs: list[Ref]) -> None:
        changes = [(scope, ref) for ref in refs]
        if getattr(self._local, "batched", False):
            self._local.pending = [*getattr(self._local, "pending", []), *changes]
        else:
            self.forwarder.put(changes)

    def close(self) -> None:
        self.forwarder.stop()
        self._inner.close()

    # -- the writes that change what an event shows ------------------------------------------

    def create_entity(self, scope: Scope, new: NewEntity) -> None:
        self._inner.create_entity(scope, new)
        self._changed(scope, [Ref(new.entity.kind, new.entity.id)])

    def update_entity(
        self, scope: Scope, kind: Kind, entity_id: str, mutate: Callable[[Entity], Entity]
    ) -> Entity:
        updated = self._inner.update_entity(scope, kind, entity_id, mutate)
        self._changed(scope, [Ref(kind, entity_id)])
        return updated

    def add_association(self, scope: Scope, association: Association, quota: int | None) -> None:
        self._inner.add_association(scope, association, quota)
        self._changed(scope, _event_ends(association))

    def apply_changes(
        self, scope: Scope, changes: ChangeSet, quotas: dict[str, int | None], tag_limit: int
    ) -> ChangeResult:
        result = self._inner.apply_changes(scope, changes, quotas, tag_limit)
        refs = [*result.created, *result.updated]
        for edge in result.associated:
            refs.extend(_event_ends(edge))
        self._changed(scope, list(dict.fromkeys(refs)))
        return result


def _event_ends(edge: Association) -> list[Ref]:
    """The end whose event shows an edge: the run's, else the job's, else both."""
    for kinds in (("action", "experiment-trial-component"), ("context",)):
        ends = [end for end in (edge.source, edge.destination) if end.kind in kinds]
        if ends:
            return ends
    return [edge.source, edge.destination]


class _Batched:
    def __init__(self, inner: AbstractContextManager[None], local: threading.local) -> None:
        self._inner = inner
        self._local = local

    def __enter__(self) -> None:
        self._inner.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._local.batched = False
        self._inner.__exit__(*exc)


def attach(store: Store, settings: Settings) -> Store:
    """The store the server uses: ``store`` itself, or with forwarding when configured."""
    if not settings.openlineage_url:
        return store
    sender = Sender(settings.openlineage_url, settings.openlineage_api_key)
    forwarder = Forwarder(store, sender, settings.openlineage_queue)
    log.info("forwarding changes as OpenLineage events to %s", sender.url)
    return ForwardingStore(store, forwarder)
