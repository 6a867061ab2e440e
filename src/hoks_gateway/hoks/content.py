"""The plan's content in the graph: the document's fields on `Hoks`, and the eHOKS export.

The document is read once per plan per request (one loader batch, parsed on the trusted path);
every part below it resolves from that model with no further SQL.
"""

from __future__ import annotations

from typing import Any

import strawberry
from pydantic import BaseModel
from strawberry.types.field import StrawberryField

from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.authz.scope import Scope
from hoks_gateway.graphql.context import Context
from hoks_gateway.graphql.edges import Loaded, edge
from hoks_gateway.hoks import graphql_parts
from hoks_gateway.hoks.document import HoksDocument, to_ehoks_get
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.organisations.types import organisation_edge


def _personal_data_hidden(info: strawberry.Info) -> bool:
    hidden: bool = info.context.authz.pseudonymised
    return hidden


PARTS = graphql_parts.build(
    _personal_data_hidden,
    lambda info: info.context.today,
    organisation_edge,
)

# Document fields that Hoks already serves from its own columns or edges.
_SERVED_ELSEWHERE = frozenset(
    {
        "id",
        "eid",
        "learner_oid",
        "study_right_oid",
        "first_approved_on",
        "approved_at",
        "deleted_at",
        "manual_entry",
    }
)
# A document field whose name would collide with a column's meaning gets a clearer one.
_RENAMED = {"updated_at": "source_updated_at", "version": "source_version"}


def _content_field(name: str) -> StrawberryField:
    info = HoksDocument.model_fields[name]
    graphql, _ = PARTS.graphql_type(info.annotation, for_input=False)
    is_list = getattr(graphql, "__origin__", None) is list
    personal = name in graphql_parts.PERSONAL[HoksDocument]

    def value(document: HoksDocument | None, context: Context) -> Any:
        found = (
            None
            if document is None or (personal and context.authz.pseudonymised)
            else getattr(document, name)
        )
        return (found or []) if is_list else found

    description = info.description or name
    # The Hoks decides which document: the current one, or a revision's when read `asOf`.
    return edge(
        Loaded(
            lambda context: context.loaders.hoks_document,
            lambda plan: plan.document_key,
            lambda _, document, context: value(document, context),
        ),
        returns=graphql if is_list else graphql | None,
        description=f"{description} Personal data." if personal else description,
    )


def add_content_fields(cls: type) -> type:
    """Class decorator (applied before @strawberry.type): one field per document field."""
    for name in HoksDocument.model_fields:
        if name not in _SERVED_ELSEWHERE:
            setattr(cls, _RENAMED.get(name, name), _content_field(name))
    return cls


def _without_personal_data(model: BaseModel) -> BaseModel:
    personal = graphql_parts.PERSONAL.get(type(model), frozenset())
    updates: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in personal and value is not None:
            updates[name] = None
        elif isinstance(value, BaseModel):
            updates[name] = _without_personal_data(value)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            updates[name] = [_without_personal_data(item) for item in value]
    return model.model_copy(update=updates)


def ehoks_export(record: HoksRecord, document: HoksDocument, scope: Scope) -> dict[str, Any]:
    """The plan as eHOKS's GET returns it (id, eid, manuaalisyotto, module-ids and every list,
    empty ones as `[]`: docs/reference/ehoks-backend.md §1.8), as far as the caller may see it
    (`document` is already the caller's view: hoks/analyst_view.py)."""
    if scope.pseudonymised:
        document = _without_personal_data(document)  # type: ignore[assignment]
    plan_id: int | str = scope.shown(Identifier.HOKS, str(record.id)) if scope.pseudonymised else record.id
    server_filled = {
        "id": plan_id,
        "eid": scope.shown(Identifier.EID, str(record.eid)),
        "manuaalisyotto": record.source == "MANUAL",
    }
    return server_filled | to_ehoks_get(document)
