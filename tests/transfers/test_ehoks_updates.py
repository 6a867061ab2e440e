"""replaceEhoksDocument and patchEhoksDocument: eHOKS's PUT and PATCH with the plan in eHOKS JSON.

They make the service call replaceHoks and updateHoks make, so eHOKS's PUT and PATCH rules
(docs/reference/ehoks-backend.md §2.6) hold alike; each rule test names the eHOKS rule. The
corpus round-trips: imported, read as eHOKS's GET gives it, PUT back (without what eHOKS's PUT
refuses), read again: the same plan.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from hoks_gateway.identifiers import make_oid
from tests.transfers.world import ALL, MANUAL_ONLY, World, document

IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id revision } } }"
PUT = """
mutation($id: ID!, $d: JSON!, $rev: Int) {
  replaceEhoksDocument(id: $id, document: $d, expectedRevision: $rev) { hoks { id revision ehoksDocument } }
}
"""
PATCH = """
mutation($id: ID!, $d: JSON!, $rev: Int) {
  patchEhoksDocument(id: $id, document: $d, expectedRevision: $rev) { hoks { id revision ehoksDocument } }
}
"""
WRITES = {"put": (PUT, "replaceEhoksDocument"), "patch": (PATCH, "patchEhoksDocument")}
READ = """
query($id: ID!) {
  hoks(id: $id) { revision ehoksDocument revisions { nodes { number operation source changedPaths } } }
}
"""
EXAMPLE = "anonymised-example-1.json"
# eHOKS's PUT and PATCH refuse what only its GET shows (`:any :excluded` in HOKSModel and the
# part templates, src/oph/ehoks/hoks/schema.clj; §1.8): a client leaves these out of a write.
GET_ONLY = ("eid", "manuaalisyotto")


def without(value: Any, keys: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {k: without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without(v, keys) for v in value]
    return value


def for_writing(exported: dict[str, Any]) -> dict[str, Any]:
    """A GET result as eHOKS's PUT takes it: without eid, manuaalisyotto and module-ids."""
    written: dict[str, Any] = without(exported, (*GET_ONLY, "module-id"))
    return written


