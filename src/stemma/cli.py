"""The ``stemma`` command: ``serve`` and ``migrate``. No business logic lives here."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Sequence
from typing import Any

from stemma import __version__
from stemma.settings import SETTINGS, Settings, build

DESCRIPTION = """\
stemma serves the Amazon SageMaker ML Lineage Tracking API (contexts, artifacts, actions,
associations, QueryLineage, tags) over the AWS JSON 1.1 protocol, so boto3, the AWS CLI and the
SageMaker Python SDK work against it unchanged. Point a client at it with
endpoint_url="http://127.0.0.1:8754" or AWS_ENDPOINT_URL_SAGEMAKER.
"""

SERVE_EPILOG = """\
Every option can also be set by the environment variable shown. Example:

  stemma serve --port 8754 --data-dir ./lineage --quota contexts=10000
  python -c 'import boto3; sm = boto3.client("sagemaker", endpoint_url="http://127.0.0.1:8754",
             region_name="us-east-1"); print(sm.list_contexts())'
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stemma",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"stemma {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the API server",
        description="Run the SageMaker lineage API server.",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for setting in SETTINGS:
        default = "none" if setting.default in (None, ()) else setting.default
        serve.add_argument(
            setting.flag,
            dest=setting.name,
            metavar=setting.metavar,
            action="append" if setting.name == "quota" else "store",
            default=None,
            help=f"{setting.help} [env {setting.env}; default {default}]",
        )
    migrate = commands.add_parser(
        "migrate",
        help="apply pending schema migrations and exit",
        description="Apply pending schema migrations to the database and exit.",
    )
    for name in ("data_dir", "db"):
        setting = next(s for s in SETTINGS if s.name == name)
        migrate.add_argument(
            setting.flag, dest=name, metavar=setting.metavar, help=f"{setting.help}"
        )
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    """Flags win over environment variables, which win over defaults."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.env in os.environ and os.environ[setting.env] != "":
            values[setting.name] = os.environ[setting.env]
        flag_value = getattr(args, setting.name, None)
        if flag_value is not None:
            values[setting.name] = flag_value
    return build(values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        settings = _settings(args)
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "migrate":
        return _migrate(settings)
    return _serve(settings)


def _migrate(settings: Settings) -> int:
    from stemma.store import open_store

    store = open_store(settings.db, migrate=False)
    try:
        applied = store.migrate()  # type: ignore[attr-defined]  # every store can migrate
    finally:
        store.close()
    print(f"applied {len(applied)} migration(s) to {store.description}: {', '.join(applied)}")
    return 0


def _serve(settings: Settings) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from stemma.store import open_store

    # Migrate once here, before any worker starts, and fail early on a bad database URL.
    store = open_store(settings.db)
    description = store.description
    store.close()

    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        print(f"stemma: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    sock.listen(2048)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    settings.port = port
    os.environ.update(settings.to_env())  # worker processes read their settings from here

    host = f"[{settings.host}]" if family == socket.AF_INET6 else settings.host
    workers = "1 worker" if settings.workers == 1 else f"{settings.workers} workers"
    print(
        f"stemma {__version__} listening on http://{host}:{port} "
        f"(store {description}, account {settings.account_id}, {workers})",
        flush=True,
    )
    config = uvicorn.Config(
        "stemma.app:create_app",
        factory=True,
        workers=settings.workers,
        log_level="debug" if settings.log_level == "debug" else "warning",
        access_log=False,
        lifespan="on",
        server_header=False,
        date_header=False,
    )
    server = uvicorn.Server(config)
    if settings.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])
    return 0
