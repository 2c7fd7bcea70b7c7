"""The store contract: what the services may ask of storage, and nothing about how.

Contexts, actions, artifacts, experiments, trials and trial components are one record type,
``Entity``, told apart by ``kind``; the services give each kind its rules, the store only keeps
them. Two relations are the experiment kinds' own: a trial's ``parent`` experiment, and the
memberships of trial components in trials. Every call is scoped to one
``Scope`` (account, region), and every table leads with those two columns, so no query can cross
tenants and the schema can later be sharded by account.

Each mutating call is one transaction: a uniqueness check, a quota check and the write either all
happen or none do. Stores raise the errors below; services translate them into AWS errors. A store
never sees HTTP and never builds an AWS message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

if TYPE_CHECKING:
    from stemma.store.search_query import SearchPage, SearchQuery

Kind = Literal[
    "context",
    "action",
    "artifact",
    "experiment",
    "experiment-trial",
    "experiment-trial-component",
]
LINEAGE_KINDS: tuple[Kind, ...] = ("context", "action", "artifact")
# The kinds whose first entity in a scope creates its default lineage group (D23, amended).
GROUPED_KINDS: frozenset[Kind] = frozenset((*LINEAGE_KINDS, "experiment-trial-component"))
# The kind of a kind's ``parent``, for the kinds that have one: a trial's experiment.
PARENT_KINDS: dict[Kind, Kind] = {"experiment-trial": "experiment"}
DEFAULT_LINEAGE_GROUP = "sagemaker-default-lineage-group"
SortKey = Literal["created", "name"]
AssociationSortKey = Literal["created", "source", "destination", "source_type", "destination_type"]
Direction = Literal["Ascendants", "Descendants", "Both"]


class Scope(NamedTuple):
    """The tenant of a request: every entity belongs to exactly one."""

    account: str
    region: str


@dataclass
class Entity:
    """An entity as stored.

    ``id`` is the resource part of the ARN: the lowercased name for named kinds, the 32-hex
    source digest for artifacts. ``body`` holds the members that are only ever returned, never
    filtered on (Source, Description, Status, Properties, Parameters, ...). ``parent`` is the id
    of the entity of kind ``PARENT_KINDS[kind]`` this one belongs to, fixed at creation.
    """

    kind: Kind
    id: str
    name: str | None
    entity_type: str
    source_uri: str
    body: dict[str, Any]
    created_ms: int
    modified_ms: int
    parent: str | None = None
    attrs: dict[str, float | str] | None = None
    """Searchable attributes (``entity_attrs``), written with the entity when not None; never
    read back into an ``Entity``."""


@dataclass
class EntityQuery:
    """A filtered, sorted, keyset-paged listing of one kind of entity."""

    kind: Kind
    limit: int
    source_uri: str | None = None
    entity_type: str | None = None
    created_from_ms: int | None = None  # inclusive
    created_to_ms: int | None = None  # inclusive
    parent: str | None = None  # children of this parent only
    containing: str | None = None  # trials that hold this trial component
    in_trial: str | None = None  # trial components in this trial
    in_experiment: str | None = None  # trial components in any trial of this experiment
    sort: SortKey = "created"
    descending: bool = True
    after: tuple[Any, str] | None = None  # (sort value, id) of the last item already returned


@dataclass
class Tag:
    key: str
    value: str


@dataclass
class TagPage:
    tags: list[Tag]
    last_position: int | None = None  # set when more tags follow
    more: bool = False


class Ref(NamedTuple):
    """An association end or graph vertex: the entity's kind and id."""

    kind: Kind
    id: str


@dataclass
class Association:
    """A directed edge between two entities, as stored and as listed.

    The entity types and names of both ends are read live when listing (D40); they are None on
    the ``Association`` given to ``add_association``.
    """

    source: Ref
    destination: Ref
    association_type: str | None
    created_ms: int
    source_type: str | None = None
    destination_type: str | None = None
    source_name: str | None = None
    destination_name: str | None = None


