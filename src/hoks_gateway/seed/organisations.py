"""The organisation tree: OPH at the root, koulutustoimijat (providers), their oppilaitokset
(institutions) and toimipisteet (sites).

Providers come in the kinds Finland has: regional joint authorities, cities, companies and
foundations, each sized (how many students it has) so that a few large consortia and many small
providers appear, as in Koski.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

from hoks_gateway.identifiers import OPH_ROOT_OID
from hoks_gateway.seed import corpus_registry
from hoks_gateway.seed.oids import OidRegistry
from hoks_gateway.seed.places import REGIONS, SITES, Municipality, Region
from hoks_gateway.seed.weighted import Weighted


class OrganisationRow(NamedTuple):
    oid: str
    parent_oid: str | None
    ancestor_oids: list[str]
    type: str
    name_fi: str | None
    name_sv: str | None
    name_en: str | None


@dataclass(frozen=True, slots=True)
class Provider:
    """A koulutustoimija as the rest of the seed needs it."""

    oid: str
    name: str
    size: float  # relative number of students
    oppilaitokset: Weighted[str]  # by their share of the provider's students
    home: Municipality


@dataclass(frozen=True, slots=True)
class OrganisationTree:
    rows: list[OrganisationRow]
    providers: list[Provider]

    def count(self, type_: str) -> int:
        return sum(1 for row in self.rows if row.type == type_)


ROOT = OrganisationRow(
    OPH_ROOT_OID,
    None,
    [],
    "ROOT",
    "Opetushallitus",
    "Utbildningsstyrelsen",
    "Finnish National Agency for Education",
)

_BRAND_STEM_TEXT = """
Tuuli Lumo Kaari Virta Louhi Tähti Kide Vuoksi Revon Paju Kuusi Harju Otava Ilves Aapa Kivi
Sampo Pohja Lakeus Saari Ranta Selkä Kajo Hohde
"""
_BRAND_STEMS = tuple(_BRAND_STEM_TEXT.split())
_BRAND_ENDINGS = ("edu", "akatemia", "polku", "sampo", "taito", "tie")
_INSTITUTION_FIELDS = (
    "tekniikan",
    "palvelualan",
    "sosiaali- ja terveysalan",
    "luonnonvara-alan",
    "liiketalouden",
)

# kind: (share of providers, relative size, weights of having 1..4 oppilaitokset)
_KINDS: dict[str, tuple[float, float, tuple[int, int, int, int]]] = {
    "joint_authority": (0.30, 3.0, (20, 35, 30, 15)),
    "city": (0.20, 2.0, (50, 30, 15, 5)),
    "company": (0.25, 0.6, (70, 20, 8, 2)),
    "foundation": (0.25, 0.4, (70, 20, 8, 2)),
}


def build_tree(providers: int, rng: random.Random, oids: OidRegistry) -> OrganisationTree:
    rows = [ROOT]
    result: list[Provider] = []
    used_names: set[str] = set()
    kinds = list(_KINDS)
    for index in range(providers):
        kind = rng.choices(kinds, weights=[_KINDS[k][0] for k in kinds])[0]
        for _ in range(50):
            # Two providers with the same name would confuse every list; vary until unique.
            region = rng.choice(REGIONS)
            home = rng.choice(region.municipalities)
            brand = _brand(rng)
            names = _provider_names(kind, region, home, brand, rng)
            if names[0] not in used_names:
                break
        else:
            names = (f"{names[0]} ({index + 1})", None, None)
        used_names.add(names[0])
        provider_oid = oids.new(10, rng)
        rows.append(OrganisationRow(provider_oid, OPH_ROOT_OID, [OPH_ROOT_OID], "KOULUTUSTOIMIJA", *names))

        _, base_size, counts = _KINDS[kind]
        institution_count = rng.choices((1, 2, 3, 4), weights=counts)[0]
        towns = _institution_towns(home, region, institution_count, rng)
        institutions: list[tuple[str, float]] = []
        for number, town in enumerate(towns):
            # The first institution of the first provider is the one the corpus's mock Koski
            # names for every corpus study right.
            if index == 0 and number == 0:
                institution_oid = corpus_registry.OPPILAITOS_OID
            else:
                institution_oid = oids.new(10, rng)
            fi, sv, en = _institution_names(kind, town, brand, number, rng)
            if fi in used_names:
                fi, sv, en = _unused_institution_name(town, brand, used_names)
            used_names.add(fi)
            path = [OPH_ROOT_OID, provider_oid]
            rows.append(OrganisationRow(institution_oid, provider_oid, path, "OPPILAITOS", fi, sv, en))
            for site in rng.sample(SITES, rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]):
                rows.append(
                    OrganisationRow(
                        oids.new(10, rng),
                        institution_oid,
                        [*path, institution_oid],
                        "TOIMIPISTE",
                        f"{fi}, {site} toimipiste",
                        None,
                        None,
                    )
                )
            institutions.append((institution_oid, 1.0 if number == 0 else rng.uniform(0.3, 0.8)))
        result.append(
            Provider(
                provider_oid,
                names[0],
                base_size * rng.lognormvariate(0, 0.6),
                Weighted(institutions),
                home,
            )
        )
    return OrganisationTree(rows, result)


def _brand(rng: random.Random) -> str:
    stem, ending = rng.choice(_BRAND_STEMS), rng.choice(_BRAND_ENDINGS)
    # Finnish compounds take a hyphen where the same vowel meets itself: "Kide-edu".
    return f"{stem}-{ending}" if stem[-1] == ending[0] else stem + ending


def _provider_names(
    kind: str, region: Region, home: Municipality, brand: str, rng: random.Random
) -> tuple[str, str | None, str | None]:
    if kind == "joint_authority":
        if rng.random() < 0.5:
            return f"{region.genitive} koulutusyhtymä", None, f"{region.name_en} Joint Authority of Education"
        return f"{home.genitive} seudun koulutuskuntayhtymä", None, f"{home.name} Region Education Consortium"
    if kind == "city":
        sv = f"{home.name_sv} stad" if home.name_sv else None
        return f"{home.genitive} kaupunki", sv, f"City of {home.name}"
    if kind == "company":
        return f"Ammattiopisto {brand} Oy", None, None
    return f"{brand}-säätiö sr", None, None


def _unused_institution_name(
    town: Municipality, brand: str, used: set[str]
) -> tuple[str, str | None, str | None]:
    for field in _INSTITUTION_FIELDS:
        name = f"{town.genitive} {field} ammattiopisto"
        if name not in used:
            return name, None, None
    return f"Ammattiopisto {brand}, {town.name}", None, None


def _institution_towns(
    home: Municipality, region: Region, count: int, rng: random.Random
) -> list[Municipality]:
    others = [m for m in region.municipalities if m != home]
    return [home, *rng.sample(others, min(count - 1, len(others)))]


def _institution_names(
    kind: str, town: Municipality, brand: str, number: int, rng: random.Random
) -> tuple[str, str | None, str | None]:
    if number == 0 and kind in ("company", "foundation"):
        return f"Ammattiopisto {brand}", None, f"Vocational College {brand}"
    if number > 0 and rng.random() < 0.3:
        field = rng.choice(_INSTITUTION_FIELDS)
        return f"{town.genitive} {field} ammattiopisto", None, None
    sv = f"Yrkesinstitutet i {town.name_sv}" if town.name_sv else None
    return f"{town.genitive} ammattiopisto", sv, f"{town.name} Vocational College"
