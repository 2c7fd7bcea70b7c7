"""The ``stemma`` command: ``serve``, ``migrate``, ``keys``, and the data tools (``export``,
``import``, ``copy``, ``backup``, in ``stemma.tools``). No business logic lives here."""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import shutil
import sys
import textwrap
import traceback
from collections.abc import Sequence
from typing import Any

from stemma import __version__, logs
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

KEYS_OPTIONS = ("data_dir", "db")


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser, and each command's own (to print its usage with its errors)."""
    parser = argparse.ArgumentParser(
        prog="stemma", description=DESCRIPTION, formatter_class=_Formatter
    )
    parser.add_argument("--version", action="version", version=f"stemma {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the API server",
        description="Run the SageMaker lineage API server.",
        epilog=SERVE_EPILOG,
        formatter_class=_Formatter,
        usage="%(prog)s [OPTION ...]  ('stemma serve --help' lists them)",
    )
    _add_settings(serve, [s.name for s in SETTINGS])
    migrate = commands.add_parser(
        "migrate",
        help="apply pending schema migrations and exit",
        description="Apply pending schema migrations to the database and exit.",
    )
    _add_settings(migrate, KEYS_OPTIONS)
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
        _add_settings(sub, KEYS_OPTIONS)
    _add_tool_commands(commands)
    _add_openlineage_commands(commands)
    named = {name: sub for name, sub in commands.choices.items()}
    named.update({f"keys {name}": sub for name, sub in key_commands.choices.items()})
    return parser, named


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help text wrapped between words only: a quota name like trials_per_experiment is never
    cut in two on a narrow terminal."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = " ".join(text.split())
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def _add_settings(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    for setting in SETTINGS:
        if setting.name not in names:
            continue
        help_text = f"{setting.help} [env {setting.env}"
        help_text += f"; default {setting.default_text}]" if setting.default_text else "]"
        if setting.is_switch:
            parser.add_argument(
                setting.flag, dest=setting.name, action="store_true", default=None, help=help_text
            )
        else:
            parser.add_argument(
                setting.flag,
                dest=setting.name,
                metavar=setting.metavar,
                action="append" if setting.repeatable else "store",
                default=None,
                help=help_text,
            )


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
            return _openlineage(settings, args)
        if args.command in TOOL_COMMANDS:
            return TOOL_COMMANDS[args.command](settings, args)
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


# -- the data tools (stemma.tools): one small function per subcommand --------------------------


def _add_tool_commands(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="write a store's data as an NDJSON stream",
        description="Write every entity, tag, association, membership and metric of a store (or "
        "of one account and region) as newline-delimited JSON, from one consistent snapshot, "
        "while servers keep serving. Gzipped when FILE ends in .gz.",
    )
    _add_settings(export, KEYS_OPTIONS)
    export.add_argument("-o", "--output", metavar="FILE", help="write here (default stdout)")
    _add_scope_options(export)
    export.add_argument(
        "--include-keys",
        action="store_true",
        help="also export access keys, sealed: usable only with this store's master key",
    )
    load = commands.add_parser(
        "import",
        help="load an export stream into a store",
        description="Load an export stream (FILE, or - for stdin; gzip is detected) into a "
        "store, preserving ARNs, times, tags, associations, memberships and metrics. Rows "
        "already present unchanged are skipped, so an import can be rerun.",
    )
    _add_settings(load, (*KEYS_OPTIONS, "quotas"))
    load.add_argument("file", metavar="FILE", help="the stream to load, - for stdin")
    load.add_argument(
        "--on-conflict",
        choices=("fail", "skip", "overwrite"),
        default="fail",
        help="what to do with a row stored with different content (default fail)",
    )
    load.add_argument(
        "--apply-quotas",
        action="store_true",
        help="refuse a batch that would pass the quotas (--quota; default: quotas not applied)",
    )
    backup = commands.add_parser(
        "backup",
        help="copy a SQLite store online, consistently",
        description="Copy a SQLite store (DATA_DIR/stemma.db or --db) to FILE while servers "
        "keep running, with SQLite's online backup API.",
    )
    _add_settings(backup, KEYS_OPTIONS)
    backup.add_argument("file", metavar="FILE", help="the backup database file to write")
    copy = commands.add_parser(
        "copy",
        help="copy everything from a SageMaker-compatible endpoint",
        description="Read lineage entities, experiments, trials, trial components, tags, "
        "associations, memberships and metrics (rebuilt from BatchGetMetrics) from any "
        "SageMaker-compatible endpoint through its public API (credentials and region as boto3 "
        "resolves them) and write them into a store (--data-dir/--db) or a live stemma server "
        "(--to-endpoint). Resumable: rerun after an interruption.",
    )
    _add_settings(copy, KEYS_OPTIONS)
    copy.add_argument("--from-endpoint", metavar="URL", required=True, help="the source API")
    copy.add_argument("--from-region", metavar="REGION", help="source region (default: boto3's)")
    copy.add_argument(
        "--from-metrics-endpoint",
        metavar="URL",
        help="the source's sagemaker-metrics API (default: --from-endpoint; on AWS, boto3's)",
    )
    copy.add_argument("--to-endpoint", metavar="URL", help="write to this stemma server instead")
    copy.add_argument(
        "--page-size", type=int, default=100, metavar="N", help="MaxResults of List calls"
    )
    copy.add_argument(
        "--on-conflict",
        choices=("fail", "skip", "overwrite"),
        default="skip",
        help="what to do with a row stored with different content (default skip)",
    )


def _add_scope_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account-id", metavar="ID", help="only this account (with --region)")
    parser.add_argument("--region", metavar="REGION", help="only this region (with --account-id)")


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from stemma.store import open_store
    from stemma.store.contract import Scope
    from stemma.tools.export import export
    from stemma.tools.progress import Progress
    from stemma.tools.streams import open_output

    if bool(args.account_id) != bool(args.region):
        print("stemma export: give --account-id and --region together", file=sys.stderr)
        return 2
    scope = Scope(args.account_id, args.region) if args.account_id else None
    store = open_store(settings.db, migrate=False)
    progress = Progress("export")
    out = open_output(args.output)
    try:
        count = export(store, out, scope, keys=args.include_keys, progress=progress)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        store.close()
    seconds = progress.finish()
    print(
        f"stemma export: {count:,} records from {store.description} in {seconds:.1f}s",
        file=sys.stderr,
    )
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from stemma.store import open_store
    from stemma.tools.load import QUOTA_KINDS, ImportFailed, import_stream
    from stemma.tools.progress import Progress
    from stemma.tools.streams import open_input

    quotas = None
    if args.apply_quotas:
        limits = {kind: getattr(settings.quotas, name) for name, kind in QUOTA_KINDS.items()}
        quotas = {kind: limit for kind, limit in limits.items() if limit is not None}
    source = open_input(args.file)
    store = open_store(settings.db)
    progress = Progress("import", source.size)
    try:
        report = import_stream(
            store,
            source.stream,
            on_conflict=args.on_conflict,
            quotas=quotas,
            progress=progress,
            position=source.position,
        )
    except ImportFailed as exc:
        progress.finish()
        print(f"stemma import: {args.file}: {exc}", file=sys.stderr)
        return 1
    finally:
        source.close()
        store.close()
    progress.finish()
    print(f"stemma import: {store.description}: {report.summary()}", file=sys.stderr)
    return 0


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from stemma.tools.backup import BackupFailed, backup

    try:
        pages, seconds = backup(settings.db, args.file)
    except BackupFailed as exc:
        print(f"stemma backup: {exc}", file=sys.stderr)
        return 1
    print(f"stemma backup: {pages:,} pages to {args.file} in {seconds:.1f}s", file=sys.stderr)
    return 0


def _copy(settings: Settings, args: argparse.Namespace) -> int:
    from stemma.tools.copy import CopyFailed, copy_endpoint

    try:
        report = copy_endpoint(
            args.from_endpoint,
            from_region=args.from_region,
            from_metrics_endpoint=args.from_metrics_endpoint,
            db=None if args.to_endpoint else settings.db,
            to_endpoint=args.to_endpoint,
            on_conflict=args.on_conflict,
            page_size=args.page_size,
        )
    except CopyFailed as exc:
        print(f"stemma copy: {exc}", file=sys.stderr)
        return 1
    print(f"stemma copy: {report.summary()}", file=sys.stderr)
    return 0 if not report.failed else 1


TOOL_COMMANDS = {"export": _export, "import": _import, "backup": _backup, "copy": _copy}


# -- OpenLineage (stemma.openlineage, docs/openlineage.md): self-contained subcommands ---------


def _add_openlineage_commands(commands: Any) -> None:
    group = commands.add_parser(
        "openlineage",
        help="OpenLineage tokens and export",
        description="Make the bearer tokens OpenLineage producers send to /api/v1/lineage, and "
        "write stemma's lineage as OpenLineage events (docs/openlineage.md).",
    )
    actions = group.add_subparsers(dest="openlineage_command", metavar="ACTION", required=True)
    token = actions.add_parser(
        "token",
        help="print the OpenLineage token of an access key and region",
        description="Print stol1.KEYID.REGION.MAC, derived from the key's secret: read from the "
        "store (--data-dir/--db and its master key), or given with --secret-access-key or "
        "STEMMA_OPENLINEAGE_SECRET. Deleting the key revokes its tokens.",
    )
    _add_settings(token, KEYS_OPTIONS)
    token.add_argument("--access-key-id", required=True, metavar="ID")
    token.add_argument("--region", required=True, metavar="REGION")
    token.add_argument("--secret-access-key", metavar="SECRET", help="derive offline")
    export = actions.add_parser(
        "export",
        help="write lineage as OpenLineage events",
        description="Write the lineage of one account and region (or the subgraph around "
        "--arn) as OpenLineage events: NDJSON to a file or stdout, or POSTed to an OpenLineage "
        "HTTP endpoint (--url).",
    )
    _add_settings(export, KEYS_OPTIONS)
    export.add_argument("--account-id", required=True, metavar="ID")
    export.add_argument("--region", required=True, metavar="REGION")
    export.add_argument("--arn", action="append", metavar="ARN", help="around this entity")
    export.add_argument("--depth", type=int, default=10, metavar="N", help="edges from --arn")
    export.add_argument("-o", "--output", metavar="FILE", help="NDJSON here (default stdout)")
    export.add_argument("--url", metavar="URL", help="POST each event to this endpoint")
    export.add_argument("--api-key", metavar="TOKEN", help="bearer token for --url")


def _openlineage(settings: Settings, args: argparse.Namespace) -> int:
    if args.openlineage_command == "token":
        return _openlineage_token(settings, args)
    return _openlineage_export(settings, args)


def _openlineage_token(settings: Settings, args: argparse.Namespace) -> int:
    from stemma.openlineage.token import make_token

    secret = args.secret_access_key or os.environ.get("STEMMA_OPENLINEAGE_SECRET")
    if not secret:
        from stemma.auth.keys import KeyConfigError, KeyRing, load_master_key
        from stemma.store import open_store

        store = open_store(settings.db, migrate=False)
        try:
            credential = KeyRing(store, load_master_key(settings.data_dir, create=False)).lookup(
                args.access_key_id
            )
        except KeyConfigError as exc:
            print(f"stemma openlineage token: {exc}", file=sys.stderr)
            return 2
        finally:
            store.close()
        if credential is None:
            print(f"stemma openlineage token: no key {args.access_key_id}", file=sys.stderr)
            return 1
        secret = credential.secret
    try:
        print(make_token(args.access_key_id, secret, args.region))
    except ValueError as exc:
        print(f"stemma openlineage token: {exc}", file=sys.stderr)
        return 2
    return 0


def _openlineage_export(settings: Settings, args: argparse.Namespace) -> int:
    import orjson

    from stemma.openlineage.export import ExportReport, around, events
    from stemma.openlineage.forward import Sender
    from stemma.store import open_store
    from stemma.store.contract import Ref, Scope

    scope = Scope(args.account_id, args.region)
    store = open_store(settings.db, migrate=False)
    report = ExportReport()
    try:
        refs = None
        if args.arn:
            starts = []
            for arn in args.arn:
                kind, _, entity_id = arn.split(":", 5)[-1].partition("/")
                if kind not in ("context", "action", "artifact", "experiment-trial-component"):
                    print(f"stemma openlineage export: not a lineage ARN: {arn}", file=sys.stderr)
                    return 2
                starts.append(Ref(kind, entity_id.lower()))
            refs = around(store, scope, starts, args.depth)
        stream = events(store, scope, refs, report)
        if args.url:
            sender = Sender(args.url, args.api_key or "")
            for event in stream:
                sender.send(event)
        else:
            out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
            try:
                for event in stream:
                    out.write(orjson.dumps(event) + b"\n")
            finally:
                if out is not sys.stdout.buffer:
                    out.close()
    except OSError as exc:
        print(f"stemma openlineage export: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(
        f"stemma openlineage export: {report.events} events from {store.description}; "
        f"{report.skipped_edges} edges have no OpenLineage form",
        file=sys.stderr,
    )
    return 0
