"""What the rules need to know about the study right (opiskeluoikeus) a HOKS belongs to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class StudyRightKind(StrEnum):
    """Opiskeluoikeuden tyyppi: one name per code of Koski's koodisto `opiskeluoikeudentyyppi`."""

    VOCATIONAL = "VOCATIONAL"
    TUVA = "TUVA"
    GENERAL_UPPER_SECONDARY = "GENERAL_UPPER_SECONDARY"
    LUVA = "LUVA"
    IB = "IB"
    DIA = "DIA"
    EB = "EB"
    MATRICULATION_EXAMINATION = "MATRICULATION_EXAMINATION"
    PRE_PRIMARY = "PRE_PRIMARY"
    BASIC_EDUCATION = "BASIC_EDUCATION"
    PREPARATORY_FOR_BASIC_EDUCATION = "PREPARATORY_FOR_BASIC_EDUCATION"
    ADDITIONAL_BASIC_EDUCATION = "ADDITIONAL_BASIC_EDUCATION"
    ADULT_BASIC_EDUCATION = "ADULT_BASIC_EDUCATION"
    ALAND_BASIC_EDUCATION = "ALAND_BASIC_EDUCATION"
    BASIC_EDUCATION_IN_THE_ARTS = "BASIC_EDUCATION_IN_THE_ARTS"
    EUROPEAN_SCHOOL_OF_HELSINKI = "EUROPEAN_SCHOOL_OF_HELSINKI"
    INTERNATIONAL_SCHOOL = "INTERNATIONAL_SCHOOL"
    LIBERAL_ADULT_EDUCATION = "LIBERAL_ADULT_EDUCATION"
    NON_REGULATED_EDUCATION = "NON_REGULATED_EDUCATION"
    HIGHER_EDUCATION = "HIGHER_EDUCATION"
    LANGUAGE_EXAMINATION = "LANGUAGE_EXAMINATION"


_K = StudyRightKind
KOSKI_TYPE: dict[StudyRightKind, tuple[str, str]] = {
    _K.VOCATIONAL: ("ammatillinenkoulutus", "Ammatillinen koulutus: vocational education and training."),
    _K.TUVA: (
        "tuva",
        "Tutkintokoulutukseen valmentava koulutus (TUVA): preparatory education for an upper "
        "secondary qualification.",
    ),
    _K.GENERAL_UPPER_SECONDARY: ("lukiokoulutus", "Lukiokoulutus: general upper secondary education."),
    _K.LUVA: (
        "luva",
        "Lukioon valmistava koulutus (LUVA): instruction preparing for general upper secondary education.",
    ),
    _K.IB: ("ibtutkinto", "IB-tutkinto: the International Baccalaureate diploma."),
    _K.DIA: ("diatutkinto", "DIA-tutkinto: the Deutsches Internationales Abitur."),
    _K.EB: ("ebtutkinto", "EB-tutkinto: the European Baccalaureate diploma."),
    _K.MATRICULATION_EXAMINATION: (
        "ylioppilastutkinto",
        "Ylioppilastutkinto: the matriculation examination.",
    ),
    _K.PRE_PRIMARY: ("esiopetus", "Esiopetus: pre-primary education."),
    _K.BASIC_EDUCATION: ("perusopetus", "Perusopetus: primary and lower secondary education."),
    _K.PREPARATORY_FOR_BASIC_EDUCATION: (
        "perusopetukseenvalmistavaopetus",
        "Perusopetukseen valmistava opetus: instruction preparing for basic education.",
    ),
    _K.ADDITIONAL_BASIC_EDUCATION: (
        "perusopetuksenlisaopetus",
        "Perusopetuksen lisäopetus: voluntary additional basic education.",
    ),
    _K.ADULT_BASIC_EDUCATION: ("aikuistenperusopetus", "Aikuisten perusopetus: basic education for adults."),
    _K.ALAND_BASIC_EDUCATION: (
        "ahvenanmaanperusopetus",
        "Ahvenanmaan perusopetus: basic education on Åland.",
    ),
    _K.BASIC_EDUCATION_IN_THE_ARTS: (
        "taiteenperusopetus",
        "Taiteen perusopetus: basic education in the arts.",
    ),
    _K.EUROPEAN_SCHOOL_OF_HELSINKI: (
        "europeanschoolofhelsinki",
        "European School of Helsinki: education at the European School of Helsinki.",
    ),
    _K.INTERNATIONAL_SCHOOL: (
        "internationalschool",
        "International school: education at an international school.",
    ),
    _K.LIBERAL_ADULT_EDUCATION: (
        "vapaansivistystyonkoulutus",
        "Vapaan sivistystyön koulutus: liberal adult education.",
    ),
    _K.NON_REGULATED_EDUCATION: (
        "muukuinsaanneltykoulutus",
        "Muu kuin säännelty koulutus (MUKS): education other than regulated education.",
    ),
    _K.HIGHER_EDUCATION: ("korkeakoulutus", "Korkeakoulutus: higher education."),
    _K.LANGUAGE_EXAMINATION: ("kielitutkinto", "Kielitutkinto: a language examination."),
}
"""Each kind's Koski code (koodiarvo) and description."""

HOKS_KINDS: frozenset[StudyRightKind] = frozenset({StudyRightKind.VOCATIONAL, StudyRightKind.TUVA})
"""The kinds a HOKS can be made for (docs/reference/ehoks-backend.md §1.5: ammatillinenkoulutus or
tuva); a plan for any other is refused with eHOKS's reason."""

# Koski tila codes under which work periods must lie inside the study right's dates. eHOKS
# skips that check for any other latest tila (eronnut, katsotaaneronneeksi, ...): a learner who
# has left may have periods recorded outside the dates.
STATUSES_WITH_DATE_CHECKS = frozenset({"lasna", "valmistunut", "valiaikaisestikeskeytynyt"})


@dataclass(frozen=True, slots=True)
class StudyRightFacts:
    """The gateway registry's facts about a study right, as context for validating its HOKS.

    `status` is the Koski tila code of the latest period (e.g. "lasna", "eronnut").
    `planned_end_on` is the estimated end (arvioitu päättymispäivä), the only end eHOKS holds
    work periods to, whether or not the study right has ended since; None when unknown. `telma`
    marks a study right with a TELMA suoritus (työhön ja itsenäiseen elämään valmentava
    koulutus): it is outside the feedback target group, so its workplace periods need no
    osa-aikaisuustieto. `learner_tuva_oids` are the TUVA study rights the same learner holds in
    the registry, one of which a vocational plan's `tuva-opiskeluoikeus-oid` must name; None when
    not looked up (the rule is then skipped).
    """

    oid: str
    kind: StudyRightKind
    status: str
    started_on: dt.date
    planned_end_on: dt.date | None
    learner_oid: str
    telma: bool = False
    learner_tuva_oids: frozenset[str] | None = None

    @property
    def dates_bind_work_periods(self) -> bool:
        return self.status.lower() in STATUSES_WITH_DATE_CHECKS
