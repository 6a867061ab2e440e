"""Learners and their study rights (opiskeluoikeudet) at one provider.

Statuses follow Koski's opiskeluoikeuden tila and agree with the dates: a study right whose
planned end has passed has mostly graduated, a recent one is mostly present (lasna), and only
finished ones have an end date. A learner occasionally has two study rights at the same provider:
a TUVA year or an interrupted start before the one they study on now.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import NamedTuple

from hoks_gateway.seed import names
from hoks_gateway.seed.catalogue import (
    TELMA_QUALIFICATION,
    TUVA_QUALIFICATION,
    TUVA_STARTED,
    Qualification,
    qualification,
)
from hoks_gateway.seed.oids import OidRegistry
from hoks_gateway.seed.organisations import Provider
from hoks_gateway.seed.timeline import AS_OF, HOKS_ERA, day_between, days, office_time, start_date
from hoks_gateway.seed.weighted import Weighted


class LearnerRow(NamedTuple):
    oid: str
    first_names: str
    calling_name: str | None
    surname: str
    created_at: dt.datetime
    updated_at: dt.datetime


class StudyRightRow(NamedTuple):
    oid: str
    learner_oid: str
    oppilaitos_oid: str
    koulutustoimija_oid: str
    kind: str
    status: str
    started_on: dt.date
    ended_on: dt.date | None
    planned_end_on: dt.date | None
    telma: bool
    qualification_code: str | None
    qualification_name_fi: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A study right with what a HOKS for it needs to know."""

    study_right: StudyRightRow
    person: names.Person
    qualification: Qualification | None  # None for TUVA

    @property
    def can_have_plan(self) -> bool:
        sr = self.study_right
        still_open = sr.ended_on or AS_OF
        return still_open >= HOKS_ERA + days(14) and sr.started_on <= AS_OF - days(7)


@dataclass(slots=True)
class Population:
    learners: list[LearnerRow] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)

    @property
    def study_rights(self) -> list[StudyRightRow]:
        return [e.study_right for e in self.enrolments]


_FINISHED = Weighted([("valmistunut", 72), ("eronnut", 14), ("katsotaaneronneeksi", 4), ("lasna", 10)])
_ONGOING = Weighted(
    [
        ("lasna", 88),
        ("valiaikaisestikeskeytynyt", 5),
        ("loma", 2),
        ("eronnut", 4),
        ("katsotaaneronneeksi", 1),
    ]
)
_ENDED = frozenset({"valmistunut", "eronnut", "katsotaaneronneeksi"})
TELMA_SHARE = 0.02


def populate(
    provider: Provider, study_rights: int, plans: int, rng: random.Random, oids: OidRegistry
) -> Population:
    """At least `study_rights` study rights, of which at least `plans` can carry a HOKS."""
    population = Population()
    eligible = 0
    while len(population.enrolments) < study_rights or eligible < plans:
        learner_oid = oids.new(24, rng)
        person = names.person(rng)
        enrolments = _career(provider, learner_oid, person, rng, oids)
        population.enrolments.extend(enrolments)
        eligible += sum(1 for e in enrolments if e.can_have_plan)
        first, last = enrolments[0].study_right, enrolments[-1].study_right
        population.learners.append(
            LearnerRow(
                learner_oid,
                person.first_names,
                person.calling_name,
                person.surname,
                first.created_at,
                max(first.updated_at, last.updated_at),
            )
        )
    return population


def _career(
    provider: Provider, learner_oid: str, person: names.Person, rng: random.Random, oids: OidRegistry
) -> list[Enrolment]:
    start = start_date(rng)
    tuva = start >= TUVA_STARTED and rng.random() < 0.08
    if rng.random() < 0.12:
        # An earlier study right that ended (a TUVA year or an interrupted start) and the one
        # the learner studies on now, begun a few weeks or months later.
        earlier = _enrolment(provider, learner_oid, person, start, tuva, rng, oids, must_end=True)
        ended = earlier.study_right.ended_on
        if ended is not None and ended + days(150) < AS_OF:
            later_start = ended + days(rng.randint(14, 120))
            later = _enrolment(provider, learner_oid, person, later_start, False, rng, oids, must_end=False)
            return [earlier, later]
        return [earlier]
    return [_enrolment(provider, learner_oid, person, start, tuva, rng, oids, must_end=False)]


def _enrolment(
    provider: Provider,
    learner_oid: str,
    person: names.Person,
    start: dt.date,
    tuva: bool,
    rng: random.Random,
    oids: OidRegistry,
    *,
    must_end: bool,
) -> Enrolment:
    q = None if tuva else qualification(rng)
    if q is None:
        planned_end = start + days(rng.randint(280, 330))
    elif q.level == "perustutkinto":
        planned_end = start + days(rng.randint(900, 1280))
    else:
        planned_end = start + days(rng.randint(365, 640))

    last_possible = AS_OF - days(1)
    if must_end:
        status = "valmistunut" if tuva and rng.random() < 0.6 else "eronnut"
    else:
        status = (_FINISHED if planned_end < AS_OF else _ONGOING).pick(rng)
    ended: dt.date | None = None
    if status == "valmistunut":
        ended = min(max(planned_end + days(rng.randint(-90, 60)), start + days(60)), last_possible)
    elif status in _ENDED:
        ended = day_between(rng, start + days(14), min(planned_end, last_possible))
    if ended is not None and not start < ended <= last_possible:
        # Too recent to have ended: the learner is still there.
        status, ended = "lasna", None

    # Koski knows of a study right a little before it starts.
    created = office_time(rng, start - days(rng.randint(0, 21)))
    oid = oids.new(15, rng)
    oppilaitos = provider.oppilaitokset.pick(rng)
    # A small share of vocational study rights are TELMA (työhön ja itsenäiseen elämään
    # valmentava koulutus), a suoritus of its own. Drawn from a stream of its own, so that every
    # other generated value stayed as it was when TELMA was added.
    telma = q is not None and random.Random(f"telma:{oid}").random() < TELMA_SHARE
    if telma:
        q = TELMA_QUALIFICATION
    code, name = TUVA_QUALIFICATION if q is None else (q.code, q.name_fi)
    row = StudyRightRow(
        oid,
        learner_oid,
        oppilaitos,
        provider.oid,
        "TUVA" if q is None else "VOCATIONAL",
        status,
        start,
        ended,
        planned_end,
        telma,
        code,
        name,
        created,
        created if ended is None else max(created, office_time(rng, ended)),
    )
    return Enrolment(row, person, q)
