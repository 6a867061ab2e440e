"""Organisations kept in the process for a while (HOKS_ORGANISATION_CACHE_S).

Organisation data is public and changes a few times a year (docs/performance.md,
"Organisations"), yet nearly every view names one: a plan's school, a study right's oppilaitos,
an organisation page. Asking PostgreSQL each time cost a statement on every request. Here an
organisation read is kept, found or not, for `max_age_s` seconds; a changed or new organisation
shows once its entry has aged out. Each worker keeps its own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from hoks_gateway.db.reads import Reads
from hoks_gateway.organisations import repository
from hoks_gateway.organisations.repository import OrganisationRecord

_UNKNOWN = object()

MAX_ENTRIES = 100_000
"""More than every organisation of the OPH tree: a bound against OIDs made up by callers."""


class OrganisationCache:
    def __init__(self, max_age_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._kept: dict[str, tuple[float, OrganisationRecord | None]] = {}
        self._watched_until = math.inf

    def now(self) -> float:
        """The instant entries age against."""
        return self._clock()

    def peek(self, oid: str, unknown: Any) -> OrganisationRecord | Any | None:
        """The organisation (None: there is none) while its entry is fresh, else `unknown`."""
        entry = self._kept.get(oid)
        if entry is None or entry[0] <= self._clock():
            return unknown
        if entry[0] < self._watched_until:
            self._watched_until = entry[0]
        return entry[1]

    def watch(self) -> None:
        """Start noting when the entries peeked from now on age out (`watched_until`). What uses
        them synchronously, with no await in between, can then be kept no longer than they are
        (graphql/compiled/shared.py)."""
        self._watched_until = math.inf

    @property
    def watched_until(self) -> float:
        """When the first entry peeked since `watch()` ages out (infinity: none was)."""
        return self._watched_until

    async def by_oid(self, reads: Reads, oids: Sequence[str]) -> dict[str, OrganisationRecord]:
        """As repository.by_oid, asking the database only for the OIDs not kept."""
        found: dict[str, OrganisationRecord] = {}
        missing: list[str] = []
        for oid in oids:
            kept = self.peek(oid, _UNKNOWN)
            if kept is _UNKNOWN:
                missing.append(oid)
            elif isinstance(kept, OrganisationRecord):
                found[oid] = kept
        if missing:
            read = await repository.by_oid(reads, missing)
            self._keep(missing, read)
            found.update(read)
        return found

    def _keep(self, oids: Sequence[str], read: dict[str, OrganisationRecord]) -> None:
        if self.max_age_s <= 0:
            return
        if len(self._kept) + len(oids) > MAX_ENTRIES:
            self._kept.clear()
        until = self._clock() + self.max_age_s
        for oid in oids:
            self._kept[oid] = (until, read.get(oid))
