"""Finnish places, for organisation and workplace names.

Each municipality carries the genitive that Finnish names are built from ("Kokkolan kaupunki")
and, for bilingual ones, its Swedish name; regions carry the genitive and English names.
"""

from __future__ import annotations

from typing import NamedTuple


class Municipality(NamedTuple):
    name: str
    genitive: str
    name_sv: str | None


class Region(NamedTuple):
    genitive: str
    name_en: str
    municipalities: tuple[Municipality, ...]


def _m(spec: str) -> tuple[Municipality, ...]:
    """ "Kokkola:Kokkolan:Karleby; Kannus:Kannuksen" -> municipalities (Swedish name optional)."""
    result = []
    for item in spec.split(";"):
        name, genitive, *sv = (part.strip() for part in item.split(":", 2))
        result.append(Municipality(name, genitive, sv[0] if sv else None))
    return tuple(result)


REGIONS = (
    Region(
        "Uudenmaan",
        "Uusimaa",
        _m(
            "Helsinki:Helsingin:Helsingfors; Espoo:Espoon:Esbo; Vantaa:Vantaan:Vanda;"
            "Porvoo:Porvoon:Borgå; Hyvinkää:Hyvinkään:Hyvinge; Järvenpää:Järvenpään:Träskända;"
            "Kerava:Keravan:Kervo; Lohja:Lohjan:Lojo; Tuusula:Tuusulan:Tusby; Mäntsälä:Mäntsälän;"
            "Kirkkonummi:Kirkkonummen:Kyrkslätt; Raasepori:Raaseporin:Raseborg"
        ),
    ),
    Region(
        "Varsinais-Suomen",
        "Southwest Finland",
        _m(
            "Turku:Turun:Åbo; Salo:Salon; Kaarina:Kaarinan:S:t Karins; Raisio:Raision:Reso;"
            "Naantali:Naantalin:Nådendal; Uusikaupunki:Uudenkaupungin:Nystad; Loimaa:Loimaan;"
            "Paimio:Paimion:Pemar"
        ),
    ),
    Region(
        "Satakunnan",
        "Satakunta",
        _m(
            "Pori:Porin:Björneborg; Rauma:Rauman:Raumo; Kankaanpää:Kankaanpään; Huittinen:Huittisten; "
            "Harjavalta:Harjavallan"
        ),
    ),
    Region(
        "Kanta-Hämeen",
        "Kanta-Häme",
        _m("Hämeenlinna:Hämeenlinnan:Tavastehus; Riihimäki:Riihimäen; Forssa:Forssan; Janakkala:Janakkalan"),
    ),
    Region(
        "Pirkanmaan",
        "Pirkanmaa",
        _m(
            "Tampere:Tampereen:Tammerfors; Nokia:Nokian; Ylöjärvi:Ylöjärven; Kangasala:Kangasalan; "
            "Valkeakoski:Valkeakosken; Sastamala:Sastamalan; Mänttä-Vilppula:Mänttä-Vilppulan"
        ),
    ),
    Region(
        "Päijät-Hämeen",
        "Päijät-Häme",
        _m("Lahti:Lahden:Lahtis; Heinola:Heinolan; Orimattila:Orimattilan; Hollola:Hollolan"),
    ),
    Region("Kymenlaakson", "Kymenlaakso", _m("Kouvola:Kouvolan; Kotka:Kotkan; Hamina:Haminan:Fredrikshamn")),
    Region(
        "Etelä-Karjalan",
        "South Karelia",
        _m("Lappeenranta:Lappeenrannan:Villmanstrand; Imatra:Imatran; Parikkala:Parikkalan"),
    ),
    Region(
        "Etelä-Savon",
        "South Savo",
        _m("Mikkeli:Mikkelin:S:t Michel; Savonlinna:Savonlinnan:Nyslott; Pieksämäki:Pieksämäen"),
    ),
    Region(
        "Pohjois-Savon",
        "North Savo",
        _m("Kuopio:Kuopion; Iisalmi:Iisalmen; Varkaus:Varkauden; Suonenjoki:Suonenjoen"),
    ),
    Region(
        "Pohjois-Karjalan",
        "North Karelia",
        _m("Joensuu:Joensuun; Kitee:Kiteen; Lieksa:Lieksan; Nurmes:Nurmeksen"),
    ),
    Region(
        "Keski-Suomen",
        "Central Finland",
        _m(
            "Jyväskylä:Jyväskylän; Äänekoski:Äänekosken; Jämsä:Jämsän; Keuruu:Keuruun; Saarijärvi:Saarijärven"
        ),
    ),
    Region(
        "Etelä-Pohjanmaan",
        "South Ostrobothnia",
        _m("Seinäjoki:Seinäjoen; Lapua:Lapuan; Kauhava:Kauhavan; Kurikka:Kurikan; Alavus:Alavuden"),
    ),
    Region(
        "Pohjanmaan",
        "Ostrobothnia",
        _m(
            "Vaasa:Vaasan:Vasa; Pietarsaari:Pietarsaaren:Jakobstad; "
            "Kristiinankaupunki:Kristiinankaupungin:Kristinestad; Mustasaari:Mustasaaren:Korsholm"
        ),
    ),
    Region(
        "Keski-Pohjanmaan",
        "Central Ostrobothnia",
        _m("Kokkola:Kokkolan:Karleby; Kannus:Kannuksen; Kaustinen:Kaustisen"),
    ),
    Region(
        "Pohjois-Pohjanmaan",
        "North Ostrobothnia",
        _m(
            "Oulu:Oulun:Uleåborg; Raahe:Raahen:Brahestad; Ylivieska:Ylivieskan; Kuusamo:Kuusamon; "
            "Kalajoki:Kalajoen; Nivala:Nivalan"
        ),
    ),
    Region("Kainuun", "Kainuu", _m("Kajaani:Kajaanin:Kajana; Kuhmo:Kuhmon; Suomussalmi:Suomussalmen")),
    Region(
        "Lapin",
        "Lapland",
        _m(
            "Rovaniemi:Rovaniemen; Kemi:Kemin; Tornio:Tornion:Torneå; Kemijärvi:Kemijärven; "
            "Sodankylä:Sodankylän"
        ),
    ),
)

# Neighbourhood and street stems for toimipiste names ("…, Portinkankaan toimipiste").
_SITE_TEXT = """
Keskustan Asemanseudun Sataman Teollisuuskadun Koulukadun Kauppakadun Puistokadun Rantakadun
Niittykadun Peltolan Mäntylän Koivukujan Lehtolan Harjun Kankaan Kirkonkylän Metsolan Hakametsän
Tervaskankaan Vapaudenkadun
"""
SITES = tuple(_SITE_TEXT.split())
