"""HOKS documents in the eHOKS transfer format (kebab-case keys), shaped like the real examples in
tests/fixtures/ehoks/valid/.

Each document passes the eHOKS rules a service transfer must pass
(docs/reference/ehoks-backend.md §1.5): every work period lies inside its study right (on or after
the start, by the planned end, and by the actual end for finished ones), ends after it starts, has
a yksiloiva-tunniste, a part-time figure and a valid y-tunnus; an oppisopimus names its basis;
TUVA plans hold only TUVA course parts.

Most plans are about the size of anonymised-example-1.json; one in ten is large like
hoksit.json, and a few are short, like the single-unit examples.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from hoks_gateway.identifiers import make_y_tunnus
from hoks_gateway.seed import names
from hoks_gateway.seed.catalogue import (
    FIELDS,
    LOCAL_PARTS,
    SUPPORTING_STUDIES,
    TUVA_COURSE_PARTS,
    YTO_AREAS,
    YTO_REFORM,
    YTO_UNITS,
    YTO_UNITS_BEFORE_REFORM,
    Qualification,
)
from hoks_gateway.seed.places import REGIONS
from hoks_gateway.seed.population import Enrolment
from hoks_gateway.seed.timeline import AS_OF, HOKS_ERA, day_between, days, office_time
from hoks_gateway.seed.weighted import Weighted

Json = dict[str, Any]
Profile = Literal["short", "regular", "large"]

_PROFILES: Weighted[Profile] = Weighted([("short", 6), ("regular", 84), ("large", 10)])
# How many ways of acquiring competence (osaamisen hankkimistavat) a vocational unit gets.
_METHODS_PER_UNIT: dict[Profile, Weighted[int]] = {
    "short": Weighted([(0, 10), (1, 50), (2, 30), (3, 10)]),
    "regular": Weighted([(0, 25), (1, 40), (2, 25), (3, 10)]),
    "large": Weighted([(0, 5), (1, 25), (2, 40), (3, 30)]),
}
_METHOD_KINDS_BASIC = Weighted(
    [("oppilaitosmuotoinenkoulutus", 45), ("koulutussopimus", 40), ("oppisopimus", 8), ("muu", 7)]
)
_METHOD_KINDS_FURTHER = Weighted(
    [("oppilaitosmuotoinenkoulutus", 45), ("koulutussopimus", 40), ("oppisopimus", 30), ("muu", 7)]
)
# Learning support (oppimisen tuki) entered the format for plans from August 2026.
LEARNING_SUPPORT_FROM = dt.date(2026, 8, 1)
_TOWNS = tuple(m for r in REGIONS for m in r.municipalities)


@dataclass(frozen=True, slots=True)
class Plan:
    document: Json
    first_approved_on: dt.date
    approved_at: dt.datetime
    reported_updated_at: dt.datetime


def stamp(moment: dt.datetime) -> str:
    """eHOKS's instant format: 2018-10-27T21:00:00.000Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def build_plan(enrolment: Enrolment, rng: random.Random) -> Plan:
    return _Builder(enrolment, rng).build()


class _Periods:
    """Hands out consecutive periods inside [first, last], with short breaks between them."""

    def __init__(self, rng: random.Random, first: dt.date, last: dt.date) -> None:
        self._rng = rng
        self._cursor = first + days(rng.randint(0, 14))
        self._last = last

    def take(self, min_days: int, max_days: int) -> tuple[dt.date, dt.date] | None:
        start = self._cursor
        if start > self._last:
            return None
        end = min(start + days(self._rng.randint(min_days, max_days)), self._last)
        self._cursor = end + days(self._rng.randint(1, 21))
        return start, end


