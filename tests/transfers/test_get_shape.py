"""`Hoks.ehoksDocument` and `export-ehoks` give a plan as eHOKS's GET returns it
(docs/reference/ehoks-backend.md §1.8): module-ids on the parts that have them, every list
present (`[]` when empty), no nulls.

What GET always shows is written out here from eHOKS's read code (commit 2a04d34f:
`hoks.clj` get-values; `hoks/hankittavat.clj`, `hoks/aiemmin_hankitut.clj` and `hoks/common.clj`,
which assoc each list from its table whatever was sent), not from the gateway's model, so a
list the export leaves out is caught.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from hoks_gateway.hoks.document import PART_ARRAYS
from tests.transfers.world import ALL, World, document

IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id } } }"
READ = "query($id: ID!) { hoks(id: $id) { ehoksDocument revisions { nodes { ehoksDocument } } } }"

# extract-hankkimistavat-and-osoittamiset (HATO, HPTO, HYTO osa-alue).
ACQUIRING_LISTS = ("osaamisen-hankkimistavat", "osaamisen-osoittaminen")
# extract-and-set-osaamisen-hankkimistapa-values.
METHOD_LISTS = ("muut-oppimisymparistot", "keskeytymisajanjaksot")
# extract-and-set-osaamisen-osoittaminen-values.
DEMONSTRATION_LISTS = (
    "koulutuksen-jarjestaja-osaamisen-arvioijat",
    "tyoelama-osaamisen-arvioijat",
    "sisallon-kuvaus",
    "osa-alueet",
    "yksilolliset-kriteerit",
)
# extract-arvioijat-and-osoittamiset (AHATO, AHPTO, AHYTO, AHYTO osa-alue): the näytöt, and the
# assessment details from a LEFT JOIN, an object with its arvioijat even when none was sent.
ASSESSMENT = "tarkentavat-tiedot-osaamisen-arvioija"
ASSESSORS = "aiemmin-hankitun-osaamisen-arvioijat"


def get_shape_faults(plan: dict[str, Any]) -> list[str]:
    """Where `plan` differs from the shape eHOKS's GET gives, as eHOKS paths."""
    faults: list[str] = []

    def lists(value: dict[str, Any], path: str, keys: tuple[str, ...]) -> None:
        faults.extend(f"{path}{key}: not a list" for key in keys if not isinstance(value.get(key), list))

    def module_id(value: dict[str, Any], path: str) -> None:
        try:
            uuid.UUID(value["module-id"])
        except (KeyError, TypeError, ValueError):
            faults.append(f"{path}module-id: missing")

    def items(value: dict[str, Any], key: str, path: str) -> list[tuple[dict[str, Any], str]]:
        return [(item, f"{path}{key}[{n}].") for n, item in enumerate(value.get(key) or [])]

    def demonstration(value: dict[str, Any], path: str) -> None:
        module_id(value, path)
        lists(value, path, DEMONSTRATION_LISTS)

    def acquiring(value: dict[str, Any], path: str) -> None:
        module_id(value, path)
        lists(value, path, ACQUIRING_LISTS)
        for method, at in items(value, "osaamisen-hankkimistavat", path):
            module_id(method, at)
            lists(method, at, METHOD_LISTS)
        for demo, at in items(value, "osaamisen-osoittaminen", path):
            demonstration(demo, at)

    def previously_acquired(value: dict[str, Any], path: str) -> None:
        module_id(value, path)
        lists(value, path, ("tarkentavat-tiedot-naytto",))
        assessment = value.get(ASSESSMENT)
        if not isinstance(assessment, dict) or not isinstance(assessment.get(ASSESSORS), list):
            faults.append(f"{path}{ASSESSMENT}.{ASSESSORS}: not a list")
        for demo, at in items(value, "tarkentavat-tiedot-naytto", path):
            demonstration(demo, at)

    lists(plan, "", PART_ARRAYS)  # get-values: the nine, each from its table
    for key in ("hankittavat-ammat-tutkinnon-osat", "hankittavat-paikalliset-tutkinnon-osat"):
        for unit, at in items(plan, key, ""):
            acquiring(unit, at)
    for unit, at in items(plan, "hankittavat-yhteiset-tutkinnon-osat", ""):
        module_id(unit, at)
        lists(unit, at, ("osa-alueet",))
        for area, area_at in items(unit, "osa-alueet", at):
            acquiring(area, area_at)
    for key in ("aiemmin-hankitut-ammat-tutkinnon-osat", "aiemmin-hankitut-paikalliset-tutkinnon-osat"):
        for unit, at in items(plan, key, ""):
            previously_acquired(unit, at)
    for unit, at in items(plan, "aiemmin-hankitut-yhteiset-tutkinnon-osat", ""):
        previously_acquired(unit, at)
        lists(unit, at, ("osa-alueet",))
        for area, area_at in items(unit, "osa-alueet", at):
            previously_acquired(area, area_at)
    # No module-id on these in eHOKS (§1.4).
    for key in ("opiskeluvalmiuksia-tukevat-opinnot", "oppimisen-tuki", "hankittavat-koulutuksen-osat"):
        extra = [at for part, at in items(plan, key, "") if "module-id" in part]
        faults.extend(f"{at}module-id: not in eHOKS" for at in extra)
    return faults


def nulls(value: Any, path: str = "") -> list[str]:
    """Paths holding null: eHOKS's GET leaves such keys out."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in nulls(item, f"{path}[{n}]")]
    return [path] if value is None else []


def test_the_checker_finds_what_ehoks_get_would_add() -> None:
    """The corpus as sent lacks lists eHOKS's GET would show, so the checker is not blind."""
    assert "hankittavat-koulutuksen-osat: not a list" in get_shape_faults(document("hoksit.json"))
    assert any("keskeytymisajanjaksot" in f for f in get_shape_faults(document("hoksit.json")))


@pytest.mark.parametrize("name", ALL)
async def test_ehoks_document_has_the_shape_ehoks_get_returns(world: World, name: str) -> None:
    created = await world.graphql(IMPORT, {"d": document(name)}, world.staff)
    assert "errors" not in created, created
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    read = await world.graphql(READ, {"id": plan_id}, world.staff)
    assert "errors" not in read, read
    plan = read["data"]["hoks"]
    for exported in (plan["ehoksDocument"], plan["revisions"]["nodes"][0]["ehoksDocument"]):
        assert get_shape_faults(exported) == []
        assert nulls(exported) == []
        assert (exported["id"], exported["manuaalisyotto"]) == (int(plan_id), True)
        uuid.UUID(exported["eid"])