@dataclass
class AssociationQuery:
    limit: int
    source: Ref | None = None
    destination: Ref | None = None
    source_type: str | None = None
    destination_type: str | None = None
    association_type: str | None = None
    created_from_ms: int | None = None
    created_to_ms: int | None = None
    sort: AssociationSortKey = "created"
    descending: bool = True
    after: tuple[Any, ...] | None = None  # the sort key of the last association returned


def association_sort_key(association: Association, sort: AssociationSortKey) -> tuple[Any, ...]:
    """The keyset position of an association in a listing sorted by ``sort``; ties are broken by
    the (source, destination) pair (D29)."""
    pair = (*association.source, *association.destination)
    if sort == "created":
        return (association.created_ms, *pair)
    if sort == "source":
        return pair
    if sort == "destination":
        return (*association.destination, *association.source)
    if sort == "source_type":
        return (association.source_type, *pair)
    return (association.destination_type, *pair)


@dataclass
class NewEntity:
    entity: Entity
    tags: list[Tag] = field(default_factory=list)
    quota: int | None = None  # the most entities of this kind a scope may hold; None: no limit
    parent_quota: int | None = None  # the most children of this kind its parent may hold


@dataclass
class MetricPoint:
    """One sample of a metric, as BatchPutMetrics gives it."""

    name: str
    ts_ms: int
    step: int | None
    value: float


@dataclass
class MetricSummary:
    """A metric series' running summary, kept exact as points arrive (Welford's method)."""

    name: str
    count: int
    min: float
    max: float
    mean: float
    m2: float  # the sum of squared deviations from the mean
    last: float  # the value of the latest point by (timestamp, step, arrival)
    max_ts_ms: int


@dataclass
class StoredPoint:
    ts_ms: int
    step: int | None
    value: float
    seq: int  # arrival order within its series


@dataclass
class StoredKey:
    """An access key as stored: the secret is ciphertext the store cannot read."""

    access_key_id: str
    account: str
    sealed_secret: bytes
    is_root: bool
    created_ms: int


@dataclass
class ScopeStart:
    """In a dump, the scope the records up to the next ``ScopeStart`` belong to."""

    scope: Scope
    lineage_group_created_ms: int | None


@dataclass
class TaggedEntity:
    """An entity with its tags, in insertion order: how a dump and a load carry entities."""

    entity: Entity
    tags: list[Tag]


@dataclass
class Membership:
    """A trial component in a trial (``trial_members``); ``counted`` towards the trial's quota."""

    trial_id: str
    tc_id: str
    counted: bool
    created_ms: int


@dataclass
class MetricRun:
    """Consecutive points of one metric series, from arrival number ``first_seq`` (1-based)."""

    tc_id: str
    name: str
    first_seq: int
    points: list[tuple[int, int | None, float]]  # (timestamp ms, step, value)


Dumped = ScopeStart | TaggedEntity | Association | Membership | MetricRun | StoredKey
OnConflict = Literal["skip", "overwrite", "fail"]


@dataclass
class LoadBatch:
    """Rows to load into one scope in one transaction (``Store.load_batch``)."""

    entities: list[TaggedEntity] = field(default_factory=list)
    associations: list[Association] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    metrics: list[MetricRun] = field(default_factory=list)
    lineage_group_created_ms: int | None = None


@dataclass
class LoadResult:
    """What a load did, by record type: rows written, already present (identical), differing
    (skipped or overwritten, per the policy)."""

    loaded: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)

    def add(self, other: LoadResult) -> None:
        self.loaded.update(other.loaded)
        self.unchanged.update(other.unchanged)
        self.conflicts.update(other.conflicts)


@dataclass
class Upsert:
    """One entity written by ``Store.apply_changes``. ``merge`` receives the stored entity (None
    when there is none) inside the transaction and returns what to store, or None to leave it as
    it is; it may change every column but the kind and id. ``tags`` are upserted (an existing key
    keeps its position)."""

    kind: Kind
    id: str
    merge: Callable[[Entity | None], Entity | None]
    tags: list[Tag] = field(default_factory=list)