class _Builder:
    def __init__(self, enrolment: Enrolment, rng: random.Random) -> None:
        self.rng = rng
        self.sr = enrolment.study_right
        self.person = enrolment.person
        self.q = enrolment.qualification
        planned_end = self.sr.planned_end_on or AS_OF
        self.first = self.sr.started_on
        self.last = min(planned_end, self.sr.ended_on or planned_end)
        # A plan is agreed within weeks of starting, but not before the reform made it a thing.
        approved = self.first + days(rng.randint(5, 45))
        if approved < HOKS_ERA:
            approved = HOKS_ERA + days(rng.randint(7, 75))
        self.approved_on = min(approved, self.sr.ended_on or AS_OF, AS_OF - days(1))
        self.oppilaitos = self.sr.oppilaitos_oid
        self.provider = self.sr.koulutustoimija_oid
        # Some source systems name the koulutuksen järjestäjä on every part, others never do.
        self.parts_name_provider = rng.random() < 0.5
        self.field = FIELDS[self.q.field] if self.q else None

    def build(self) -> Plan:
        rng = self.rng
        approved_at = office_time(rng, self.approved_on)
        if rng.random() < 0.25:
            # Revised and approved again later in the studies.
            again = min(
                self.approved_on + days(rng.randint(30, 400)), self.sr.ended_on or AS_OF, AS_OF - days(1)
            )
            approved_at = max(approved_at, office_time(rng, again))
        updated_at = min(
            approved_at + dt.timedelta(minutes=rng.randint(0, 20 * 24 * 60)),
            dt.datetime.combine(AS_OF - days(1), dt.time(15), tzinfo=dt.UTC),
        )
        updated_at = max(updated_at, approved_at)
        doc: Json = {
            "opiskeluoikeus-oid": self.sr.oid,
            "oppija-oid": self.sr.learner_oid,
            "ensikertainen-hyvaksyminen": self.approved_on.isoformat(),
        }
        if rng.random() < 0.85:
            doc["sahkoposti"] = names.email(self.person.calling_name, self.person.surname)
        if rng.random() < 0.5:
            doc["puhelinnumero"] = names.phone(rng)
        doc["hyvaksytty"] = stamp(approved_at)
        doc["paivitetty"] = stamp(updated_at)
        if rng.random() < 0.3:
            doc["versio"] = rng.randint(0, 3)
        if self.sr.status == "valmistunut" and self.sr.ended_on and self.sr.ended_on > HOKS_ERA:
            doc["osaamisen-saavuttamisen-pvm"] = self.sr.ended_on.isoformat()
        doc["urasuunnitelma-koodi-uri"] = (
            "urasuunnitelma_0001" if rng.random() < 0.7 else "urasuunnitelma_0002"
        )
        doc["urasuunnitelma-koodi-versio"] = 1
        doc["osaamisen-hankkimisen-tarve"] = rng.random() < 0.97
        if self.q is None:
            doc.update(self._tuva_parts())
        else:
            doc.update(self._vocational_parts(self.q))
        if updated_at.date() >= LEARNING_SUPPORT_FROM and rng.random() < 0.3:
            doc["oppimisen-tuki"] = self._learning_support()
        return Plan(doc, self.approved_on, approved_at, updated_at)

    # -- parts ---------------------------------------------------------------------------------

    def _tuva_parts(self) -> Json:
        rng = self.rng
        periods = _Periods(rng, self.first, self.last)
        parts = []
        for code in sorted(rng.sample(TUVA_COURSE_PARTS, rng.randint(2, 5))):
            period = periods.take(20, 120) or (self.first, self.last)
            parts.append(
                {
                    "koulutuksen-osa-koodi-uri": code,
                    "koulutuksen-osa-koodi-versio": 1,
                    "alku": period[0].isoformat(),
                    "loppu": period[1].isoformat(),
                    "laajuus": rng.choice((2, 3, 4, 5, 6, 8, 10)),
                }
            )
        return {
            "hankittavat-koulutuksen-osat": parts,
            **{key: [] for key in _VOCATIONAL_ARRAYS},
            "opiskeluvalmiuksia-tukevat-opinnot": [],
        }

    def _vocational_parts(self, q: Qualification) -> Json:
        rng = self.rng
        profile = _PROFILES.pick(rng)
        basic = q.level == "perustutkinto"
        if profile == "short":
            count = rng.randint(1, 2)
        elif profile == "large":
            count = rng.randint(8, 12) if basic else rng.randint(5, 7)
        else:
            count = rng.randint(5, 9) if basic else rng.randint(2, 5)
        units = rng.sample(q.parts, min(count, len(q.parts)))
        recognised = [u for u in q.parts if u not in units]
        periods = _Periods(rng, self.first, self.last)
        vocational = [self._vocational_unit(unit, periods, profile) for unit in units]

        previously: list[Json] = []
        if recognised and (profile == "large" or rng.random() < 0.15):
            for unit in rng.sample(recognised, min(len(recognised), 3 if profile == "large" else 1)):
                previously.append(self._recognised_unit(unit))

        common: list[Json] = []
        previously_common: list[Json] = []
        if basic and profile != "short":
            common, previously_common = self._common_units(profile)

        local: list[Json] = []
        if profile == "large" or rng.random() < 0.3:
            for name in rng.sample(LOCAL_PARTS, rng.randint(1, 3) if profile == "large" else 1):
                local.append(self._local_unit(name))

        supporting: list[Json] = []
        if (profile == "large" and rng.random() < 0.5) or rng.random() < 0.03:
            supporting = self._supporting_studies()

        return {
            "aiemmin-hankitut-ammat-tutkinnon-osat": previously,
            "aiemmin-hankitut-paikalliset-tutkinnon-osat": [],
            "aiemmin-hankitut-yhteiset-tutkinnon-osat": previously_common,
            "hankittavat-ammat-tutkinnon-osat": vocational,
            "hankittavat-paikalliset-tutkinnon-osat": local,
            "hankittavat-yhteiset-tutkinnon-osat": common,
            "opiskeluvalmiuksia-tukevat-opinnot": supporting,
            "hankittavat-koulutuksen-osat": [],
        }

    def _vocational_unit(self, unit: str, periods: _Periods, profile: Profile) -> Json:
        rng = self.rng
        methods = []
        for _ in range(_METHODS_PER_UNIT[profile].pick(rng)):
            method = self._method(periods)
            if method is None:
                break
            methods.append(method)
        part: Json = {"tutkinnon-osa-koodi-uri": unit, "tutkinnon-osa-koodi-versio": self._unit_version()}
        if self.parts_name_provider:
            part["koulutuksen-jarjestaja-oid"] = self.provider
        part["olennainen-seikka"] = rng.random() < 0.05
        part["opetus-ja-ohjaus-maara"] = rng.choice((0, 60, 120, 180, 240, 300, 360, 420, 480))
        workplace = [m for m in methods if "tyopaikalla-jarjestettava-koulutus" in m]
        demonstrations = []
        if workplace and rng.random() < 0.6:
            demonstrations.append(self._demonstration(workplace[-1]))
        part["osaamisen-osoittaminen"] = demonstrations
        part["osaamisen-hankkimistavat"] = methods
        return part

    def _unit_version(self) -> int:
        return 1 if self.first < YTO_REFORM else 2

    def _method(self, periods: _Periods) -> Json | None:
        """One osaamisen hankkimistapa: at school, at a workplace, or elsewhere."""
        rng = self.rng
        # Adults studying for further qualifications are far more often apprentices.
        basic = self.q is not None and self.q.level == "perustutkinto"
        kind = (_METHOD_KINDS_BASIC if basic else _METHOD_KINDS_FURTHER).pick(rng)
        at_work = kind in ("koulutussopimus", "oppisopimus")
        period = periods.take(28, 112) if at_work else periods.take(21, 84)
        if period is None:
            return None
        start, end = period
        method: Json = {"keskeytymisajanjaksot": []}
        if at_work:
            method["tyopaikalla-jarjestettava-koulutus"] = self._workplace()
            if (end - start).days > 40 and rng.random() < 0.05:
                pause = start + days(rng.randint(10, (end - start).days - 20))
                method["keskeytymisajanjaksot"] = [
                    {"alku": pause.isoformat(), "loppu": (pause + days(rng.randint(3, 14))).isoformat()}
                ]
        method["osaamisen-hankkimistapa-koodi-uri"] = f"osaamisenhankkimistapa_{kind}"
        # A TELMA learner's work periods need no osa-aikaisuustieto (the study right is outside
        # the feedback target group); about half of their providers leave it out.
        if at_work and not (self.sr.telma and rng.random() < 0.5):
            method["osa-aikaisuustieto"] = rng.choice((100, 100, 100, 100, 100, 80, 60, 50))
        method["osaamisen-hankkimistapa-koodi-versio"] = 1
        if kind == "oppisopimus":
            method["oppisopimuksen-perusta-koodi-uri"] = "oppisopimuksenperusta_01"
            method["oppisopimuksen-perusta-koodi-versio"] = 1
        method["yksiloiva-tunniste"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        environments = []
        if not at_work:
            environment = (
                "oppimisymparistot_0001"
                if kind != "muu"
                else rng.choice(("oppimisymparistot_0002", "oppimisymparistot_0003"))
            )
            environments.append(
                {
                    "alku": start.isoformat(),
                    "loppu": end.isoformat(),
                    "oppimisymparisto-koodi-uri": environment,
                    "oppimisymparisto-koodi-versio": 1,
                }
            )
        method["muut-oppimisymparistot"] = environments
        if rng.random() < 0.15:
            method["jarjestajan-edustaja"] = {
                "nimi": names.full_name(rng),
                "rooli": rng.choice(("Vastuuopettaja", "Opettaja", "Työpaikkaohjauksen koordinaattori")),
                "oppilaitos-oid": self.oppilaitos,
            }
        method["alku"] = start.isoformat()
        method["loppu"] = end.isoformat()
        return method

    def _workplace(self) -> Json:
        rng = self.rng
        assert self.field is not None
        instructor = names.full_name(rng)
        supervisor: Json = {"nimi": instructor, "sahkoposti": names.email_of(instructor)}
        if rng.random() < 0.7:
            supervisor["puhelinnumero"] = names.phone(rng)
        return {
            "tyopaikan-nimi": self._employer_name(),
            "tyopaikan-y-tunnus": make_y_tunnus(rng),
            "vastuullinen-tyopaikka-ohjaaja": supervisor,
            "keskeiset-tyotehtavat": rng.sample(self.field.tasks, rng.randint(1, 3)),
        }

    def _employer_name(self) -> str:
        assert self.field is not None
        pattern = self.rng.choice(self.field.workplaces)
        town = self.rng.choice(_TOWNS)
        return pattern.format(town=town.name, town_gen=town.genitive, surname=self.rng.choice(names.SURNAMES))

    def _demonstration(self, method: Json) -> Json:
        """A näyttö at the end of a work period, at the same workplace."""
        rng = self.rng
        assert self.field is not None
        end = dt.date.fromisoformat(method["loppu"])
        start = max(dt.date.fromisoformat(method["alku"]), end - days(rng.randint(0, 6)))
        workplace = method["tyopaikalla-jarjestettava-koulutus"]
        return {
            "jarjestaja": {"oppilaitos-oid": self.oppilaitos},
            "koulutuksen-jarjestaja-osaamisen-arvioijat": [
                {"nimi": names.full_name(rng), "organisaatio": {"oppilaitos-oid": self.oppilaitos}}
            ],
            "nayttoymparisto": {
                "nimi": workplace["tyopaikan-nimi"],
                "y-tunnus": workplace["tyopaikan-y-tunnus"],
            },
            "osa-alueet": [],
            "sisallon-kuvaus": list(workplace["keskeiset-tyotehtavat"]),
            "tyoelama-osaamisen-arvioijat": [
                {
                    "nimi": workplace["vastuullinen-tyopaikka-ohjaaja"]["nimi"],
                    "organisaatio": {
                        "nimi": workplace["tyopaikan-nimi"],
                        "y-tunnus": workplace["tyopaikan-y-tunnus"],
                    },
                }
            ],
            "alku": start.isoformat(),
            "yksilolliset-kriteerit": [],
            "loppu": end.isoformat(),
        }

    def _recognised_unit(self, unit: str) -> Json:
        """Aiemmin hankittu: competence the learner already had, recognised by an assessor."""
        rng = self.rng
        process = rng.choice(("0001", "0002"))
        part: Json = {
            "valittu-todentamisen-prosessi-koodi-uri": f"osaamisentodentamisenprosessi_{process}",
            "valittu-todentamisen-prosessi-koodi-versio": 1,
            "tutkinnon-osa-koodi-uri": unit,
            "tutkinnon-osa-koodi-versio": self._unit_version(),
            "koulutuksen-jarjestaja-oid": self.provider,
            "olennainen-seikka": False,
            "tarkentavat-tiedot-naytto": [],
            "tarkentavat-tiedot-osaamisen-arvioija": {
                "lahetetty-arvioitavaksi": day_between(rng, self.first, self.approved_on).isoformat(),
                "aiemmin-hankitun-osaamisen-arvioijat": [
                    {"nimi": names.full_name(rng), "organisaatio": {"oppilaitos-oid": self.oppilaitos}}
                    for _ in range(rng.randint(1, 2))
                ],
            },
        }
        return part

    def _common_units(self, profile: Profile) -> tuple[list[Json], list[Json]]:
        """Yhteiset tutkinnon osat (YTO), and in large plans one area already recognised."""
        rng = self.rng
        units = YTO_UNITS if self.first >= YTO_REFORM else YTO_UNITS_BEFORE_REFORM
        periods = _Periods(rng, self.first, self.last)
        chosen = [rng.sample(areas, rng.randint(min(2, len(areas)), len(areas))) for areas in YTO_AREAS]
        previously: list[Json] = []
        if profile == "large" and rng.random() < 0.5:
            which = rng.randrange(len(units))
            area = chosen[which].pop()
            previously.append(
                {
                    "valittu-todentamisen-prosessi-koodi-uri": "osaamisentodentamisenprosessi_0001",
                    "valittu-todentamisen-prosessi-koodi-versio": 1,
                    "tutkinnon-osa-koodi-uri": units[which],
                    "tutkinnon-osa-koodi-versio": self._unit_version(),
                    "tarkentavat-tiedot-naytto": [],
                    "osa-alueet": [
                        {
                            "valittu-todentamisen-prosessi-koodi-uri": "osaamisentodentamisenprosessi_0001",
                            "valittu-todentamisen-prosessi-koodi-versio": 1,
                            "tarkentavat-tiedot-naytto": [],
                            "koulutuksen-jarjestaja-oid": self.provider,
                            "osa-alue-koodi-uri": f"ammatillisenoppiaineet_{area}",
                            "osa-alue-koodi-versio": 1,
                        }
                    ],
                    "tarkentavat-tiedot-osaamisen-arvioija": {"aiemmin-hankitun-osaamisen-arvioijat": []},
                }
            )
        common = []
        for unit, areas in zip(units, chosen, strict=True):
            entries = []
            for area in areas:
                methods = []
                if rng.random() < 0.12:
                    method = self._school_period(periods)
                    if method is not None:
                        methods.append(method)
                entries.append(
                    {
                        "osa-alue-koodi-uri": f"ammatillisenoppiaineet_{area}",
                        "osa-alue-koodi-versio": 1,
                        "olennainen-seikka": False,
                        "opetus-ja-ohjaus-maara": rng.choice((12, 24, 36, 48)),
                        "osaamisen-osoittaminen": [],
                        "osaamisen-hankkimistavat": methods,
                    }
                )
            part: Json = {"tutkinnon-osa-koodi-uri": unit, "tutkinnon-osa-koodi-versio": self._unit_version()}
            if self.parts_name_provider:
                part["koulutuksen-jarjestaja-oid"] = self.provider
            part["osa-alueet"] = entries
            common.append(part)
        return common, previously

    def _school_period(self, periods: _Periods) -> Json | None:
        period = periods.take(14, 60)
        if period is None:
            return None
        start, end = (d.isoformat() for d in period)
        return {
            "keskeytymisajanjaksot": [],
            "osaamisen-hankkimistapa-koodi-uri": "osaamisenhankkimistapa_oppilaitosmuotoinenkoulutus",
            "osaamisen-hankkimistapa-koodi-versio": 1,
            "yksiloiva-tunniste": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "muut-oppimisymparistot": [
                {
                    "alku": start,
                    "loppu": end,
                    "oppimisymparisto-koodi-uri": "oppimisymparistot_0001",
                    "oppimisymparisto-koodi-versio": 1,
                }
            ],
            "alku": start,
            "loppu": end,
        }

    def _local_unit(self, name: str) -> Json:
        part: Json = {"tavoitteet-ja-sisallot": "", "nimi": name}
        if self.parts_name_provider:
            part["koulutuksen-jarjestaja-oid"] = self.provider
        part["olennainen-seikka"] = False
        if self.rng.random() < 0.5:
            part["laajuus"] = self.rng.choice((5, 10, 15))
        part["osaamisen-osoittaminen"] = []
        part["osaamisen-hankkimistavat"] = []
        return part

    def _supporting_studies(self) -> list[Json]:
        rng = self.rng
        studies = []
        for name, description in rng.sample(SUPPORTING_STUDIES, rng.randint(1, 2)):
            start = day_between(rng, self.first, self.last)
            studies.append(
                {
                    "nimi": name,
                    "kuvaus": description,
                    "alku": start.isoformat(),
                    "loppu": min(start + days(rng.randint(14, 60)), self.last).isoformat(),
                }
            )
        return studies

    def _learning_support(self) -> list[Json]:
        rng = self.rng
        support: list[Json] = []
        if rng.random() < 0.6:
            start = max(day_between(rng, self.first, self.last), LEARNING_SUPPORT_FROM)
            support.append(
                {
                    "oppimisen-tuen-tyyppi-koodi-uri": "ammatillinenkoulutusoppimisentuentyyppi_01",
                    "alku": start.isoformat(),
                    "loppu": (start + days(rng.randint(7, 90))).isoformat(),
                    "tutkinnon-osan-tyyppi-koodi-uri": f"ammatillisentutkinnonosanryhma_{rng.randint(1, 2)}",
                }
            )
        other = rng.choice(("02", "03"))
        support.append(
            {"oppimisen-tuen-tyyppi-koodi-uri": f"ammatillinenkoulutusoppimisentuentyyppi_{other}"}
        )
        return support


_VOCATIONAL_ARRAYS = (
    "aiemmin-hankitut-ammat-tutkinnon-osat",
    "aiemmin-hankitut-paikalliset-tutkinnon-osat",
    "aiemmin-hankitut-yhteiset-tutkinnon-osat",
    "hankittavat-ammat-tutkinnon-osat",
    "hankittavat-paikalliset-tutkinnon-osat",
    "hankittavat-yhteiset-tutkinnon-osat",
)
