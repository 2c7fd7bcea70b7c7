"""CPU cost of stemma's request pipeline per call, without HTTP: ``python -m bench.cpu``.

Calls the app's dispatch step (authenticate, decode, validate, handle, serialize) in-process on
pre-signed requests and reports CPU microseconds per call (``time.process_time``, so other load on
a shared machine disturbs it less than wall time; it counts every thread, the group fsync's
included). Creates take the path they take in a one-worker server: batched writes, one commit
per 16 creates. Used to find and check hot-path optimisations.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.signed import ACCESS_KEY_ID, SECRET_ACCESS_KEY, raw_request
from stemma.app import StemmaApp
from stemma.auth.keys import KeyRing, load_master_key
from stemma.auth.sigv4 import SignedRequest
from stemma.settings import build
from stemma.store import open_store
from stemma.store.contract import Store

HOST = "127.0.0.1:8754"


def _parse(raw: bytes) -> tuple[SignedRequest, str]:
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    headers = [(k.lower(), v) for k, v in (line.split(": ", 1) for line in lines[1:])]
    target = dict(headers)["x-amz-target"]
    return SignedRequest("POST", "/", "", headers, body), target


def measure(calls: int = 3000) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as work:
        settings = build({"data_dir": work, "quotas": "contexts=unlimited"})
        store = open_store(settings.db)
        app = StemmaApp(settings, store)
        app.keys = KeyRing(store, load_master_key(Path(work), create=True))
        app.keys.add(ACCESS_KEY_ID, SECRET_ACCESS_KEY, settings.account_id, is_root=True)
        creates = [
            _parse(
                raw_request(
                    HOST,
                    "SageMaker.CreateContext",
                    {
                        "ContextName": f"c{i}",
                        "Source": {"SourceUri": f"s3://b/{i}"},
                        "ContextType": "Endpoint",
                        "Properties": {"k": "v"},
                    },
                )
            )
            for i in range(calls)
        ]
        describes = [
            _parse(raw_request(HOST, "SageMaker.DescribeContext", {"ContextName": f"c{i}"}))
            for i in range(calls)
        ]
        lists = [_parse(raw_request(HOST, "SageMaker.ListContexts", {"MaxResults": 10}))] * calls
        results = {}
        for name, requests in (("create", creates), ("describe", describes), ("list", lists)):
            started = time.process_time()
            if name == "create":
                _create_in_batches(app, store, requests)
            else:
                for request, target in requests:
                    app._dispatch(request, target)
            results[name] = (time.process_time() - started) / calls * 1e6
        store.close()
        return results


def _create_in_batches(
    app: StemmaApp, store: Store, requests: list[tuple[SignedRequest, str]], size: int = 16
) -> None:
    pending = []
    for number, (request, target) in enumerate(requests, start=1):
        with store.batched_writes():
            app._dispatch(request, target)
        done = store.durability()
        if done is not None:
            pending.append(done)
        if number % size == 0 or number == len(requests):
            store.commit_batch()
    for done in pending:
        done.result()


if __name__ == "__main__":
    rounds = [measure() for _ in range(3)]
    for name in rounds[0]:
        best = min(r[name] for r in rounds)
        print(f"{name:9} {best:7.1f} us CPU per call (best of 3)")
    sys.exit(0)
