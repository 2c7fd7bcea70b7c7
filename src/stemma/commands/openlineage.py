"""``stemma openlineage token`` and ``export``: calling into ``stemma.openlineage``
(docs/openlineage.md)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from stemma.commands.options import KEYS_OPTIONS
from stemma.commands.options import add_settings as _add_settings
from stemma.settings import Settings


def add_commands(commands: Any) -> None:
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


def run(settings: Settings, args: argparse.Namespace) -> int:
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
