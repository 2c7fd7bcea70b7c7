"""The ``stemma`` command: ``serve``, ``migrate`` and ``keys`` here; the data tools
(``export``, ``import``, ``copy``, ``backup``) and ``openlineage`` in ``stemma.commands``. No
business logic lives here."""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import shutil
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from stemma import __version__, logs
from stemma.commands import openlineage as openlineage_commands
from stemma.commands import tools as tools_commands
from stemma.commands.options import KEYS_OPTIONS, Formatter, add_settings
from stemma.failures import StartupError
from stemma.settings import SETTINGS, Settings
from stemma.store.contract import ConnectFailed, Unavailable

log = logging.getLogger("stemma")

DESCRIPTION = """\
stemma serves the Amazon SageMaker ML Lineage Tracking API (contexts, artifacts, actions,
associations, QueryLineage, tags) over the AWS JSON 1.1 protocol, so boto3, the AWS CLI and the
SageMaker Python SDK work against it unchanged. Point a client at it with
endpoint_url="http://127.0.0.1:8754" or AWS_ENDPOINT_URL_SAGEMAKER, and sign with a stemma key.
"""

SERVE_EPILOG = """\
Every option can also be set by the environment variable shown; a flag wins. Example:

  STEMMA_ROOT_ACCESS_KEY_ID=AKIDEXAMPLE STEMMA_ROOT_SECRET_ACCESS_KEY=secret \\
      stemma serve --data-dir ./lineage --quota contexts=10000

Without a configured root key, the first start generates one, saves it in DATA_DIR
(root-credentials.json, mode 0600) and prints it once.
"""


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser, and each command's own (to print its usage with its errors)."""
    parser = argparse.ArgumentParser(
        prog="stemma", description=DESCRIPTION, formatter_class=Formatter
    )
    parser.add_argument("--version", action="version", version=f"stemma {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the API server",
        description="Run the SageMaker lineage API server.",
        epilog=SERVE_EPILOG,
        formatter_class=Formatter,
        usage="%(prog)s [OPTION ...]  ('stemma serve --help' lists them)",
    )
    add_settings(serve, [s.name for s in SETTINGS])
    migrate = commands.add_parser(
        "migrate",
        help="apply pending schema migrations and exit",
        description="Apply pending schema migrations to the database and exit.",
    )
    add_settings(migrate, KEYS_OPTIONS)
    keys = commands.add_parser(
        "keys",
        help="create, list and delete access keys",
        description="Manage the access keys that sign requests, and the accounts they act for.",
    )
    key_commands = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    create = key_commands.add_parser(
        "create", help="create a key for an account and print it as JSON"
    )
    create.add_argument("--account-id", required=True, metavar="ID", help="12-digit account id")
    listing = key_commands.add_parser("list", help="list key ids and their accounts (no secrets)")
    delete = key_commands.add_parser("delete", help="delete a key")
    delete.add_argument("access_key_id", metavar="ID", help="the access key id to delete")
    for sub in (create, listing, delete):
        add_settings(sub, KEYS_OPTIONS)
    tools_commands.add_commands(commands)
    openlineage_commands.add_commands(commands)
    named = {name: sub for name, sub in commands.choices.items()}
    named.update({f"keys {name}": sub for name, sub in key_commands.choices.items()})
    return parser, named


def _settings(args: argparse.Namespace) -> Settings:
    """Flags win over environment variables, which win over defaults."""
    flags = {s.name: getattr(args, s.name, None) for s in SETTINGS}
    return Settings.from_env(overrides=flags)


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = _parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    name = f"keys {args.keys_command}" if args.command == "keys" else args.command
    command = commands[name]
    if unknown:  # reported with the command's usage, not the top level's
        command.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        settings = _settings(args)
    except ValueError as exc:
        command.error(str(exc))
    logs.configure(settings)
    try:
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "keys":
            return _keys(settings, args)
        if args.command == "openlineage":
            return openlineage_commands.run(settings, args)
        if args.command in tools_commands.TOOL_COMMANDS:
            return tools_commands.TOOL_COMMANDS[args.command](settings, args)
        return _serve(settings)
    except (StartupError, Unavailable, OSError) as exc:
        return _fail(exc, settings)


def _fail(exc: Exception, settings: Settings) -> int:
    """One or two lines naming the cause and the fix; the traceback only with debug logging."""
    if settings.log_level == "debug":
        traceback.print_exception(exc)
    message = str(exc)
    if isinstance(exc, ConnectFailed):
        message += f"\n  {_connect_advice(exc.reason)}"
    elif isinstance(exc, OSError) and not isinstance(exc, StartupError):
        message = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    print(f"stemma: {message}", file=sys.stderr)
    return exc.exit_status if isinstance(exc, StartupError) else 1


def _connect_advice(reason: str) -> str:
    if "database" in reason and "does not exist" in reason:
        return "create the database (createdb NAME), or name another in --db (or STEMMA_DB)"
    if "authentication" in reason or "role" in reason or "pg_hba" in reason:
        return "fix the user or password in --db (or STEMMA_DB), or PostgreSQL's pg_hba.conf"
    return "start PostgreSQL, or fix the host and port in --db (or STEMMA_DB)"


def _migrate(settings: Settings) -> int:
    from stemma.server import check_store_dirs
    from stemma.store import open_store

    check_store_dirs(settings)
    store = open_store(settings.db, migrate=False)
    try:
        applied = store.migrate()
    finally:
        store.close()
    if applied:
        print(f"applied {len(applied)} migration(s) to {store.description}: {', '.join(applied)}")
    else:
        print(f"{store.description} is up to date")
    return 0


