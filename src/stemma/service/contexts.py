"""Contexts: CreateContext, DescribeContext, ListContexts, UpdateContext, DeleteContext.

A context is identified by its name, unique per (account, region) case-insensitively; its ARN
carries the lowercased name (D18). DescribeContext accepts the name or the ARN; Update and Delete
take the name only, which the model's pattern enforces.
"""

from __future__ import annotations

from stemma.context import RequestContext
from stemma.service import entities
from stemma.service.dispatch import Request, Response, handler
from stemma.store.contract import Entity

CONTEXT = entities.Family("context", "Context", entities.account_limit("contexts", "Contexts"))


@handler("CreateContext")
def create_context(ctx: RequestContext, req: Request) -> Response:
    name = req["ContextName"]
    entity = entities.lineage_entity(ctx, CONTEXT, name.lower(), name, req)
    entity.body["Source"] = req["Source"]
    if "Description" in req:
        entity.body["Description"] = req["Description"]
    entities.create(ctx, CONTEXT, entity, req, f"Context with name ({name}) already exists.")
    return {"ContextArn": entities.arn(ctx, CONTEXT, entity.id)}


@handler("DescribeContext")
def describe_context(ctx: RequestContext, req: Request) -> Response:
    entity = entities.get(
        ctx, CONTEXT, entities.id_from_name_or_arn(ctx, CONTEXT, req["ContextName"])
    )
    return entities.describe(ctx, CONTEXT, entity)


@handler("UpdateContext")
def update_context(ctx: RequestContext, req: Request) -> Response:
    def apply(entity: Entity) -> None:
        if "Description" in req:
            entity.body["Description"] = req["Description"]

    return entities.update_lineage_entity(
        ctx, CONTEXT, req["ContextName"].lower(), req, apply, "LineageEntityParameters"
    )


@handler("DeleteContext")
def delete_context(ctx: RequestContext, req: Request) -> Response:
    return entities.delete(ctx, CONTEXT, req["ContextName"].lower())


@handler("ListContexts")
def list_contexts(ctx: RequestContext, req: Request) -> Response:
    return entities.list_lineage_page(ctx, CONTEXT, req)
