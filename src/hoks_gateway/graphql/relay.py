"""The Relay Node interface: objects that `node(id)` can fetch again by their id.

The ids are the register's own, which are already global: OIDs name their kind in the node arc
(24 learner, 15 study right, 10 organisation) and a HOKS id is a number. So `Hoks.id` stays the
HOKS id of the contract and clients need no second, encoded id. Analysts get pseudonyms instead
(authz/pseudonyms.py), which name their kind in their prefix.
"""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object that `node(id)` fetches by its global id.")
class Node:
    @strawberry.field(
        description="Global id: the OID of a learner, study right or organisation, or the HOKS id "
        "(for analysts a learner's, study right's or plan's id is its pseudonym)."
    )
    def id(self) -> strawberry.ID:
        raise NotImplementedError