def module_ids(value: Any, path: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        found = {path: value["module-id"]} if "module-id" in value else {}
        for key, item in value.items():
            found |= module_ids(item, f"{path}.{key}" if path else key)
        return found
    if isinstance(value, list):
        return {p: v for n, item in enumerate(value) for p, v in module_ids(item, f"{path}[{n}]").items()}
    return {}


async def imported(world: World, name: str = EXAMPLE, headers: dict[str, str] | None = None) -> str:
    body = await world.graphql(IMPORT, {"d": document(name)}, headers or world.service)
    assert "errors" not in body, body
    plan_id: str = body["data"]["importEhoksDocument"]["hoks"]["id"]
    return plan_id


async def read(world: World, plan_id: str) -> dict[str, Any]:
    body = await world.graphql(READ, {"id": plan_id}, world.admin)
    assert "errors" not in body, body
    plan: dict[str, Any] = body["data"]["hoks"]
    return plan


async def written(
    world: World, write: str, plan_id: str, sent: Any, headers: dict[str, str], revision: int | None = None
) -> dict[str, Any]:
    query, field = WRITES[write]
    body = await world.graphql(query, {"id": plan_id, "d": sent, "rev": revision}, headers)
    assert "errors" not in body, body
    plan: dict[str, Any] = body["data"][field]["hoks"]
    return plan


async def refused(
    world: World, write: str, plan_id: str, sent: Any, headers: dict[str, str], revision: int | None = None
) -> dict[str, Any]:
    """The one error of a refused write; the plan is as it was (still at revision 1)."""
    query, _ = WRITES[write]
    body = await world.graphql(query, {"id": plan_id, "d": sent, "rev": revision}, headers)
    [error] = body["errors"]
    assert body["data"] is None
    if plan_id.isdigit() and await world.scalar("SELECT 1 FROM hoks WHERE id = :id", id=int(plan_id)):
        assert await world.scalar("SELECT revision FROM hoks WHERE id = :id", id=int(plan_id)) == 1
    extensions: dict[str, Any] = error["extensions"]
    return extensions


def pairs(extensions: dict[str, Any]) -> list[tuple[str, str]]:
    assert (extensions["code"], extensions["status"]) == ("BAD_USER_INPUT", 400)
    return [(v["path"], v["rule"]) for v in extensions["violations"]]


# --- The corpus round trip ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
async def test_a_plan_read_and_put_back_is_the_same_plan(world: World, name: str) -> None:
    """eHOKS's contract of POST then GET (`get-hoks-test`, §1.8), and then PUT: the GET result,
    without what PUT refuses, PUT back gives the same plan; every part gets a new module-id, as
    eHOKS's PUT inserts every part row anew (§6.5); nothing counts as changed."""
    plan_id = await imported(world, name, world.staff)
    before = (await read(world, plan_id))["ehoksDocument"]
    await written(world, "put", plan_id, for_writing(before), world.service, revision=1)
    after = await read(world, plan_id)
    assert without(after["ehoksDocument"], ("module-id",)) == without(before, ("module-id",))
    old, new = module_ids(before), module_ids(after["ehoksDocument"])
    assert old.keys() == new.keys()
    assert not set(old.values()) & set(new.values()), "every part has a new module-id"
    replace = after["revisions"]["nodes"][-1]
    assert (replace["number"], replace["operation"], replace["source"]) == (2, "REPLACE", "TRANSFER")
    assert replace["changedPaths"] == []


# Partial documents, as a provider's system PATCHes: its own id and OIDs may come along unchanged.
PATCHES: list[dict[str, Any]] = [
    {"sahkoposti": "uusi.osoite@example.fi"},
    {"versio": 3, "osaamisen-hankkimisen-tarve": False, "paivitetty": "2026-11-27T10:15:00.000Z"},
    {
        "urasuunnitelma-koodi-uri": "urasuunnitelma_0002",
        "urasuunnitelma-koodi-versio": 1,
        "osaamisen-saavuttamisen-pvm": "2024-05-31",
        "hyvaksytty": "2024-06-01T09:00:00.000Z",
    },
]


@pytest.mark.parametrize("name", ALL)
async def test_patches_merge_into_the_plan(world: World, name: str) -> None:
    """eHOKS's PATCH (§2.6 step 7): the top-level keys sent change, everything else stays,
    the parts and their module-ids included (§6.5: only a PUT renews them)."""
    plan_id = await imported(world, name, world.staff)
    plan = (await read(world, plan_id))["ehoksDocument"]
    own = {
        "id": int(plan_id),
        "oppija-oid": plan["oppija-oid"],
        "opiskeluoikeus-oid": plan["opiskeluoikeus-oid"],
    }
    changes = []
    for number, patch in enumerate(PATCHES, start=2):
        sent = patch | own if number == 2 else patch
        after = await written(world, "patch", plan_id, sent, world.service, revision=number - 1)
        assert after["revision"] == number
        assert after["ehoksDocument"] == plan | patch
        changes.append(("UPDATE", sorted(key for key in patch if plan.get(key) != patch[key])))
        plan = after["ehoksDocument"]
    history = (await read(world, plan_id))["revisions"]["nodes"]
    assert [(r["operation"], sorted(r["changedPaths"])) for r in history[1:]] == changes


# --- eHOKS's PUT and PATCH rules ----------------------------------------------------------------


async def test_put_replaces_every_part_and_clears_left_out_fields_but_the_phone(world: World) -> None:
    """eHOKS's PUT (§2.6 step 7, hoks.clj `replace-main-hoks!`): parts left out are deleted;
    a left-out sahkoposti, paivitetty or urasuunnitelma-koodi-uri (as every optional top-level
    field but two) becomes null, left out of GET; a left-out puhelinnumero is kept."""
    plan_id = await imported(world)
    before = (await read(world, plan_id))["ehoksDocument"]
    cleared = ("sahkoposti", "paivitetty", "urasuunnitelma-koodi-uri")
    left_out = ("puhelinnumero", *cleared, "hankittavat-yhteiset-tutkinnon-osat")
    assert all(key in before for key in left_out)
    sent = {key: value for key, value in for_writing(before).items() if key not in left_out}
    after = await written(world, "put", plan_id, sent, world.service)
    stored = after["ehoksDocument"]
    assert stored["puhelinnumero"] == before["puhelinnumero"]
    assert not set(cleared) & stored.keys()
    assert stored["hankittavat-yhteiset-tutkinnon-osat"] == []
    vocational = "hankittavat-ammat-tutkinnon-osat"
    assert without(stored[vocational], ("module-id",)) == without(before[vocational], ("module-id",))


async def test_put_requires_the_first_approval_and_the_acquisition_need(world: World) -> None:
    """eHOKS's HOKSKorvaus requires `ensikertainen-hyvaksyminen` and
    `osaamisen-hankkimisen-tarve` (§2.6 step 5); the write's id comes from its argument."""
    plan_id = await imported(world)
    sent = {"sahkoposti": "a@b.fi"}
    assert pairs(await refused(world, "put", plan_id, sent, world.service)) == [
        ("ensikertainen-hyvaksyminen", "required"),
        ("osaamisen-hankkimisen-tarve", "required"),
    ]


@pytest.mark.parametrize("write", ["put", "patch"])
async def test_what_only_get_shows_cannot_be_written(world: World, write: str) -> None:
    """eHOKS's write schemas exclude eid, manuaalisyotto and every part's module-id
    (`:any :excluded`, schema.clj; 400 disallowed-key): each is listed, at its eHOKS path."""
    plan_id = await imported(world)
    exported = (await read(world, plan_id))["ehoksDocument"]
    sent = exported if write == "put" else {key: exported[key] for key in (*GET_ONLY, "sahkoposti")}
    expected = [("eid", "read-only-field"), ("manuaalisyotto", "read-only-field")]
    if write == "put":
        expected += [(f"{path}.module-id", "read-only-field") for path in module_ids(exported)]
    assert sorted(pairs(await refused(world, write, plan_id, sent, world.service))) == sorted(expected)


async def test_patch_refuses_parts_and_nulls(world: World) -> None:
    """eHOKS's HOKSPaivitys excludes the nine part arrays, and its schema fails a null, so a
    PATCH can neither touch parts nor clear a field (§2.6 steps 5 and 7)."""
    plan_id = await imported(world)
    sent = {
        key: document(EXAMPLE)[key]
        for key in ("hankittavat-ammat-tutkinnon-osat", "opiskeluvalmiuksia-tukevat-opinnot")
    }
    sent |= {"sahkoposti": None, "hankittavat-koulutuksen-osat": []}
    assert sorted(pairs(await refused(world, "patch", plan_id, sent, world.service))) == [
        ("hankittavat-ammat-tutkinnon-osat", "part-not-allowed-in-patch"),
        ("hankittavat-koulutuksen-osat", "part-not-allowed-in-patch"),
        ("opiskeluvalmiuksia-tukevat-opinnot", "part-not-allowed-in-patch"),
        ("sahkoposti", "null-not-allowed"),
    ]


@pytest.mark.parametrize(
    ("key", "node", "message"),
    [
        ("opiskeluoikeus-oid", 15, "but updating `opiskeluoikeus-oid` in HOKS is not allowed!"),
        (
            "oppija-oid",
            24,
            "but updating `oppija-oid` in HOKS is only allowed with latest master oppija oid!",
        ),
    ],
)
@pytest.mark.parametrize("write", ["put", "patch"])
async def test_the_oids_cannot_change(world: World, write: str, key: str, node: int, message: str) -> None:
    """eHOKS's `check-for-update!` (§2.6 step 6), in its words."""
    plan_id = await imported(world)
    exported = (await read(world, plan_id))["ehoksDocument"]
    other = make_oid(node, random.Random(7))
    sent = for_writing(exported) | {key: other} if write == "put" else {key: other}
    extensions = await refused(world, write, plan_id, sent, world.service)
    assert pairs(extensions) == [(key, "study-right-mismatch" if node == 15 else "learner-mismatch")]
    assert extensions["violations"][0]["message"].endswith(message)


@pytest.mark.parametrize("write", ["put", "patch"])
async def test_a_body_naming_another_plan_is_refused(world: World, write: str) -> None:
    """eHOKS's PUT and PATCH write the row the body's `id` names, whatever the path said
    (§9.1); here the argument names the plan, and a body naming another is refused."""
    plan_id = await imported(world)
    other_id = await imported(world, "anonymised-example-2.json")
    exported = (await read(world, plan_id))["ehoksDocument"]
    sent = for_writing(exported) if write == "put" else {"sahkoposti": "a@b.fi"}
    extensions = await refused(world, write, plan_id, sent | {"id": int(other_id)}, world.service)
    assert pairs(extensions) == [("id", "plan-id-mismatch")]
    assert (await read(world, other_id))["revision"] == 1


@pytest.mark.parametrize("write", ["put", "patch"])
async def test_a_stale_expected_revision_is_refused(world: World, write: str) -> None:
    """eHOKS has no optimistic locking (§6.3); the gateway's writes do, as replaceHoks and
    updateHoks: the revision read is compared with the one being replaced."""
    plan_id = await imported(world)
    exported = (await read(world, plan_id))["ehoksDocument"]
    sent = for_writing(exported) if write == "put" else {"sahkoposti": "a@b.fi"}
    await written(world, write, plan_id, sent, world.service, revision=1)
    query, _ = WRITES[write]
    body = await world.graphql(query, {"id": plan_id, "d": sent, "rev": 1}, world.service)
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["status"]) == ("REVISION_CONFLICT", 409)
    assert error["extensions"]["currentRevision"] == 2


