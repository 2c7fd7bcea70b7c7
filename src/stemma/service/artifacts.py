"""Artifacts: CreateArtifact, DescribeArtifact, ListArtifacts, UpdateArtifact, DeleteArtifact.

An artifact is identified by its source, not its name: the key is (SourceUri, set of
SourceTypes), and the ARN's id is the MD5 of that key's canonical JSON, identical across accounts
(D21). ``ArtifactName`` is optional and never unique (D22). Describe and Update take the ARN;
Delete takes the ARN, the Source, or both, the ARN winning (D33).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from stemma.context import RequestContext
from stemma.protocol.errors import ValidationException
from stemma.service import entities
from stemma.service.dispatch import Request, Response, handler
from stemma.store.contract import Entity

ARTIFACT = entities.Family("artifact", "Artifact", entities.account_limit("artifacts", "Artifacts"))


def artifact_id(source: dict[str, Any]) -> str:
    """32 lowercase hex digits derived from the source key (D21)."""
    pairs = {(t["SourceIdType"], t["Value"]) for t in source.get("SourceTypes") or []}
    # json.dumps(..., separators=(",", ":"), ensure_ascii=False), key order as written.
    canonical = orjson.dumps(
        {"SourceUri": source["SourceUri"], "SourceTypes": sorted([t, v] for t, v in pairs)}
    )
    return hashlib.md5(canonical).hexdigest()


def _stored_source(source: dict[str, Any]) -> dict[str, Any]:
    """The source as returned: SourceTypes always present, in the order given (D8)."""
    return {"SourceUri": source["SourceUri"], "SourceTypes": list(source.get("SourceTypes") or [])}


@handler("CreateArtifact")
def create_artifact(ctx: RequestContext, req: Request) -> Response:
    entity_id = artifact_id(req["Source"])
    entity = entities.lineage_entity(ctx, ARTIFACT, entity_id, req.get("ArtifactName"), req)
    entity.body["Source"] = _stored_source(req["Source"])
    if "MetadataProperties" in req:
        entity.body["MetadataProperties"] = req["MetadataProperties"]
    arn = entities.arn(ctx, ARTIFACT, entity_id)
    entities.create(
        ctx, ARTIFACT, entity, req, f"Artifact with the same Source already exists: {arn}."
    )
    return {"ArtifactArn": arn}


@handler("DescribeArtifact")
def describe_artifact(ctx: RequestContext, req: Request) -> Response:
    entity = entities.get(ctx, ARTIFACT, entities.id_from_arn(ctx, ARTIFACT, req["ArtifactArn"]))
    return entities.describe(ctx, ARTIFACT, entity)


@handler("UpdateArtifact")
def update_artifact(ctx: RequestContext, req: Request) -> Response:
    def apply(entity: Entity) -> None:
        if "ArtifactName" in req:
            entity.name = req["ArtifactName"]

    entity_id = entities.id_from_arn(ctx, ARTIFACT, req["ArtifactArn"])
    return entities.update_lineage_entity(
        ctx, ARTIFACT, entity_id, req, apply, "ArtifactProperties"
    )


@handler("DeleteArtifact")
def delete_artifact(ctx: RequestContext, req: Request) -> Response:
    if "ArtifactArn" in req:
        return entities.delete(
            ctx, ARTIFACT, entities.id_from_arn(ctx, ARTIFACT, req["ArtifactArn"])
        )
    source = req.get("Source")
    if source is None:
        raise ValidationException("Either ArtifactArn or Source must be specified.")
    if source.get("SourceTypes"):
        return entities.delete(ctx, ARTIFACT, artifact_id(source))
    # Only a URI: the artifact keyed by (uri, no types), else the only one with that URI (D33).
    bare = artifact_id({"SourceUri": source["SourceUri"]})
    candidates = ctx.store.find_entities(ctx.scope, "artifact", source["SourceUri"])
    if any(c.id == bare for c in candidates) or not candidates:
        return entities.delete(ctx, ARTIFACT, bare)
    if len(candidates) > 1:
        raise ValidationException("Source matches more than one artifact; specify ArtifactArn.")
    return entities.delete(ctx, ARTIFACT, candidates[0].id)


@handler("ListArtifacts")
def list_artifacts(ctx: RequestContext, req: Request) -> Response:
    return entities.list_lineage_page(ctx, ARTIFACT, req)
