"""Fresh OIDs that are unique across the whole seed.

Ten random digits collide by the birthday paradox once a few hundred thousand learners exist,
and a duplicate would fail the load on a primary key; the corpus OIDs are reserved up front so
that a generated row never takes the place of one the corpus documents point at.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from hoks_gateway.identifiers import make_oid


class OidRegistry:
    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._used = set(reserved)

    def new(self, node: int, rng: random.Random) -> str:
        while True:
            oid = make_oid(node, rng)
            if oid not in self._used:
                self._used.add(oid)
                return oid