async def test_every_violation_is_listed_at_once(world: World) -> None:
    """eHOKS reports a document's schema errors together (§2.1); here each at its eHOKS path,
    the rule violations with them."""
    plan_id = await imported(world)
    sent = for_writing((await read(world, plan_id))["ehoksDocument"])
    sent |= {
        "osaamisen-saavuttamisen-pvm": "2017-12-31",
        "sahkoposti": None,
        "x": 1,
        "eid": str(uuid.uuid4()),
    }
    # A workplace period (koulutussopimus), whose identifier transfers require.
    method = sent["hankittavat-ammat-tutkinnon-osat"][0]["osaamisen-hankkimistavat"][1]
    del method["yksiloiva-tunniste"]
    method["alku"], method["loppu"] = method["loppu"], method["alku"]
    at = "hankittavat-ammat-tutkinnon-osat[0].osaamisen-hankkimistavat[1]"
    assert sorted(pairs(await refused(world, "put", plan_id, sent, world.service))) == sorted(
        [
            ("eid", "read-only-field"),
            ("osaamisen-saavuttamisen-pvm", "attainment-date-range"),
            ("sahkoposti", "null-not-allowed"),
            ("x", "disallowed-key"),
            (f"{at}.yksiloiva-tunniste", "workplace-period-identifier-required"),
            (f"{at}.loppu", "date-order"),
        ]
    )


