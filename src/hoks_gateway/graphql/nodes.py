"""`node(id)`: any object by its global id (graphql/relay.py), within the caller's scope."""

from __future__ import annotations

import strawberry

from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.relay import Node
from hoks_gateway.hoks.ids import hoks_id
from hoks_gateway.hoks.types import load_hoks
from hoks_gateway.identifiers import LEARNER_OID, ORGANISATION_OID, STUDY_RIGHT_OID
from hoks_gateway.learners.types import load_learner, load_study_right
from hoks_gateway.organisations.types import load_organisation


async def node(info: Info, id: strawberry.ID) -> Node | None:
    value = str(id)
    found: Node | None = None
    if hoks_id(value) is not None:
        found = await load_hoks(info, value)
    elif LEARNER_OID.match(value):
        found = await load_learner(info, value)
    elif STUDY_RIGHT_OID.match(value):
        found = await load_study_right(info, value)
    elif ORGANISATION_OID.match(value):
        found = await load_organisation(info, value)
    return found
