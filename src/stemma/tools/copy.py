"""``stemma copy``: lineage from any SageMaker-compatible endpoint, through its public API.

It signs with the user's credentials and region as boto3 resolves them, so the source may be a
real AWS account or another stemma. It pages every List call (contexts, actions, artifacts,
then ListAssociations for the edges), describes each entity and lists its tags, backing off on
throttling, and writes either into a store through the import path (``Store.load_batch``: ARNs,
names, creation and modification times, tags and edges preserved) or into a live stemma server
through its API (ARNs and names preserved; times are the target's). Both writes skip what is
already there, so an interrupted copy is resumed by running it again. Experiments, trials, trial
components and metrics are not copied yet; edges to them are reported as not copied.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stemma.store import open_store
from stemma.store.contract import (
    LINEAGE_KINDS,
    Association,
    Entity,
    Kind,
    LoadBatch,
    OnConflict,
    Ref,
    Scope,
    Store,
    Tag,
    TaggedEntity,
)

THROTTLED = frozenset(
    ("ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded")
)
MAX_ATTEMPTS = 10
BATCH = 500

# kind -> (list operation, result key, describe operation, describe parameter, wire label)
_KINDS: dict[Kind, tuple[str, str, str, str, str]] = {
    "context": ("list_contexts", "ContextSummaries", "describe_context", "ContextName", "Context"),
    "action": ("list_actions", "ActionSummaries", "describe_action", "ActionName", "Action"),
    "artifact": (
        "list_artifacts",
        "ArtifactSummaries",
        "describe_artifact",
        "ArtifactArn",
        "Artifact",
    ),
}
_DERIVED = ("CreationTime", "LastModifiedTime", "CreatedBy", "LastModifiedBy", "LineageGroupArn")


class CopyFailed(Exception):
    """The copy could not start or had to stop (an error other than throttling)."""


@dataclass
class CopyReport:
    copied: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    throttled: int = 0
    not_copied: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.not_copied)

    def summary(self) -> str:
        text = f"copied {dict(self.copied) or 'nothing'}, already there {dict(self.present)}"
        text += f", throttled {self.throttled} times, in {self.seconds:.1f}s"
        if self.not_copied:
            shown = "\n  ".join(self.not_copied[:50])
            more = len(self.not_copied) - 50
            text += f"\nnot copied ({len(self.not_copied)}):\n  {shown}"
            text += f"\n  ... and {more} more" if more > 0 else ""
        return text


class Source:
    """A SageMaker API with throttling handled here: backoff with jitter, counted."""

    def __init__(self, client: Any, report: CopyReport, page_size: int = 100) -> None:
        self.client = client
        self.report = report
        self.page_size = page_size

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        delay = 0.1
        for attempt in range(MAX_ATTEMPTS):
            try:
                response: dict[str, Any] = getattr(self.client, operation)(**params)
                return response
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code not in THROTTLED or attempt == MAX_ATTEMPTS - 1:
                    raise
            self.report.throttled += 1
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

    def pages(
        self, operation: str, key: str, paged: bool = True, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a List call, page by page (``paged``: with our page size)."""
        token: str | None = None
        while True:
            extra: dict[str, Any] = {"NextToken": token} if token else {}
            if paged:
                extra["MaxResults"] = self.page_size
            page = self.call(operation, **params, **extra)
            yield from page.get(key, [])
            token = page.get("NextToken")
            if not token:
                return


def parse_arn(arn: str) -> tuple[Scope, Ref] | None:
    """(scope, ref) of a lineage ARN; None for other kinds."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or "/" not in parts[5]:
        return None
    kind, _, entity_id = parts[5].partition("/")
    if kind not in LINEAGE_KINDS:
        return None
    return Scope(parts[4], parts[3]), Ref(_KIND_OF[kind], entity_id)


_KIND_OF: dict[str, Kind] = {k: k for k in LINEAGE_KINDS}


def _ms(value: Any) -> int:
    if isinstance(value, datetime):
        return round(value.timestamp() * 1000)
    return round(float(value) * 1000)


def read_entities(source: Source, kind: Kind) -> Iterator[tuple[Scope, TaggedEntity, str]]:
    """Every entity of a lineage kind, described, with its tags, and its ARN."""
    operation, key, describe, parameter, label = _KINDS[kind]
    for summary in source.pages(operation, key):
        arn = summary[f"{label}Arn"]
        parsed = parse_arn(arn)
        if parsed is None:
            continue
        scope, ref = parsed
        described = source.call(describe, **{parameter: summary[parameter]})
        described.pop("ResponseMetadata", None)
        body = {
            k: v
            for k, v in described.items()
            if k not in _DERIVED and k not in (f"{label}Name", f"{label}Arn", f"{label}Type")
        }
        body.setdefault("Properties", {})
        if kind == "artifact":
            body["Source"] = {
                "SourceUri": body["Source"]["SourceUri"],
                "SourceTypes": list(body["Source"].get("SourceTypes") or []),
            }
        entity = Entity(
            kind=kind,
            id=ref.id,
            name=described.get(f"{label}Name"),
            entity_type=described.get(f"{label}Type") or "",
            source_uri=(described.get("Source") or {}).get("SourceUri", ""),
            body=body,
            created_ms=_ms(described["CreationTime"]),
            modified_ms=_ms(described.get("LastModifiedTime", described["CreationTime"])),
        )
        tags = [
            Tag(t["Key"], t["Value"])
            for t in source.pages("list_tags", "Tags", False, ResourceArn=arn)
        ]
        yield scope, TaggedEntity(entity, tags), arn


def copy_endpoint(
    from_endpoint: str,
    *,
    from_region: str | None = None,
    db: str | None = None,
    to_endpoint: str | None = None,
    on_conflict: OnConflict = "skip",
    page_size: int = 100,
    client_factory: Callable[..., Any] | None = None,
) -> CopyReport:
    """Copy every lineage entity, tag and association the source's credentials can read."""
    import boto3
    from botocore.config import Config

    factory = client_factory or boto3.client
    config = Config(retries={"max_attempts": 1, "mode": "standard"})  # backoff is ours
    report = CopyReport()
    started = time.monotonic()
    source = Source(
        factory("sagemaker", endpoint_url=from_endpoint, region_name=from_region, config=config),
        report,
        page_size,
    )
    if to_endpoint is not None:
        client = factory(
            "sagemaker", endpoint_url=to_endpoint, region_name=from_region, config=config
        )
        target: _Target = _ApiTarget(Source(client, report))
    elif db is not None:
        target = _StoreTarget(open_store(db), on_conflict)
    else:
        raise CopyFailed("give a store (--data-dir/--db) or --to-endpoint")
    copied: set[str] = set()
    try:
        for kind in LINEAGE_KINDS:
            for scope, item, arn in read_entities(source, kind):
                target.entity(scope, item, arn, report)
                copied.add(arn)
        for edge in source.pages("list_associations", "AssociationSummaries"):
            src, dst = edge["SourceArn"], edge["DestinationArn"]
            ends = parse_arn(src), parse_arn(dst)
            if ends[0] is None or ends[1] is None or src not in copied or dst not in copied:
                report.not_copied.append(
                    f"association {src} -> {dst}: an end is not a copied lineage entity"
                )
                continue
            association = Association(
                ends[0][1], ends[1][1], edge.get("AssociationType"), _ms(edge["CreationTime"])
            )
            target.association(ends[0][0], association, (src, dst), report)
        target.flush(report)
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError | BotoCoreError):
            raise CopyFailed(f"{exc} (rerun to resume: what was copied is skipped)") from None
        raise
    finally:
        target.close()
    report.seconds = time.monotonic() - started
    return report


