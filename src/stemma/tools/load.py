"""``stemma import``: an export stream into a store, batch by batch, each all or nothing.

Records are gathered into batches of one scope and handed to ``Store.load_batch``, one
transaction each. A line that is not a valid record, a stream that ends without its end record
(truncated) or a batch the store refuses stops the import with the line number and the reason;
the batch it was in is not applied, the batches before it stay, and rerunning the import (after
fixing the cause) skips what is already there. Access keys are loaded only into a store whose
master key is the source's (or that has none yet, which then takes the source's).
"""

from __future__ import annotations

import base64
import gzip
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from stemma.service.search.properties import attributes
from stemma.store.contract import (
    LINEAGE_KINDS,
    Association,
    LoadBatch,
    LoadConflict,
    LoadMissing,
    LoadResult,
    Membership,
    MetricRun,
    OnConflict,
    QuotaExceeded,
    Ref,
    Scope,
    ScopeStart,
    Store,
    StoredKey,
    TaggedEntity,
)
from stemma.tools import records, validation
from stemma.tools.export import MASTER_CHECK
from stemma.tools.progress import Progress

BATCH = 5_000  # records per transaction

# --quota names (``context.Quotas``) and the usage counter each limits.
QUOTA_KINDS = {
    "contexts": "context",
    "actions": "action",
    "artifacts": "artifact",
    "associations": "association",
    "experiments": "experiment",
    "trials": "experiment-trial",
    "trial_components": "experiment-trial-component",
}


