"""Actions: CreateAction, DescribeAction, ListActions, UpdateAction, DeleteAction.

Actions are named like contexts (unique case-insensitively, lowercased in the ARN, D17) but the
model's name pattern allows no underscore. DescribeAction accepts the name or an ARN; an ARN of
another kind names no action (D20).
"""

from __future__ import annotations

from stemma.context import RequestContext
from stemma.service import entities
from stemma.service.dispatch import Request, Response, handler
from stemma.store.contract import Entity

ACTION = entities.Family("action", "Action", entities.account_limit("actions", "Actions"))


@handler("CreateAction")
def create_action(ctx: RequestContext, req: Request) -> Response:
    name = req["ActionName"]
    entity = entities.lineage_entity(ctx, ACTION, name.lower(), name, req)
    entity.body["Source"] = req["Source"]
    for member in ("Description", "Status", "MetadataProperties"):
        if member in req:
            entity.body[member] = req[member]
    entities.create(ctx, ACTION, entity, req, f"Action with name ({name}) already exists.")
    return {"ActionArn": entities.arn(ctx, ACTION, entity.id)}


@handler("DescribeAction")
def describe_action(ctx: RequestContext, req: Request) -> Response:
    entity = entities.get(ctx, ACTION, entities.id_from_name_or_arn(ctx, ACTION, req["ActionName"]))
    return entities.describe(ctx, ACTION, entity)


@handler("UpdateAction")
def update_action(ctx: RequestContext, req: Request) -> Response:
    def apply(entity: Entity) -> None:
        for member in ("Description", "Status"):
            if member in req:
                entity.body[member] = req[member]

    entity_id = req["ActionName"].lower()
    return entities.update_lineage_entity(
        ctx, ACTION, entity_id, req, apply, "LineageEntityParameters"
    )


@handler("DeleteAction")
def delete_action(ctx: RequestContext, req: Request) -> Response:
    return entities.delete(ctx, ACTION, req["ActionName"].lower())


@handler("ListActions")
def list_actions(ctx: RequestContext, req: Request) -> Response:
    return entities.list_lineage_page(ctx, ACTION, req)