@dataclass
class ChangeSet:
    """Several writes to one scope that must happen together: entities upserted in order, then
    associations added unless present (their ends must then exist)."""

    upserts: list[Upsert] = field(default_factory=list)
    associations: list[Association] = field(default_factory=list)


@dataclass
class ChangeResult:
    """What ``apply_changes`` did: entities created, entities changed, associations added."""

    created: list[Ref] = field(default_factory=list)
    updated: list[Ref] = field(default_factory=list)
    associated: list[Association] = field(default_factory=list)


class StoreError(Exception):
    """Base of the errors a store raises."""


class AlreadyExists(StoreError):
    """An entity with the same id, or an association with the same ends, already exists."""


class QuotaExceeded(StoreError):
    def __init__(self, limit: int, used: int) -> None:
        super().__init__(f"quota {limit} reached ({used} used)")
        self.limit = limit
        self.used = used


class ParentQuotaExceeded(QuotaExceeded):
    """The parent of a new entity holds as many children as its quota allows."""


class NotFound(StoreError):
    """The entity or association addressed does not exist in the scope."""

    def __init__(self, what: object = None) -> None:
        super().__init__(str(what))
        self.what = what


class HasDependents(StoreError):
    """The entity still has children or memberships, so it cannot be deleted (D62)."""


class TooManyTags(StoreError):
    def __init__(self, count: int) -> None:
        super().__init__(f"{count} tags")
        self.count = count


class LoadConflict(StoreError):
    """A loaded row differs from the one stored under its identity (policy ``fail``)."""

    def __init__(self, what: object) -> None:
        super().__init__(f"{what} exists with different content")
        self.what = what


class LoadMissing(StoreError):
    """A loaded row refers to an entity neither stored nor in the batch, or a metric run leaves
    a gap in its series."""

    def __init__(self, what: object, reason: str) -> None:
        super().__init__(reason)
        self.what = what


class Unavailable(StoreError):
    """The database cannot be reached or is busy; the request may be retried."""


class ConnectFailed(Unavailable):
    """The database could not be reached at start-up; ``reason`` is the server's own word."""

    def __init__(self, description: str, reason: str) -> None:
        super().__init__(f"cannot connect to {description}: {reason}")
        self.reason = reason


Mutation = Callable[[Entity], Entity]


