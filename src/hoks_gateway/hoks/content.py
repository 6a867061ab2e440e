"""The plan's content in the graph: the document's fields on `Hoks`, and the eHOKS export.

The document is read once per plan per request (one loader batch, parsed on the trusted path);
every part below it resolves from that model with no further SQL. The loader gives each caller
their view of it (analysts: hoks/analyst_view.py), so nothing here decides who sees what.
"""

from __future__ import annotations

from typing import Any

from strawberry.types.field import StrawberryField

from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.authz.scope import Scope
from hoks_gateway.graphql.edges import Loaded, edge
from hoks_gateway.hoks import graphql_parts
from hoks_gateway.hoks.analyst_view import withhold
from hoks_gateway.hoks.document import HoksDocument, to_ehoks_get
from hoks_gateway.hoks.repository import HoksRecord
from hoks_gateway.organisations.types import organisation_edge

PARTS = graphql_parts.build(lambda info: info.context.today, organisation_edge)

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

    def value(document: HoksDocument | None) -> Any:
        found = None if document is None else getattr(document, name)
        return (found or []) if is_list else found

    # The Hoks decides which document: the current one, or a revision's when read `asOf`.
    return edge(
        Loaded(
            lambda context: context.loaders.hoks_document,
            lambda plan: plan.document_key,
            lambda _, document, context: value(document),
            # The document at a revision is every caller's but an analyst's (hoks/analyst_view.py),
            # and nothing below a part reads the caller: only the day (statuses) and kept
            # organisations. By eid, as the parsed documents are kept (hoks/repository.py).
            shared=lambda plan, context: None if context.authz.pseudonymised else plan.shared_key,
        ),
        returns=graphql if is_list else graphql | None,
        description=graphql_parts.described(HoksDocument, name),
    )


def add_content_fields(cls: type) -> type:
    """Class decorator (applied before @strawberry.type): one field per document field."""
    for name in HoksDocument.model_fields:
        if name not in _SERVED_ELSEWHERE:
            setattr(cls, _RENAMED.get(name, name), _content_field(name))
    return cls


def ehoks_export(record: HoksRecord, document: HoksDocument, scope: Scope) -> dict[str, Any]:
    """The plan as eHOKS's GET returns it (id, eid, manuaalisyotto, module-ids and every list,
    empty ones as `[]`: docs/reference/ehoks-backend.md §1.8), as far as the caller may see it:
    `document` is the caller's view already, and for analysts every field they may not see is
    null, whether or not the plan fills it."""
    plan_id: int | str = scope.shown(Identifier.HOKS, str(record.id)) if scope.pseudonymised else record.id
    server_filled = {
        "id": plan_id,
        "eid": scope.shown(Identifier.EID, str(record.eid)),
        "manuaalisyotto": record.source == "MANUAL",
    }
    exported = to_ehoks_get(document)
    if scope.pseudonymised:
        withhold(exported)
    return server_filled | exported
