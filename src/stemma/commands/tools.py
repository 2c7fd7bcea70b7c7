"""``stemma export``, ``import``, ``backup`` and ``copy``: one small function per subcommand,
calling into ``stemma.tools`` (docs/backup.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from stemma.commands.options import KEYS_OPTIONS
from stemma.commands.options import add_settings as _add_settings
from stemma.settings import Settings


def add_commands(commands: Any) -> None:
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