class _Target:
    def entity(self, scope: Scope, item: TaggedEntity, arn: str, report: CopyReport) -> None:
        raise NotImplementedError

    def association(
        self, scope: Scope, edge: Association, arns: tuple[str, str], report: CopyReport
    ) -> None:
        raise NotImplementedError

    def flush(self, report: CopyReport) -> None:
        return None

    def close(self) -> None:
        return None


class _StoreTarget(_Target):
    """Writes through the import path, in batches per scope."""

    def __init__(self, store: Store, on_conflict: OnConflict) -> None:
        self.store = store
        self.on_conflict = on_conflict
        self.batches: dict[Scope, LoadBatch] = {}

    def entity(self, scope: Scope, item: TaggedEntity, arn: str, report: CopyReport) -> None:
        batch = self.batches.setdefault(scope, LoadBatch())
        batch.entities.append(item)
        if len(batch.entities) >= BATCH:
            self._load(scope, report)

    def association(
        self, scope: Scope, edge: Association, arns: tuple[str, str], report: CopyReport
    ) -> None:
        if self.batches.get(scope) and self.batches[scope].entities:
            self._load(scope, report)  # entities first: edges need their ends stored
        batch = self.batches.setdefault(scope, LoadBatch())
        batch.associations.append(edge)
        if len(batch.associations) >= BATCH:
            self._load(scope, report)

    def _load(self, scope: Scope, report: CopyReport) -> None:
        batch = self.batches.pop(scope)
        result = self.store.load_batch(scope, batch, self.on_conflict)
        report.copied.update(+Counter({k: result.loaded[k] for k in ("entity", "association")}))
        present = result.unchanged + result.conflicts
        report.present.update(+Counter({k: present[k] for k in ("entity", "association")}))

    def flush(self, report: CopyReport) -> None:
        for scope in list(self.batches):
            self._load(scope, report)

    def close(self) -> None:
        self.store.close()


class _ApiTarget(_Target):
    """Writes through a live server's API; what exists already is left as it is."""

    def __init__(self, api: Source) -> None:
        self.api = api

    def entity(self, scope: Scope, item: TaggedEntity, arn: str, report: CopyReport) -> None:
        e = item.entity
        label = _KINDS[e.kind][4]
        params: dict[str, Any] = {f"{label}Type": e.entity_type, "Source": e.body["Source"]}
        if e.name is not None:
            params[f"{label}Name"] = e.name
        for member, value in e.body.items():
            if member != "Source" and value not in ({}, None):
                params[member] = value
        if item.tags:
            params["Tags"] = [{"Key": t.key, "Value": t.value} for t in item.tags]
        self._create(f"create_{e.kind}", params, "entity", report)

    def association(
        self, scope: Scope, edge: Association, arns: tuple[str, str], report: CopyReport
    ) -> None:
        params: dict[str, Any] = {"SourceArn": arns[0], "DestinationArn": arns[1]}
        if edge.association_type:
            params["AssociationType"] = edge.association_type
        self._create("add_association", params, "association", report)

    def _create(
        self, operation: str, params: dict[str, Any], what: str, report: CopyReport
    ) -> None:
        from botocore.exceptions import ClientError

        try:
            self.api.call(operation, **params)
            report.copied[what] += 1
        except ClientError as exc:
            message = str(exc.response.get("Error", {}).get("Message", ""))
            if "already exists" not in message and "exists" not in message:
                report.not_copied.append(f"{what} {params}: {message}")
                return
            report.present[what] += 1
