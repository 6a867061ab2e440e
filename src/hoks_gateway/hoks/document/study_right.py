"""What the rules need to know about the study right (opiskeluoikeus) a HOKS belongs to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

StudyRightKind = Literal["VOCATIONAL", "TUVA"]

# Koski tila codes under which work periods must lie inside the study right's dates. eHOKS
# skips that check for any other latest tila (eronnut, katsotaaneronneeksi, ...): a learner who
# has left may have periods recorded outside the dates.
STATUSES_WITH_DATE_CHECKS = frozenset({"lasna", "valmistunut", "valiaikaisestikeskeytynyt"})


@dataclass(frozen=True, slots=True)
class StudyRightFacts:
    """The gateway registry's facts about a study right, as context for validating its HOKS.

    `status` is the Koski tila code of the latest period (e.g. "lasna", "eronnut"); `ended_on` is
    the estimated end (arvioitu päättymispäivä), or the actual end once the study right has ended;
    None when unknown. `telma` marks a study right with a TELMA suoritus: it is outside the
    feedback target group, so its workplace periods need no osa-aikaisuustieto.
    `learner_tuva_oids` are the TUVA study rights the same learner holds in the registry, one of
    which a vocational plan's `tuva-opiskeluoikeus-oid` must name; None when not looked up (the
    rule is then skipped).
    """

    oid: str
    kind: StudyRightKind
    status: str
    started_on: dt.date
    ended_on: dt.date | None
    learner_oid: str
    telma: bool = False
    learner_tuva_oids: frozenset[str] | None = None

    @property
    def dates_bind_work_periods(self) -> bool:
        return self.status.lower() in STATUSES_WITH_DATE_CHECKS
