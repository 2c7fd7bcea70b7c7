"""What experiments, trials and trial components share, beyond what every entity shares.

The three kinds are named entities like contexts (a unique, case-insensitive name; a lowercase
canonical ARN, D57), but with rules of their own: ``DisplayName`` defaults to the name (D58),
``CreatedBy`` and ``LastModifiedBy`` are always ``{}`` (D66), no ``Properties``, and their
lists filter by membership instead of by source and type. Their quotas are named as AWS names
them, with the Service Quotas suffix (D64).
"""

from __future__ import annotations

from stemma.context import RequestContext
from stemma.protocol.errors import ResourceNotFound
from stemma.service import entities
from stemma.service.dispatch import Request, Response
from stemma.service.entities import Family, Limit
from stemma.service.search.properties import attributes
from stemma.store.contract import Entity, Kind

QUOTA_SUFFIX = (
    "Please use AWS Service Quotas to request an increase for this quota. If AWS Service Quotas "
    "is not available, contact AWS support to request an increase for this quota."
)


def _per_parent(setting: str, name: str, units: str) -> Limit:
    text = f"Total number of {name}, excluding those automatically created by SageMaker"
    return Limit(setting, text, units, QUOTA_SUFFIX)


EXPERIMENT = Family(
    "experiment",
    "Experiment",
    entities.account_limit("experiments", "Experiments", QUOTA_SUFFIX),
    attributes,
)
TRIAL = Family(
    "experiment-trial",
    "Trial",
    entities.account_limit("trials", "Trials", QUOTA_SUFFIX),
    attributes,
)
TRIAL_COMPONENT = Family(
    "experiment-trial-component",
    "TrialComponent",
    entities.account_limit("trial components", "Trial Components", QUOTA_SUFFIX),
    attributes,
)
TRIALS_PER_EXPERIMENT = _per_parent(
    "trials_per_experiment", "trials allowed in a single experiment", "Trials"
)
COMPONENTS_PER_TRIAL = _per_parent(
    "trial_components_per_trial", "trial components allowed in a single trial", "Trial Components"
)

SEEDED = "AutoCreated"  # the body flag of a seeded (automatically created) component, D74

# How association listings type the ends that are experiment entities (D72): a trial component
# takes its source's type (seeded job components), else this.
ENTITY_TYPES: dict[Kind, str] = {
    "experiment": "SageMakerExperiment",
    "experiment-trial": "",  # trials are never association ends
    "experiment-trial-component": "SageMakerExperimentTrialComponent",
}


def entity_id(name: str) -> str:
    """Names are unique case-insensitively; the id (the ARN's resource part) is lowercase."""
    return name.lower()


def new_entity(ctx: RequestContext, family: Family, name: str, req: Request) -> Entity:
    """An entity from its Create* request: the name as given, ``DisplayName`` only if given."""
    body: dict[str, object] = {}
    for member in ("DisplayName", "Description", "MetadataProperties"):
        if member in req:
            body[member] = req[member]
    return Entity(
        kind=family.kind,
        id=entity_id(name),
        name=name,
        entity_type=ENTITY_TYPES[family.kind],
        source_uri="",
        body=body,
        created_ms=ctx.now_ms,
        modified_ms=ctx.now_ms,
    )


def duplicate(family: Family, name: str) -> str:
    # The SDK's is_already_exist_error matches "already exists" (D60).
    return f"{family.label} with name ({name}) already exists."


def missing(ctx: RequestContext, family: Family, name: str) -> ResourceNotFound:
    return entities.not_found(ctx, family, entity_id(name))


def get(ctx: RequestContext, family: Family, name: str) -> Entity:
    return entities.get(ctx, family, entity_id(name))


def record(ctx: RequestContext, family: Family, entity: Entity) -> Response:
    """The members Describe*, List* summaries and Search records build on. The serializer keeps
    those the output shape has: ``Source`` for Describe, ``<Kind>Source`` for summaries."""
    response: Response = {
        **entity.body,
        family.name_member: entity.name,
        family.arn_member: entities.arn(ctx, family, entity.id),
        "DisplayName": entity.body.get("DisplayName") or entity.name,  # D58
        "CreationTime": entities.seconds(entity.created_ms),
        "CreatedBy": {},
        "LastModifiedTime": entities.seconds(entity.modified_ms),
        "LastModifiedBy": {},
    }
    if "Source" in entity.body:
        response[f"{family.label}Source"] = entity.body["Source"]
    return response


def update(ctx: RequestContext, family: Family, name: str, req: Request) -> Response:
    """Update* of the members every kind may change: replaced when present (D65)."""

    def apply(entity: Entity) -> None:
        for member in ("DisplayName", "Description"):
            if member in req:
                entity.body[member] = req[member]

    return entities.update(ctx, family, entity_id(name), apply)


def delete(ctx: RequestContext, family: Family, name: str, in_use: str) -> Response:
    """Delete* by name; ``in_use`` is the refusal's text while the entity has children or
    memberships (D62), with ``{arn}`` standing for the entity's ARN."""
    identity = entity_id(name)
    arn = entities.arn(ctx, family, identity)
    return entities.delete(ctx, family, identity, in_use.format(arn=arn))


def list_page(
    ctx: RequestContext, family: Family, req: Request, filters: dict[str, tuple[str, str | None]]
) -> Response:
    """A List* page; ``filters`` as ``entities.list_page`` takes them."""
    return entities.list_page(ctx, family, req, filters, record)


def existing_id(ctx: RequestContext, family: Family, name: str | None) -> str | None:
    """The id of the entity a list filter names; a filter naming nothing is ResourceNotFound
    (D67), and an absent filter None."""
    if name is None:
        return None
    get(ctx, family, name)
    return entity_id(name)
