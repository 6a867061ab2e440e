"""Where each competence to acquire stands: planned, scheduled or completed.

The eHOKS views compute this in the browser (ehoks-ui `getTila`, `HankittavaKoulutuksenOsa`);
the same logic here lets the graph serve it. A part is completed only once every demonstration
of it began and ended at least 14 days ago: the cut-off leaves time for the assessment to be
recorded after the demonstration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hoks_gateway.dates import later
from hoks_gateway.hoks.document.model import (
    CommonUnitAreaToAcquire,
    HoksDocument,
    LocalUnitToAcquire,
    TuvaCoursePart,
    VocationalUnitToAcquire,
)

COMPLETION_CUTOFF_DAYS = 14

UnitToAcquire = VocationalUnitToAcquire | LocalUnitToAcquire | CommonUnitAreaToAcquire
PartToAcquire = UnitToAcquire | TuvaCoursePart


class PartStatus(StrEnum):
    PLANNED = "PLANNED"
    """Suunniteltu: no dates agreed yet."""
    SCHEDULED = "SCHEDULED"
    """Aikataulutettu: dates agreed, demonstrations not yet all past the cut-off."""
    COMPLETED = "COMPLETED"
    """Valmis: every demonstration is over (TUVA part: its last day has come)."""


@dataclass(frozen=True, slots=True)
class PartProgress:
    path: str
    """The part's place in the eHOKS document, e.g. hankittavat-yhteiset-tutkinnon-osat[0].osa-alueet[2]."""
    part: PartToAcquire
    status: PartStatus


@dataclass(frozen=True, slots=True)
class Milestone:
    """What a part's status depends on, whatever the day: the status is a function of today and
    this, so it can be kept with the plan when the plan is written."""

    planned: bool
    """No dates agreed: planned whatever the day."""
    completes_on: dt.date | None
    """The first day the part counts as completed; None: not until its dates change."""

    def status(self, today: dt.date) -> PartStatus:
        if self.planned:
            return PartStatus.PLANNED
        if self.completes_on is not None and today >= self.completes_on:
            return PartStatus.COMPLETED
        return PartStatus.SCHEDULED


def unit_milestone(demonstration_days: Iterable[tuple[dt.date, dt.date]], has_methods: bool) -> Milestone:
    """A tutkinnon osa or YTO osa-alue, from its demonstrations' (first, last) days and whether it
    has acquisition periods."""
    days = list(demonstration_days)
    if not days:
        return Milestone(planned=not has_methods, completes_on=None)
    # The UI compares midnight of each date with "now minus 14 days", so a date counts as past
    # the cut-off when it is on or before today - 14 days: every demonstration must have begun
    # and ended by then.
    last = max(max(first for first, _ in days), max(end for _, end in days))
    # Two weeks after 9999-12-17 there is no day left: such a part is never completed.
    return Milestone(planned=False, completes_on=later(last, days=COMPLETION_CUTOFF_DAYS))


def tuva_milestone(ends_on: dt.date) -> Milestone:
    """A TUVA course part is completed from its last day on; it always has dates, so never planned."""
    return Milestone(planned=False, completes_on=ends_on)


def part_milestone(part: PartToAcquire) -> Milestone:
    if isinstance(part, TuvaCoursePart):
        return tuva_milestone(part.ends_on)
    return unit_milestone(
        ((d.starts_on, d.ends_on) for d in part.demonstrations or ()), bool(part.acquisition_methods)
    )


def part_status(part: PartToAcquire, today: dt.date) -> PartStatus:
    return part_milestone(part).status(today)


def parts_to_acquire(document: HoksDocument) -> list[tuple[str, PartToAcquire]]:
    """Every competence to acquire with its path, in the order the eHOKS views list them.

    The order is HATO, HPTO, TUVA course parts, then each osa-alue of each HYTO: a common unit
    has no status of its own, its subject areas do.
    """
    found: list[tuple[str, PartToAcquire]] = []
    for index, vocational in enumerate(document.vocational_units or ()):
        found.append((f"hankittavat-ammat-tutkinnon-osat[{index}]", vocational))
    for index, local in enumerate(document.local_units or ()):
        found.append((f"hankittavat-paikalliset-tutkinnon-osat[{index}]", local))
    for index, course in enumerate(document.tuva_course_parts or ()):
        found.append((f"hankittavat-koulutuksen-osat[{index}]", course))
    for index, common in enumerate(document.common_units or ()):
        for area_index, area in enumerate(common.subject_areas):
            found.append((f"hankittavat-yhteiset-tutkinnon-osat[{index}].osa-alueet[{area_index}]", area))
    return found


def progress(document: HoksDocument, today: dt.date) -> list[PartProgress]:
    """Every competence to acquire with its status (parts_to_acquire's order)."""
    return [PartProgress(path, part, part_status(part, today)) for path, part in parts_to_acquire(document)]


@dataclass(frozen=True, slots=True)
class PlanProgress:
    """A plan's progress whatever the day: kept with the plan row when it is written, so that
    lists show progress without reading the plans themselves."""

    planned: int
    completes_on: tuple[dt.date | None, ...]
    """For every part not planned, the day it completes (None: not until its dates change)."""

    @classmethod
    def of(cls, milestones: Iterable[Milestone]) -> PlanProgress:
        found = list(milestones)
        return cls(
            planned=sum(m.planned for m in found),
            completes_on=tuple(m.completes_on for m in found if not m.planned),
        )

    @classmethod
    def of_document(cls, document: HoksDocument) -> PlanProgress:
        return cls.of(part_milestone(part) for _, part in parts_to_acquire(document))

    @classmethod
    def of_stored(cls, stored: Mapping[str, Any]) -> PlanProgress:
        """From a document as stored (eHOKS keys, ISO dates), without building the model: the
        write path, the seed and the migration that backfilled the column have it in this form."""
        return cls.of(_stored_milestones(stored))

    def counts(self, today: dt.date) -> tuple[int, int, int]:
        """(planned, scheduled, completed) on `today`."""
        completed = sum(1 for day in self.completes_on if day is not None and today >= day)
        return self.planned, len(self.completes_on) - completed, completed


def _stored_milestones(stored: Mapping[str, Any]) -> Iterator[Milestone]:
    """parts_to_acquire's parts, in its order, read from the stored form."""

    def unit(part: Mapping[str, Any]) -> Milestone:
        days = (
            (dt.date.fromisoformat(d["alku"]), dt.date.fromisoformat(d["loppu"]))
            for d in part.get("osaamisen-osoittaminen") or ()
        )
        return unit_milestone(days, bool(part.get("osaamisen-hankkimistavat")))

    for key in ("hankittavat-ammat-tutkinnon-osat", "hankittavat-paikalliset-tutkinnon-osat"):
        yield from (unit(part) for part in stored.get(key) or ())
    for course in stored.get("hankittavat-koulutuksen-osat") or ():
        yield tuva_milestone(dt.date.fromisoformat(course["loppu"]))
    for common in stored.get("hankittavat-yhteiset-tutkinnon-osat") or ():
        yield from (unit(area) for area in common["osa-alueet"])
