"""`node(id)`: any object by its global id (graphql/relay.py), within the caller's scope.

Analysts get pseudonyms as the ids of learners, study rights and plans, and name them by those
only: the loaders below read the identifier back (authz/scope.py), and a real OID or HOKS id
finds nothing for them, as an unknown one.
"""

from __future__ import annotations

import strawberry

from hoks_gateway.authz.pseudonyms import Identifier, kind_of
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.relay import Node
from hoks_gateway.hoks.ids import hoks_id
from hoks_gateway.hoks.types import load_hoks
from hoks_gateway.identifiers import LEARNER_OID, ORGANISATION_OID, STUDY_RIGHT_OID
from hoks_gateway.learners.types import load_learner, load_study_right
from hoks_gateway.organisations.types import load_organisation


async def node(info: Info, id: strawberry.ID) -> Node | None:
    value = str(id)
    pseudonym = kind_of(value)
    found: Node | None = None
    if hoks_id(value) is not None or pseudonym is Identifier.HOKS:
        found = await load_hoks(info, value)
    elif LEARNER_OID.match(value) or pseudonym is Identifier.LEARNER:
        found = await load_learner(info, value)
    elif STUDY_RIGHT_OID.match(value) or pseudonym is Identifier.STUDY_RIGHT:
        found = await load_study_right(info, value)
    elif ORGANISATION_OID.match(value):
        found = await load_organisation(info, value)
    return found
