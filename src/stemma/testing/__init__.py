"""A real stemma server inside the current process, for users' own test suites.

``serve()`` runs the same server as ``stemma serve`` (protocol, SigV4, store), on a background
thread, on a free loopback port, with a throwaway store unless told otherwise, and points
unchanged boto3 and SageMaker SDK code at it through the environment::

    from stemma.testing import serve

    with serve() as stemma:
        sm = boto3.client("sagemaker")           # AWS_ENDPOINT_URL_SAGEMAKER is set
        sm.create_experiment(ExperimentName="e")

``Namespace`` is what a test gets from ``StemmaServer.namespace()`` (and from the pytest
plugin's ``stemma`` fixture): an account of its own, with its own key, so nothing one test
creates is visible to the next. docs/testing.md has the whole story.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stemma.context import Quotas
from stemma.settings import Settings

READY_TIMEOUT = 30.0
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ENDPOINT_URL_SAGEMAKER_METRICS")
# Variables that would otherwise steer clients elsewhere, or sign as someone else.
CLEARED = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",  # would send requests past stemma, to AWS
)


class ServerError(RuntimeError):
    """The in-process server could not start, or has stopped."""


@dataclass
class Namespace:
    """An account of its own on a running server: its key, and the environment that makes
    unchanged client code use it."""

    url: str
    region: str
    account_id: str
    access_key_id: str
    secret_access_key: str

    def environment(self) -> dict[str, str]:
        """The variables that point boto3 and the SageMaker SDKs at this namespace."""
        return {
            **{name: self.url for name in ENDPOINT_VARIABLES},
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def client(self, service: str = "sagemaker", **kwargs: Any) -> Any:
        """A boto3 client for ``sagemaker`` or ``sagemaker-metrics`` in this namespace."""
        import boto3

        options: dict[str, Any] = {
            "endpoint_url": self.url,
            "region_name": self.region,
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
        }
        return boto3.client(service, **{**options, **kwargs})

    @contextlib.contextmanager
    def activated(self) -> Iterator[Namespace]:
        """Within the block, the environment names this namespace; it is restored after."""
        with patched_environment(self.environment()):
            yield self


@dataclass
class StemmaServer(Namespace):
    """A running in-process server; as a ``Namespace``, its root account."""

    data_dir: Path = Path()
    db: str = ""
    _app: Any = None
    _thread: threading.Thread | None = None

    def namespace(self, region: str | None = None) -> Namespace:
        """A fresh account with a key of its own: nothing created in another namespace is
        visible in it. Costs one small write to the store. Accounts are drawn at random, so
        servers sharing a store (a data dir kept across runs, xdist workers on one PostgreSQL
        database) do not hand out the same one."""
        self.check()
        account = f"{secrets.randbelow(9 * 10**11) + 10**11:012d}"
        credential = self._app.keys.create(account)
        return Namespace(
            self.url,
            region or self.region,
            account,
            credential.access_key_id,
            credential.secret,
        )

    def check(self) -> None:
        """Raise ServerError when the server thread has died."""
        if self._thread is None or not self._thread.is_alive():
            raise ServerError(f"the stemma server at {self.url} has stopped")


@contextlib.contextmanager
def patched_environment(values: dict[str, str]) -> Iterator[None]:
    """Set ``values`` (and clear ``CLEARED``) in ``os.environ``; restore everything after.

    boto3's default session (behind ``boto3.client(...)``) reads credentials and region once
    and keeps them, so it is dropped on the way in and out: the next ``boto3.client()`` reads
    the environment of its own test.
    """
    names = [*values, *CLEARED]
    saved = {name: os.environ.get(name) for name in names}
    boto3 = sys.modules.get("boto3")
    session = boto3.DEFAULT_SESSION if boto3 is not None else None
    try:
        for name in CLEARED:
            os.environ.pop(name, None)
        os.environ.update(values)
        _forget_default_session()
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if boto3 is not None:
            boto3.DEFAULT_SESSION = session  # type: ignore[attr-defined]  # the caller's own
        else:
            _forget_default_session()


_LOADER: list[Any] = []  # botocore's model loader, shared by the sessions made here


def _forget_default_session() -> None:
    """Give boto3 a new default session, which reads the environment afresh, sharing one
    model loader: loading the SageMaker model again would cost each test ~0.15 s."""
    boto3 = sys.modules.get("boto3")
    if boto3 is None:
        return
    import botocore.session

    old = boto3.DEFAULT_SESSION  # set by boto3 at runtime
    if old is not None and not _LOADER:
        _LOADER.append(old._session.get_component("data_loader"))
    fresh = botocore.session.Session()
    if _LOADER:
        fresh.register_component("data_loader", _LOADER[0])
    else:
        _LOADER.append(fresh.get_component("data_loader"))
    boto3.DEFAULT_SESSION = boto3.Session(botocore_session=fresh)  # type: ignore[attr-defined]


@contextlib.contextmanager
def serve(
    *,
    db: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    quotas: dict[str, int | None] | None = None,
    auth: bool = True,
    region: str = "us-east-1",
    upstream: str | None = None,
    set_environment: bool = True,
    **settings: Any,
) -> Iterator[StemmaServer]:
    """Run a stemma server in this process until the block ends.

    ``db``: a store URL (``sqlite:///...`` or ``postgresql://...``); by default a SQLite file in
    a temporary data dir, removed afterwards unless ``data_dir`` is given. ``quotas``: limits by
    ``--quota`` name. ``auth=False`` accepts any signature. ``upstream``: an endpoint that gets
    every operation stemma does not serve. ``set_environment``: point the environment at the
    server inside the block (restored after). Other keyword arguments are ``Settings`` fields.
    Raises ServerError when the server cannot start, naming the cause.
    """
    from stemma.app import StemmaApp
    from stemma.failures import StartupError
    from stemma.server import bind, configure_protocol, prepare, uvicorn_config
    from stemma.upstream import Upstream

    owned = data_dir is None
    directory = Path(tempfile.mkdtemp(prefix="stemma-test-")) if owned else Path(data_dir or "")
    try:
        limits = Quotas()
        for name, value in (quotas or {}).items():
            if not hasattr(limits, name):
                raise ServerError(f"unknown quota {name!r}; see stemma serve --help")
            setattr(limits, name, value)
        try:
            config = Settings(
                host="127.0.0.1",
                port=settings.pop("port", 0),
                data_dir=directory,
                db=db or "",
                quotas=limits,
                regions=("*",),
                no_auth=not auth,
                root_access_key_id=f"STMATEST{secrets.token_hex(6).upper()}",
                root_secret_access_key=secrets.token_urlsafe(30),
                upstream=upstream or "",
                log_level="warning",
                **settings,
            )
        except ValueError as exc:  # a bad URL is the store's problem to the caller
            where = f"cannot open the store {db}: " if db and "--db" in str(exc) else ""
            raise ServerError(f"{where}{exc}") from exc
        try:
            sock = bind(config)
        except OSError as exc:
            raise ServerError(f"cannot listen on {config.host}:{config.port}: {exc}") from exc
        try:
            prepared = prepare(config)
        except (StartupError, ValueError) as exc:
            sock.close()
            raise ServerError(f"cannot open the store {config.db}: {exc}") from exc
        except Exception as exc:  # a database that cannot be reached, a path not writable
            sock.close()
            raise ServerError(f"cannot open the store {config.db}: {exc}") from exc
        if upstream:
            try:
                Upstream(upstream, config.request_timeout).probe()
            except OSError as exc:
                sock.close()
                raise ServerError(
                    f"the upstream endpoint {upstream} does not answer: {exc}"
                ) from exc
        configure_protocol(config)
        app = StemmaApp(config, precompile=False)  # shapes compile as tests first use them
        import uvicorn

        server = uvicorn.Server(uvicorn_config(config, app))
        failure: list[BaseException] = []

        def run() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # reported to the caller, not lost in the thread
                failure.append(exc)

        thread = threading.Thread(target=run, name="stemma-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + READY_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                thread.join(10)
                sock.close()
                cause = failure[0] if failure else "it stopped while starting (see its log)"
                if thread.is_alive():
                    cause = f"it did not start within {READY_TIMEOUT:.0f} s"
                raise ServerError(f"the stemma server did not start: {cause}")
            time.sleep(0.002)
        url = f"http://127.0.0.1:{config.port}"
        root = prepared.root
        assert root is not None  # configured above
        running = StemmaServer(
            url,
            region,
            config.account_id,
            root.access_key_id,
            root.secret,
            data_dir=directory,
            db=config.db,
            _app=app,
            _thread=thread,
        )
        try:
            if set_environment:
                with running.activated():
                    yield running
            else:
                yield running
        finally:
            server.should_exit = True
            thread.join(10)
            sock.close()
        if thread.is_alive():
            raise ServerError("the stemma server did not stop within 10 s")
        if failure:
            raise ServerError(f"the stemma server failed: {failure[0]}") from failure[0]
    finally:
        if owned:
            shutil.rmtree(directory, ignore_errors=True)
