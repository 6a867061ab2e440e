"""What vocational students study: qualifications, their parts, and the work they do on the job.

Qualification names are real Finnish vocational qualifications with plausible six-digit
Koulutus codes; tutkinnon osa codes follow ePerusteet's `tutkinnonosat_<n>` form. The common
units (YTO) and their osa-alue codes are the real ones: plans approved before the 2022 reform
use the older units, later ones the current three.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Literal, NamedTuple

from hoks_gateway.seed.weighted import Weighted

Level = Literal["perustutkinto", "ammattitutkinto", "erikoisammattitutkinto", "valmentava"]


class Field(NamedTuple):
    """A field of work: the workplaces where its students learn and what they do there."""

    workplaces: tuple[str, ...]  # "{town}", "{town_gen}" and "{surname}" are filled in
    tasks: tuple[str, ...]


class Qualification(NamedTuple):
    code: str
    name_fi: str
    level: Level
    field: str
    parts: tuple[str, ...]  # tutkinnon osa koodi-urit


FIELDS: dict[str, Field] = {
    "business": Field(
        ("{town_gen} Kauppa Oy", "Rautakauppa {surname} Oy", "{surname} Tilitoimisto Oy", "Market {town}"),
        ("Asiakaspalvelu myymälässä", "Kassatyöskentely", "Tuotteiden esillepano", "Laskutus ja reskontra"),
    ),
    "care": Field(
        ("Palvelukoti {surname}", "Hoivakoti {surname}", "{town_gen} terveysasema"),
        ("Asiakkaan perushoito", "Lääkehoidon avustavat tehtävät", "Kotihoidon käynnit", "Kirjaaminen"),
    ),
    "education": Field(
        ("Päiväkoti {surname}", "{town_gen} päiväkoti", "{town_gen} koulu, iltapäivätoiminta"),
        ("Lasten ohjaaminen leikissä", "Päivärytmin tukeminen", "Pienryhmätoiminta", "Osaamispassi"),
    ),
    "electrical": Field(
        ("Sähkö {surname} Oy", "{town_gen} Sähköasennus Oy", "Automaatio {surname} Oy"),
        ("Sähköasennukset", "Kaapelointi", "Mittaukset ja käyttöönotto", "Huoltotyöt"),
    ),
    "restaurant": Field(
        ("Ravintola {surname}", "{town_gen} lounasravintola", "Hotelli {town}", "Kahvila {surname}"),
        ("Ruoanvalmistus", "Salityöskentely", "Omavalvonta", "Leivonta"),
    ),
    "automotive": Field(
        ("Autokorjaamo {surname} Oy", "{town_gen} Autohuolto Oy", "Rengas {surname} Oy"),
        ("Määräaikaishuollot", "Vianmääritys", "Rengastyöt", "Korjaamon asiakaspalvelu"),
    ),
    "construction": Field(
        ("Rakennus {surname} Oy", "{town_gen} Rakennuspalvelu Oy", "Remontti {surname}"),
        ("Muottityöt", "Runkotyöt", "Sisävalmistusvaiheen työt", "Työmaan turvallisuus"),
    ),
    "ict": Field(
        ("{surname} IT Oy", "{town_gen} Digipalvelut Oy", "Ohjelmistotalo {surname} Oy"),
        ("Työasemien asennus", "Käyttäjätuki", "Verkkojen ylläpito", "Web-sovelluksen testaus"),
    ),
    "logistics": Field(
        ("Kuljetus {surname} Oy", "{town_gen} Logistiikkakeskus", "Varasto {surname} Oy"),
        ("Trukkityöt", "Keräily ja lähettäminen", "Vastaanotto", "Kuljetusten suunnittelu"),
    ),
    "mechanical": Field(
        ("Konepaja {surname} Oy", "{town_gen} Metalli Oy", "Koneistamo {surname}"),
        ("Koneistus", "Hitsaus", "Kokoonpano", "Laadunvarmistus"),
    ),
    "agriculture": Field(
        ("Maatila {surname}", "Maatalousyhtymä {surname}", "Puutarha {surname}"),
        ("Eläinten hoito", "Peltotyöt", "Koneiden huolto", "Tilan kunnossapito"),
    ),
    "beauty": Field(
        ("Parturi-kampaamo {surname}", "{town_gen} Hiusstudio", "Kauneushoitola {surname}"),
        ("Hiustenleikkaus", "Värjäykset", "Asiakaspalvelu ja ajanvaraus", "Ihonhoito"),
    ),
    "cleaning": Field(
        ("Siivous {surname} Oy", "{town_gen} Kiinteistöhuolto Oy", "Puhtauspalvelu {surname}"),
        ("Ylläpitosiivous", "Perussiivous", "Kiinteistön huoltotyöt", "Jätehuolto"),
    ),
}


def _parts(first: int, count: int) -> tuple[str, ...]:
    return tuple(f"tutkinnonosat_{first + i}" for i in range(count))


QUALIFICATIONS = (
    Qualification("331101", "Liiketoiminnan perustutkinto", "perustutkinto", "business", _parts(106400, 12)),
    Qualification(
        "371101", "Sosiaali- ja terveysalan perustutkinto", "perustutkinto", "care", _parts(106310, 14)
    ),
    Qualification(
        "361101", "Kasvatus- ja ohjausalan perustutkinto", "perustutkinto", "education", _parts(106226, 10)
    ),
    Qualification(
        "351107", "Sähkö- ja automaatioalan perustutkinto", "perustutkinto", "electrical", _parts(104601, 12)
    ),
    Qualification(
        "381204",
        "Ravintola- ja catering-alan perustutkinto",
        "perustutkinto",
        "restaurant",
        _parts(104890, 10),
    ),
    Qualification("351301", "Autoalan perustutkinto", "perustutkinto", "automotive", _parts(105412, 11)),
    Qualification(
        "351201", "Rakennusalan perustutkinto", "perustutkinto", "construction", _parts(105201, 12)
    ),
    Qualification(
        "341101", "Tieto- ja viestintätekniikan perustutkinto", "perustutkinto", "ict", _parts(106070, 13)
    ),
    Qualification("381112", "Logistiikan perustutkinto", "perustutkinto", "logistics", _parts(105725, 9)),
    Qualification(
        "351407",
        "Kone- ja tuotantotekniikan perustutkinto",
        "perustutkinto",
        "mechanical",
        _parts(105100, 12),
    ),
    Qualification(
        "361201", "Maatalousalan perustutkinto", "perustutkinto", "agriculture", _parts(104960, 10)
    ),
    Qualification(
        "381408", "Hius- ja kauneudenhoitoalan perustutkinto", "perustutkinto", "beauty", _parts(105860, 9)
    ),
    Qualification(
        "384501",
        "Puhtaus- ja kiinteistöpalvelualan perustutkinto",
        "perustutkinto",
        "cleaning",
        _parts(103590, 8),
    ),
    Qualification(
        "334105", "Liiketoiminnan ammattitutkinto", "ammattitutkinto", "business", _parts(200231, 8)
    ),
    Qualification(
        "374121", "Kasvatus- ja ohjausalan ammattitutkinto", "ammattitutkinto", "education", _parts(200411, 7)
    ),
    Qualification(
        "354212", "Talonrakennusalan ammattitutkinto", "ammattitutkinto", "construction", _parts(200512, 7)
    ),
    Qualification(
        "384203",
        "Ravintolan asiakaspalvelun ammattitutkinto",
        "ammattitutkinto",
        "restaurant",
        _parts(200621, 6),
    ),
    Qualification(
        "437109",
        "Johtamisen ja yritysjohtamisen erikoisammattitutkinto",
        "erikoisammattitutkinto",
        "business",
        _parts(400005, 6),
    ),
)
# How often each qualification is studied: care, business and technology dominate, as in Koski.
QUALIFICATION_WEIGHTS = (14, 12, 6, 8, 7, 6, 6, 7, 5, 6, 3, 4, 3, 5, 3, 2, 2, 1)
_BY_POPULARITY = Weighted(zip(QUALIFICATIONS, QUALIFICATION_WEIGHTS, strict=True))

TUVA_QUALIFICATION = ("999907", "Tutkintokoulutukseen valmentava koulutus")
# TELMA: a vocational study right with a TELMA suoritus; its koulutuksen osat are taken as
# tutkinnon osat, in their own range of codes.
TELMA_QUALIFICATION = Qualification(
    "999903",
    "Työhön ja itsenäiseen elämään valmentava koulutus (TELMA)",
    "valmentava",
    "cleaning",
    _parts(107601, 6),
)
# TUVA started on 1 August 2022; no TUVA study right can begin earlier.
TUVA_STARTED = dt.date(2022, 8, 1)
TUVA_COURSE_PARTS = tuple(f"koulutuksenosattuva_{n}" for n in range(101, 108))

# The 2022 reform replaced four common units with three; osa-alue codes carried over.
YTO_REFORM = dt.date(2022, 8, 1)
YTO_UNITS_BEFORE_REFORM = ("tutkinnonosat_101053", "tutkinnonosat_101054", "tutkinnonosat_101055")
YTO_UNITS = ("tutkinnonosat_106727", "tutkinnonosat_106728", "tutkinnonosat_106729")
YTO_AREAS = (
    ("vvai", "vvai7", "vvtk", "vvvk", "vvtd", "vvtl"),
    ("mlma", "mlfk"),
    ("ytyk", "yttt", "ytou", "ytyy", "ytth", "ytkk"),
)

LOCAL_PARTS = (
    "Ammattialan työtehtävissä toimiminen",
    "Orientaatio alaan",
    "Opintojen ohjaus",
    "Työelämätaitojen vahvistaminen",
    "Alan uudet ratkaisut",
)
SUPPORTING_STUDIES = (
    ("Tietokoneen käyttövalmiudet", "Tietokoneen perusohjelmistojen käytön kertaus."),
    ("Hyvän tekstin tuottaminen", "Tekstin sisältö ja rakenne."),
    ("Opiskelutaidot", "Oman oppimisen suunnittelu ja ajanhallinta."),
)


def qualification(rng: random.Random) -> Qualification:
    return _BY_POPULARITY.pick(rng)