def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from stemma.auth.keys import (
        CACHE_SECONDS,
        MASTER_CHECK,
        ROOT_CREDENTIALS_FILE,
        KeyConfigError,
        KeyRing,
        load_master_key,
    )
    from stemma.server import check_store_dirs
    from stemma.store import open_store
    from stemma.store.contract import NotFound

    check_store_dirs(settings)
    store = open_store(settings.db)
    print(f"stemma keys: store {store.description}", file=sys.stderr)
    try:
        # A new database gets a master key; one already set up must be given its own.
        fresh = store.meta_get(MASTER_CHECK) is None
        ring = KeyRing(store, load_master_key(settings.data_dir, create=fresh))
        if args.keys_command == "create":
            credential = ring.create(args.account_id)
            print(
                json.dumps(
                    {
                        "AccessKeyId": credential.access_key_id,
                        "SecretAccessKey": credential.secret,
                        "AccountId": credential.account,
                    }
                )
            )
        elif args.keys_command == "list":
            for key in ring.list():
                print(f"{key.access_key_id}  {key.account}  {'root' if key.is_root else 'user'}")
        else:
            ring.delete(args.access_key_id)
            print(
                f"deleted {args.access_key_id}; a running server may accept it for up to "
                f"{CACHE_SECONDS:.0f} s more (its key cache)"
            )
            saved = settings.data_dir / ROOT_CREDENTIALS_FILE
            if saved.exists() and args.access_key_id in saved.read_text():
                saved.unlink()  # or the next start would restore the revoked root key
                print(f"removed {saved}, which held it")
    except KeyConfigError as exc:
        print(f"stemma keys: {exc}", file=sys.stderr)
        return 2
    except NotFound:
        print(f"stemma keys: no key {args.access_key_id}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def _serve(settings: Settings) -> int:
    from uvicorn.supervisors import Multiprocess

    from stemma.server import (
        Server,
        bind,
        check_store_dirs,
        check_tls,
        prepare,
        uvicorn_config,
    )

    # Everything that can fail is checked before anything is served or a key is generated.
    check_tls(settings)
    check_store_dirs(settings, serving=True)
    try:
        sock = bind(settings)
    except OSError as exc:
        raise StartupError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}; "
            "choose another --port (or stop what uses it)"
        ) from exc
    metrics_dir, metrics_line = _start_metrics(settings)
    prepared = prepare(settings)
    os.environ.update(settings.to_env())  # worker processes read their settings from here

    scheme = "https" if settings.tls_cert else "http"
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"{scheme}://{host}:{settings.port}"
    # A wildcard address is no place to connect to: name this machine's loopback instead.
    local = url if _is_loopback(settings.host) else f"{scheme}://127.0.0.1:{settings.port}"
    workers = "1 worker" if settings.workers == 1 else f"{settings.workers} workers"
    print(
        f"stemma {__version__} listening on {url} "
        f"(store {prepared.description}, account {settings.account_id}, {workers})\n"
        f"explorer: {local}/ui/ (open it in a browser){metrics_line}",
        flush=True,
    )
    _announce_auth(settings, local, prepared.root, prepared.generated)
    config = uvicorn_config(settings)
    if settings.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        Server(config).run(sockets=[sock])
    if metrics_dir:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    log.info("stopped")
    return 0


def _start_metrics(settings: Settings) -> tuple[str | None, str]:
    """Multiprocess mode for several workers, and the metrics port if asked for: the directory
    to remove at exit (if made here) and the start-up line's words about the metrics."""
    if not settings.metrics_token and settings.metrics_port is None:
        return None, ""
    from stemma import metrics  # after the decision on multiprocess mode is in the environment

    made = metrics.prepare_multiprocess() if settings.workers > 1 else None
    if settings.metrics_port is None:
        return made, "\nmetrics: /metrics on the API port, with the metrics token"
    try:
        server = metrics.serve_port(settings.host, settings.metrics_port)
    except OSError as exc:
        raise StartupError(
            f"cannot listen on {settings.host}:{settings.metrics_port} for the metrics: "
            f"{exc.strerror or exc}; choose another --metrics-port"
        ) from exc
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return made, f"\nmetrics: http://{host}:{server.server_port}/metrics"


def _announce_auth(settings: Settings, url: str, root: Any, generated: bool) -> None:
    saved = settings.data_dir / "root-credentials.json"
    if settings.no_auth:
        log.warning(
            "--no-auth: signatures are NOT verified; anyone who can reach %s acts as any "
            "account. Use this for throwaway local testing only. The root key for starts "
            "without --no-auth is in %s (cat it to see it).",
            url,
            saved,
        )
        return
    if generated:
        print(
            "\nGenerated a root access key (shown once; also saved, mode 0600, in "
            f"{saved}):\n"
            f"  AccessKeyId:     {root.access_key_id}\n"
            f"  SecretAccessKey: {root.secret}\n\n"
            "Use it from Python (pip install boto3):\n\n"
            "import boto3\n"
            f'sm = boto3.client("sagemaker", endpoint_url="{url}", region_name="us-east-1",\n'
            f'                  aws_access_key_id="{root.access_key_id}",\n'
            f'                  aws_secret_access_key="{root.secret}")\n',
            flush=True,
        )
    elif root is not None and not settings.root_access_key_id:
        print(f"root access key: {root.access_key_id} (its secret: cat {saved})", flush=True)
    if not _is_loopback(settings.host) and (generated or not settings.root_access_key_id):
        advice = "" if settings.tls_cert else ", and serve HTTPS with --tls-cert/--tls-key"
        log.warning(
            "listening on %s, beyond this machine, with a generated root key: configure "
            "STEMMA_ROOT_ACCESS_KEY_ID/STEMMA_ROOT_SECRET_ACCESS_KEY, or create per-team keys "
            "with 'stemma keys create'%s.",
            settings.host,
            advice,
        )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