class Store(Protocol):
    """Storage for lineage entities, tags and associations, one transaction per call."""

    token_secret: bytes
    """Key for signing page tokens, shared by every process using this database."""

    description: str
    """Where the data lives, for the start-up line and logs (no credentials)."""

    local_reads: bool
    """Reads are local and take microseconds (no network round trip): callers may run them
    without handing them to a thread."""

    def migrate(self) -> list[str]:
        """Apply pending schema migrations; returns their names. Safe from many processes."""

    def meta_get(self, key: str) -> bytes | None:
        """A value of the database's own settings (``meta``), if set."""

    def meta_setdefault(self, key: str, value: bytes) -> bytes:
        """The stored value for ``key``, storing ``value`` first if there is none."""

    def pending_migrations(self) -> list[str]:
        """The migrations not yet applied, by label (``0002_associations``)."""

    def create_entity(self, scope: Scope, new: NewEntity) -> None:
        """Insert an entity and its tags. Raises AlreadyExists, then NotFound(Ref) for a missing
        parent, then QuotaExceeded (D26, D60): the scope's quota or the parent's."""

    def get_entity(self, scope: Scope, kind: Kind, entity_id: str) -> Entity | None: ...

    def update_entity(self, scope: Scope, kind: Kind, entity_id: str, mutate: Mutation) -> Entity:
        """Apply ``mutate`` to the stored entity inside one write transaction.

        ``mutate`` may raise to abandon the update; nothing is then written. Raises NotFound.
        """

    def delete_entity(self, scope: Scope, kind: Kind, entity_id: str) -> None:
        """Delete an entity with its tags and associations, releasing quota. Raises NotFound,
        and HasDependents while it has children or memberships (nothing is then deleted)."""

    def add_member(
        self, scope: Scope, trial_id: str, tc_id: str, counted: bool, quota: int | None, now_ms: int
    ) -> bool:
        """Put a trial component in a trial, bumping both's modification time; False when it
        already was (nothing changes, no quota is used). Raises NotFound(Ref) for a missing end,
        then QuotaExceeded when ``counted`` and the trial holds ``quota`` counted members."""

    def remove_member(self, scope: Scope, trial_id: str, tc_id: str, now_ms: int) -> None:
        """Take a trial component out of a trial. Raises NotFound(Ref) for a missing end, then
        NotFound(None) when it is not in the trial."""

    def memberships(self, scope: Scope, tc_id: str) -> list[Entity]:
        """The trials a trial component is in, in association order."""

    def put_metrics(
        self,
        scope: Scope,
        tc_id: str,
        points: list[MetricPoint],
        max_names: int | None,
        max_points: int | None,
    ) -> list[int]:
        """Store the points of one trial component and update their series' summaries, in one
        transaction; returns the indexes of the points refused because their series would pass
        ``max_points`` or the component ``max_names`` series. Raises NotFound."""

    def bulk_load_metrics(
        self, scope: Scope, series: Iterable[tuple[str, str, list[MetricPoint]]]
    ) -> int:
        """Seed new metric series ((trial component id, metric name, points)) without the API
        path's checks; the components must exist. Returns the points loaded."""

    def metric_summaries(self, scope: Scope, tc_ids: list[str]) -> dict[str, list[MetricSummary]]:
        """The summaries of the given trial components' series, by name, in one query."""

    def search(self, scope: Scope, query: SearchQuery) -> SearchPage:
        """A page of the entities matching ``query``, and their count (``store/search_query``)."""

    def tags_of(self, scope: Scope, kind: Kind, ids: list[str]) -> dict[str, list[Tag]]:
        """The tags of many entities of one kind, each in insertion order, in one query."""

    def memberships_of(self, scope: Scope, tc_ids: list[str]) -> dict[str, list[Entity]]:
        """The trials of many trial components, each in association order."""

    def members_of(self, scope: Scope, trial_ids: list[str]) -> dict[str, list[tuple[Entity, int]]]:
        """The trial components of many trials, each with its membership's creation time, in
        association order."""

    def metric_points(
        self, scope: Scope, tc_id: str, name: str, from_ms: int | None, to_ms: int | None
    ) -> list[StoredPoint]:
        """A series' points with a timestamp in [from_ms, to_ms], in arrival order."""

    def list_entities(self, scope: Scope, query: EntityQuery) -> list[Entity]:
        """Up to ``query.limit`` entities after ``query.after``, in the requested order."""

    def add_tags(
        self, scope: Scope, kind: Kind, entity_id: str, tags: list[Tag], limit: int
    ) -> None:
        """Upsert tags (an overwrite keeps the key's position). Raises NotFound, TooManyTags."""

    def delete_tags(self, scope: Scope, kind: Kind, entity_id: str, keys: list[str]) -> None:
        """Remove tags by key; absent keys are ignored. Raises NotFound."""

    def list_tags(
        self, scope: Scope, kind: Kind, entity_id: str, after: int | None, limit: int
    ) -> TagPage:
        """Tags in insertion order, after position ``after``. Raises NotFound."""

    def find_entities(self, scope: Scope, kind: Kind, source_uri: str) -> list[Entity]:
        """Every entity of ``kind`` with this source URI (for DeleteArtifact by Source)."""

    def lineage_group_created_ms(self, scope: Scope) -> int | None:
        """When the scope's default lineage group was created (with its first entity), if it
        has been (D23)."""

    def get_entities(self, scope: Scope, refs: list[Ref]) -> dict[Ref, Entity]:
        """The entities that exist among ``refs``, in one query."""

    def add_association(self, scope: Scope, association: Association, quota: int | None) -> None:
        """Insert an edge. Raises NotFound(ref) for a missing end, then AlreadyExists, then
        QuotaExceeded, all checked in the inserting transaction."""

    def delete_association(self, scope: Scope, source: Ref, destination: Ref) -> None:
        """Raises NotFound when the pair is not associated."""

    def list_associations(self, scope: Scope, query: AssociationQuery) -> list[Association]:
        """Up to ``query.limit`` associations after ``query.after``, with live end types/names."""

    def incident(
        self, scope: Scope, frontier: list[Ref], direction: Direction
    ) -> list[Association]:
        """Every association leaving (Descendants), entering (Ascendants) or touching (Both) any
        ref of ``frontier``, in one query: one round trip per level of a lineage walk."""

    def put_access_key(self, key: StoredKey) -> None:
        """Insert or replace an access key."""

    def get_access_key(self, access_key_id: str) -> StoredKey | None: ...

    def list_access_keys(self) -> list[StoredKey]: ...

    def delete_access_key(self, access_key_id: str) -> None:
        """Raises NotFound when there is no such key."""

    def bulk_load(
        self, scope: Scope, entities: Iterable[Entity], associations: Iterable[Association]
    ) -> tuple[int, int]:
        """Seed many rows at once, without quota checks; ids must be new and association ends
        loaded. Returns the counts loaded. See ``store/sql/bulk.py``."""

    def dump(self, scope: Scope | None, *, keys: bool = False) -> Generator[Dumped, None, None]:
        """Every row of one scope (None: of every scope) from one consistent snapshot, read in
        keyset pages so memory stays bounded: per scope a ``ScopeStart``, its entities with
        their tags (experiments before their trials), associations, memberships and metric runs;
        then, if ``keys``, the access keys of the scopes' accounts (sealed). A reader must close
        the iterator (it holds the snapshot open). See ``store/sql/dump.py``."""

    def load_batch(
        self,
        scope: Scope,
        batch: LoadBatch,
        on_conflict: OnConflict,
        quotas: dict[str, int] | None = None,
    ) -> LoadResult:
        """Load rows as they were dumped (ids, times, tag order, arrival order of points), in
        one transaction: all or nothing. Rows already stored identically are left alone, so a
        load can be repeated; a differing entity or association is skipped, overwritten or
        refused with LoadConflict, per ``on_conflict``. Raises LoadMissing for an end, parent or
        series gap not found, and QuotaExceeded when ``quotas`` (usage kind -> limit) would be
        passed. Memberships and metric points are identified by (trial, component) and
        (series, arrival number), and never overwritten. See ``store/sql/load.py``."""

    def apply_changes(
        self, scope: Scope, changes: ChangeSet, quotas: dict[str, int | None], tag_limit: int
    ) -> ChangeResult:
        """Apply a ``ChangeSet`` in one transaction: all or nothing. Raises NotFound(Ref) for an
        association end neither stored nor upserted, QuotaExceeded when the entities created of
        a kind, or the associations added, pass ``quotas`` (usage kind -> limit; None or absent:
        none), TooManyTags past ``tag_limit``, and whatever a ``merge`` raises. See
        ``store/sql/changes.py``."""

    def batched_writes(self) -> AbstractContextManager[None]:
        """Within the block, this thread's writes may join a batch of writes committed together
        by ``commit_batch()``, and return before they are committed. ``durability()`` then says
        when they are committed and durable. For callers that must not block on disk flushes
        and can schedule the commit (the event loop); others need not care."""

    def durability(self) -> Future[None] | None:
        """A future resolved once the writes this thread made in ``batched_writes`` are
        committed and durable (None: nothing to wait for). It fails with ``Unavailable`` or
        ``OSError`` if they cannot be, and then none of them is stored."""

    def commit_batch(self) -> None:
        """Commit the open batch of writes, if any, and start making it durable. Never
        raises: failures reach ``durability()``'s futures."""

    def ping(self) -> None:
        """Raise Unavailable unless the database answers (for /readyz)."""

    def close(self) -> None: ...