@pytest.mark.parametrize("name", MANUAL_ONLY)
async def test_staff_put_fills_in_missing_identifiers(world: World, name: str) -> None:
    """eHOKS's staff PUT skips rule 2 of §1.5 and fills a workplace period's missing
    yksiloiva-tunniste with a UUID; a service account's PUT is refused for it."""
    plan_id = await imported(world, name, world.staff)
    sent = document(name)
    extensions = await refused(world, "put", plan_id, sent, world.service)
    assert {rule for _, rule in pairs(extensions)} == {"workplace-period-identifier-required"}
    stored = (await written(world, "put", plan_id, sent, world.staff))["ehoksDocument"]
    units = [*stored["hankittavat-ammat-tutkinnon-osat"], *stored["hankittavat-paikalliset-tutkinnon-osat"]]
    units += [area for unit in stored["hankittavat-yhteiset-tutkinnon-osat"] for area in unit["osa-alueet"]]
    methods = [m for unit in units for m in unit["osaamisen-hankkimistavat"]]
    assert methods and all(m["yksiloiva-tunniste"] for m in methods)


@pytest.mark.parametrize("write", ["put", "patch"])
async def test_a_plan_out_of_reach_or_unknown_is_not_found(world: World, write: str) -> None:
    plan_id = await imported(world)
    sent = {"sahkoposti": "a@b.fi"}
    for who, target in ((world.other_service, plan_id), (world.service, "999999"), (world.service, "x")):
        extensions = await refused(world, write, target, sent, who)
        assert (extensions["code"], extensions["status"]) == ("NOT_FOUND", 404)


@pytest.mark.parametrize("write", ["put", "patch"])
async def test_a_document_that_is_not_an_object_is_refused(world: World, write: str) -> None:
    plan_id = await imported(world)
    extensions = await refused(world, write, plan_id, [document(EXAMPLE)], world.service)
    assert extensions["code"] == "BAD_USER_INPUT"


async def test_every_write_and_every_refusal_is_audited(world: World) -> None:
    plan_id = await imported(world)
    exported = (await read(world, plan_id))["ehoksDocument"]
    await refused(world, "put", plan_id, exported, world.service)
    await refused(world, "patch", plan_id, {"sahkoposti": None}, world.service)
    await written(world, "put", plan_id, for_writing(exported), world.service)
    await written(world, "patch", plan_id, {"sahkoposti": "a@b.fi"}, world.service)
    rows = await world.scalar(
        "SELECT array_agg(operation || ':' || outcome ORDER BY id) FROM audit_events "
        "WHERE target_hoks_id = :id AND operation IN ('replaceEhoksDocument', 'patchEhoksDocument')",
        id=int(plan_id),
    )
    assert rows == [
        "replaceEhoksDocument:FAILURE",
        "patchEhoksDocument:FAILURE",
        "replaceEhoksDocument:SUCCESS",
        "patchEhoksDocument:SUCCESS",
    ]
    # The revisions are the typed mutations' own: the same service call made them.
    history = (await read(world, plan_id))["revisions"]["nodes"]
    assert [r["operation"] for r in history] == ["CREATE", "REPLACE", "UPDATE"]