class ImportFailed(Exception):
    """The import stopped at ``line`` (None: not tied to one line) for ``reason``."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line is not None else reason)
        self.line = line
        self.reason = reason


@dataclass
class ImportReport:
    result: LoadResult = field(default_factory=LoadResult)
    records: int = 0
    keys: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        def text(counter: Any) -> str:
            shown = [f"{counter[k]:,} {plural}" for k, plural in _SHOWN.items() if counter[k]]
            return ", ".join(shown) or "nothing"

        r = self.result
        line = f"{self.records:,} records in {self.seconds:.1f}s: loaded {text(r.loaded)}"
        line += f"; already present {text(r.unchanged)}"
        if r.conflicts:
            line += f"; differing {text(r.conflicts)}"
        if self.keys:
            line += f"; {self.keys} access keys"
        return line


_SHOWN = {
    "entity": "entities",
    "association": "associations",
    "membership": "memberships",
    "point": "metric points",
}


class _Batch:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.load = LoadBatch()
        self.lines: dict[object, int] = {}  # a row's identity -> its line, for error reports
        self.first_line = 0
        self.size = 0

    def add(self, item: object, line: int) -> None:
        if not self.size:
            self.first_line = line
        self.size += 1
        b = self.load
        if isinstance(item, TaggedEntity):
            if item.entity.kind not in LINEAGE_KINDS:
                item.entity.attrs = attributes(item.entity)  # what Search filters on
            b.entities.append(item)
            self.lines[Ref(item.entity.kind, item.entity.id)] = line
        elif isinstance(item, Association):
            b.associations.append(item)
            self.lines[(item.source, item.destination)] = line
        elif isinstance(item, Membership):
            b.memberships.append(item)
            self.lines[(item.trial_id, item.tc_id)] = line
        elif isinstance(item, MetricRun):
            b.metrics.append(item)
            self.lines[(item.tc_id, item.name)] = line


def import_stream(
    store: Store,
    stream: IO[bytes],
    *,
    on_conflict: OnConflict = "fail",
    quotas: dict[str, int] | None = None,
    progress: Progress | None = None,
    position: Callable[[], int] | None = None,
    batch_records: int = BATCH,
) -> ImportReport:
    """Load an export stream into ``store``; raises ImportFailed."""
    report = ImportReport()
    started = time.monotonic()
    lines = _lines(stream)
    head = next(lines, None)
    if head is None:
        raise ImportFailed(1, "the stream is empty: expected a stemma-export header")
    try:
        header = records.parse(head[1])
        records.check_header(header)
    except records.RecordError as exc:
        raise ImportFailed(1, str(exc)) from None
    if header.get("keys"):
        _check_master(store, header)
    batch: _Batch | None = None
    keys: list[tuple[int, StoredKey]] = []
    ended = False
    line = 1
    for line, raw in lines:
        if ended:
            raise ImportFailed(line, "records after the end record")
        try:
            record = records.parse(raw)
            kind = record["type"]
            if kind == "end":
                if record.get("records") != line - 1:
                    raise records.RecordError(
                        f"the end record counts {record.get('records')} records before it,"
                        f" the stream has {line - 1}"
                    )
                ended = True
                continue
            item = records.decode(record)
            if isinstance(item, TaggedEntity):
                objection = validation.check(item)
                if objection is not None:
                    raise records.RecordError(f"not valid for the service model: {objection}")
        except records.RecordError as exc:
            raise ImportFailed(line, str(exc)) from None
        report.records += 1
        if isinstance(item, ScopeStart):
            _flush(store, batch, on_conflict, quotas, report)
            batch = _Batch(item.scope)
            batch.load.lineage_group_created_ms = item.lineage_group_created_ms
            continue
        if isinstance(item, StoredKey):
            keys.append((line, item))
            continue
        if batch is None:
            raise ImportFailed(line, f"a {kind} record before any scope record")
        batch.add(item, line)
        if batch.size >= batch_records:
            _flush(store, batch, on_conflict, quotas, report)
            batch = _Batch(batch.scope)
            if progress is not None:
                progress.update(report.records, position() if position else None)
    if not ended:
        raise ImportFailed(
            line + 1,
            "the stream ends without its end record: it is truncated (nothing of"
            " its last batch was imported)",
        )
    _flush(store, batch, on_conflict, quotas, report)
    for _, key in keys:
        store.put_access_key(key)
    report.keys = len(keys)
    report.seconds = time.monotonic() - started
    return report


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """Numbered complete lines; a last line without its newline is reported as truncated."""
    number = 0
    try:
        for raw in stream:
            number += 1
            if not raw.endswith(b"\n"):
                raise ImportFailed(number, "the stream ends in the middle of a record: truncated")
            yield number, raw
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        reason = f"the compressed stream is corrupt or truncated ({exc})"
        raise ImportFailed(number + 1, reason) from None


def _check_master(store: Store, header: dict[str, Any]) -> None:
    text = header.get("master_check")
    if not isinstance(text, str):
        raise ImportFailed(1, "the header says it holds keys but has no master_check")
    source = base64.b64decode(text)
    target = store.meta_get(MASTER_CHECK)
    if target is None:
        store.meta_setdefault(MASTER_CHECK, source)
    elif target != source:
        raise ImportFailed(
            1,
            "its access keys are sealed with a different master key than the target store's;"
            " import into a store set up with the source's master key, or export without"
            " --include-keys",
        )


def _flush(
    store: Store,
    batch: _Batch | None,
    on_conflict: OnConflict,
    quotas: dict[str, int] | None,
    report: ImportReport,
) -> None:
    if batch is None or (not batch.size and batch.load.lineage_group_created_ms is None):
        return
    try:
        result = store.load_batch(batch.scope, batch.load, on_conflict, quotas)
    except LoadConflict as exc:
        raise ImportFailed(
            batch.lines.get(exc.what, batch.first_line),
            f"{_name(exc.what)} exists in the target with different content (choose"
            " --on-conflict skip or overwrite); nothing of this batch was imported",
        ) from None
    except LoadMissing as exc:
        raise ImportFailed(
            batch.lines.get(exc.what, batch.first_line),
            f"{_name(exc.what)}: {exc}; nothing of this batch was imported",
        ) from None
    except QuotaExceeded as exc:
        raise ImportFailed(
            batch.first_line,
            f"the batch from this line would pass a quota of {exc.limit} ({exc.used} used);"
            " nothing of this batch was imported",
        ) from None
    report.result.add(result)


def _name(what: object) -> str:
    if isinstance(what, Ref):
        return f"{what.kind} {what.id}"
    if isinstance(what, tuple) and len(what) == 2 and isinstance(what[0], Ref):
        return f"association {what[0].kind}/{what[0].id} -> {what[1].kind}/{what[1].id}"
    return " ".join(str(x) for x in what) if isinstance(what, tuple) else str(what)
