"""Where each competence to acquire stands: planned, scheduled or completed.

The eHOKS views compute this in the browser (ehoks-ui `getTila`, `HankittavaKoulutuksenOsa`);
the same logic here lets the graph serve it. A part is completed only once every demonstration
of it began and ended at least 14 days ago: the cut-off leaves time for the assessment to be
recorded after the demonstration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from hoks_gateway.hoks.document.model import (
    AcquisitionMethod,
    CommonUnitAreaToAcquire,
    Demonstration,
    HoksDocument,
    LocalUnitToAcquire,
    TuvaCoursePart,
    VocationalUnitToAcquire,
)

COMPLETION_CUTOFF = dt.timedelta(days=14)

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


def unit_status(
    demonstrations: Iterable[Demonstration], methods: Iterable[AcquisitionMethod], today: dt.date
) -> PartStatus:
    """The status of a tutkinnon osa or YTO osa-alue from its demonstrations and acquisition periods."""
    demos = list(demonstrations)
    if not demos and not any(True for _ in methods):
        return PartStatus.PLANNED
    if not demos:
        return PartStatus.SCHEDULED
    # The UI compares midnight of each date with "now minus 14 days", so a date counts as past
    # the cut-off when it is on or before today - 14 days.
    cutoff = today - COMPLETION_CUTOFF
    earliest_start = min(d.starts_on for d in demos)
    latest_end = max(d.ends_on for d in demos)
    if earliest_start <= cutoff and latest_end <= cutoff:
        return PartStatus.COMPLETED
    return PartStatus.SCHEDULED


def tuva_part_status(part: TuvaCoursePart, today: dt.date) -> PartStatus:
    """A TUVA course part is completed from its last day on; it always has dates, so never planned."""
    return PartStatus.COMPLETED if today >= part.ends_on else PartStatus.SCHEDULED


def part_status(part: PartToAcquire, today: dt.date) -> PartStatus:
    if isinstance(part, TuvaCoursePart):
        return tuva_part_status(part, today)
    return unit_status(part.demonstrations or (), part.acquisition_methods or (), today)


def progress(document: HoksDocument, today: dt.date) -> list[PartProgress]:
    """Every competence to acquire with its status, in the order the eHOKS views list them.

    The order is HATO, HPTO, TUVA course parts, then each osa-alue of each HYTO: a common unit
    has no status of its own, its subject areas do.
    """
    found: list[PartProgress] = []

    def add(path: str, part: PartToAcquire) -> None:
        found.append(PartProgress(path, part, part_status(part, today)))

    for index, vocational in enumerate(document.vocational_units or ()):
        add(f"hankittavat-ammat-tutkinnon-osat[{index}]", vocational)
    for index, local in enumerate(document.local_units or ()):
        add(f"hankittavat-paikalliset-tutkinnon-osat[{index}]", local)
    for index, course in enumerate(document.tuva_course_parts or ()):
        add(f"hankittavat-koulutuksen-osat[{index}]", course)
    for index, common in enumerate(document.common_units or ()):
        for area_index, area in enumerate(common.subject_areas):
            add(f"hankittavat-yhteiset-tutkinnon-osat[{index}].osa-alueet[{area_index}]", area)
    return found
