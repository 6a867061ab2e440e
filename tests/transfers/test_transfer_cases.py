"""The eHOKS transfer cases (docs/reference/ehoks-backend.md §8.2) through the typed mutations and the codec:
the same outcome (code and status) as eHOKS, and nothing stored by a refused write."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import text

from hoks_gateway.auth.principal import Privilege
from hoks_gateway.identifiers import make_oid
from tests.hoks_document.test_document_corpus import in_content
from tests.transfers.world import World, as_input, document

CREATE = """
mutation($input: HoksInput!) {
  createHoks(input: $input) { hoks { id revision source firstApprovedOn learner { oid } } }
}
"""
IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id revision } } }"
UPDATE = """
mutation($id: ID!, $patch: HoksPatchInput!, $rev: Int) {
  updateHoks(id: $id, patch: $patch, expectedRevision: $rev) { hoks { id revision email ehoksDocument } }
}
"""
REPLACE = """
mutation($id: ID!, $input: HoksInput!, $rev: Int) {
  replaceHoks(id: $id, input: $input, expectedRevision: $rev) { hoks { id revision ehoksDocument } }
}
"""
DELETE = "mutation($id: ID!) { deleteHoks(id: $id) { hoks { id revision } } }"
RESTORE = "mutation($id: ID!) { restoreHoks(id: $id) { hoks { id revision } } }"
EXAMPLE = "anonymised-example-1.json"


def failure(body: dict[str, Any]) -> tuple[str, int, str]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["extensions"]["status"], error["message"]


async def created(world: World, name: str = EXAMPLE, headers: dict[str, str] | None = None) -> str:
    body = await world.graphql(CREATE, {"input": as_input(document(name))}, headers or world.service)
    assert "errors" not in body, body
    plan_id: str = body["data"]["createHoks"]["hoks"]["id"]
    return plan_id


async def test_create_through_the_typed_input(world: World) -> None:
    body = await world.graphql(CREATE, {"input": as_input(document(EXAMPLE))}, world.service)
    assert "errors" not in body, body
    plan = body["data"]["createHoks"]["hoks"]
    assert (plan["revision"], plan["source"], plan["firstApprovedOn"]) == (1, "TRANSFER", "2023-10-06")
    assert plan["learner"]["oid"] == document(EXAMPLE)["oppija-oid"]
    row = await world.scalar("SELECT organisation_oid FROM hoks WHERE id = :id", id=int(plan["id"]))
    assert row == "1.2.246.562.10.12424158689"


async def test_second_plan_for_a_study_right(world: World) -> None:
    await created(world)
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    assert failure(body) == (
        "HOKS_ALREADY_EXISTS",
        400,
        "HOKS with the same opiskeluoikeus-oid already exists",
    )


async def test_soft_deleted_plan_still_blocks_its_study_right(world: World) -> None:
    plan_id = await created(world)
    assert "errors" not in await world.graphql(DELETE, {"id": plan_id}, world.staff)
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    code, status, message = failure(body)
    assert (code, status) == ("HOKS_ALREADY_EXISTS", 400)
    assert message.startswith("Archived HOKS with given opiskeluoikeus oid found.")


async def test_unknown_study_right(world: World) -> None:
    unknown = make_oid(15, random.Random(3))
    body = await world.graphql(
        IMPORT, {"d": document(EXAMPLE) | {"opiskeluoikeus-oid": unknown}}, world.service
    )
    assert failure(body)[:2] == ("STUDY_RIGHT_NOT_FOUND", 400)


@pytest.mark.parametrize("who", ["other_service", "other_staff"])
async def test_create_outside_ones_organisations(world: World, who: str) -> None:
    # Out of reach reads as unknown (docs/API.md, "Rules from the eHOKS service").
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, getattr(world, who))
    assert failure(body)[:2] == ("STUDY_RIGHT_NOT_FOUND", 400)
    assert await world.scalar("SELECT count(*) FROM hoks") == 0
    # The refusal is audited, against the learner whose study right it was.
    assert await world.scalar("SELECT count(*) FROM audit_events WHERE outcome = 'FAILURE'") == 1


async def test_staff_with_read_only_cannot_enter_plans(world: World) -> None:
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.staff_with(Privilege.READ))
    assert failure(body)[:2] == ("FORBIDDEN", 403)


@pytest.mark.parametrize("who", ["analyst", "learner"])
async def test_learners_and_analysts_do_not_write(world: World, who: str) -> None:
    headers = world.learner(document(EXAMPLE)["oppija-oid"]) if who == "learner" else world.analyst
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, headers)
    assert failure(body)[:2] == ("WRONG_AUTHENTICATION_TYPE", 403)


async def test_validation_is_judged_before_access_and_access_before_duplicates(world: World) -> None:
    # eHOKS's order (§2.6) for a study right the caller reaches: schema (400) before privilege
    # (403) before the duplicate check (400).
    reader = world.staff_with(Privilege.READ)
    invalid = document(EXAMPLE) | {"osaamisen-saavuttamisen-pvm": "2017-01-01"}
    assert failure(await world.graphql(IMPORT, {"d": invalid}, reader))[0] == "BAD_USER_INPUT"
    await created(world)
    assert failure(await world.graphql(IMPORT, {"d": document(EXAMPLE)}, reader))[0] == "FORBIDDEN"


async def test_five_errors_five_violations_nothing_stored(world: World) -> None:
    sent = document(EXAMPLE) | {
        "osaamisen-saavuttamisen-pvm": "2017-01-01",
        "urasuunnitelma-koodi-uri": "ei-koodi",
        "tuntematon-kentta": 1,
        "id": 12,
    }
    del sent["ensikertainen-hyvaksyminen"]
    [error] = (await world.graphql(IMPORT, {"d": sent}, world.service))["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    paths = sorted(v["path"] for v in error["extensions"]["violations"])
    assert paths == sorted(
        [
            "osaamisen-saavuttamisen-pvm",
            "urasuunnitelma-koodi-uri",
            "tuntematon-kentta",
            "id",
            "ensikertainen-hyvaksyminen",
        ]
    )
    assert await world.scalar("SELECT count(*) FROM hoks") == 0
    assert await world.scalar("SELECT count(*) FROM hoks_revisions") == 0


async def test_patch_with_unchanged_oids_is_allowed(world: World) -> None:
    plan_id = await created(world)
    sent = document(EXAMPLE)
    patch = {
        "learnerOid": sent["oppija-oid"],
        "studyRightOid": sent["opiskeluoikeus-oid"],
        "email": "uusi@edu.fi",
    }
    body = await world.graphql(UPDATE, {"id": plan_id, "patch": patch}, world.service)
    assert "errors" not in body, body
    assert body["data"]["updateHoks"]["hoks"]["revision"] == 2


@pytest.mark.parametrize(
    ("field", "key", "message"),
    [
        ("learnerOid", "oppija-oid", "Tried to update `oppija-oid` from"),
        ("studyRightOid", "opiskeluoikeus-oid", "Tried to update `opiskeluoikeus-oid` from"),
    ],
)
@pytest.mark.parametrize("mutation", ["update", "replace"])
async def test_oids_cannot_change(world: World, mutation: str, field: str, key: str, message: str) -> None:
    plan_id = await created(world)
    node = 24 if key == "oppija-oid" else 15
    other = make_oid(node, random.Random(11))
    if mutation == "update":
        body = await world.graphql(UPDATE, {"id": plan_id, "patch": {field: other}}, world.service)
    else:
        changed = as_input(document(EXAMPLE)) | {field: other}
        body = await world.graphql(REPLACE, {"id": plan_id, "input": changed}, world.service)
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["status"]) == ("BAD_USER_INPUT", 400)
    [violation] = error["extensions"]["violations"]
    assert violation["path"] == key and violation["message"].startswith(message)
    stored = await world.scalar("SELECT document ->> :key FROM hoks WHERE id = :id", key=key, id=int(plan_id))
    assert stored == document(EXAMPLE)[key]
    assert await world.scalar("SELECT revision FROM hoks WHERE id = :id", id=int(plan_id)) == 1


async def test_patch_cannot_carry_parts(world: World) -> None:
    plan_id = await created(world)
    parts = as_input(document(EXAMPLE))["vocationalUnits"]
    body = await world.graphql(UPDATE, {"id": plan_id, "patch": {"vocationalUnits": parts}}, world.service)
    # HoksPatchInput has no part fields: GraphQL refuses the variables before any resolver runs.
    assert body["errors"] and body.get("data") is None
    assert await world.scalar("SELECT revision FROM hoks WHERE id = :id", id=int(plan_id)) == 1


async def test_attainment_date_out_of_range_in_a_patch(world: World) -> None:
    plan_id = await created(world)
    body = await world.graphql(
        UPDATE, {"id": plan_id, "patch": {"competenceAttainedOn": "2017-01-01"}}, world.service
    )
    [error] = body["errors"]
    assert [v["rule"] for v in error["extensions"]["violations"]] == ["attainment-date-range"]
    assert "kaksi viikkoa" in error["extensions"]["violations"][0]["message"]


@pytest.mark.parametrize("mutation", ["update", "replace"])
async def test_unknown_plan(world: World, mutation: str) -> None:
    if mutation == "update":
        body = await world.graphql(UPDATE, {"id": "999999", "patch": {"email": "a@b.fi"}}, world.service)
    else:
        body = await world.graphql(
            REPLACE, {"id": "999999", "input": as_input(document(EXAMPLE))}, world.service
        )
    assert failure(body)[:2] == ("NOT_FOUND", 404)


async def test_another_organisations_plan_is_not_found(world: World) -> None:
    plan_id = await created(world)
    body = await world.graphql(UPDATE, {"id": plan_id, "patch": {"email": "a@b.fi"}}, world.other_service)
    assert failure(body)[:2] == ("NOT_FOUND", 404)


async def test_visible_but_not_writable_is_refused(world: World) -> None:
    plan_id = await created(world)
    body = await world.graphql(
        UPDATE, {"id": plan_id, "patch": {"email": "a@b.fi"}}, world.staff_with(Privilege.READ)
    )
    assert failure(body)[:2] == ("FORBIDDEN", 403)


async def test_the_id_comes_from_the_argument_alone(world: World) -> None:
    # §9.1: eHOKS updates the row named in the body. Here a typed input has no id at all, and an
    # eHOKS body with one is refused, so the body can never redirect a write.
    plan_id = await created(world)
    with_id = as_input(document(EXAMPLE)) | {"id": 12345}
    body = await world.graphql(REPLACE, {"id": plan_id, "input": with_id}, world.service)
    assert body["errors"] and body.get("data") is None
    other = document("anonymised-example-2.json") | {"id": int(plan_id)}
    [error] = (await world.graphql(IMPORT, {"d": other}, world.service))["errors"]
    assert [(v["path"], v["rule"]) for v in error["extensions"]["violations"]] == [("id", "read-only-field")]


async def test_replace_removes_left_out_parts_and_follows_the_put_rules(world: World) -> None:
    plan_id = await created(world)
    sent = document(EXAMPLE)
    kept_out = {"puhelinnumero", "sahkoposti", "paivitetty", "hankittavat-yhteiset-tutkinnon-osat"}
    replacement = {k: v for k, v in sent.items() if k not in kept_out}
    body = await world.graphql(REPLACE, {"id": plan_id, "input": as_input(replacement)}, world.service)
    assert "errors" not in body, body
    stored = body["data"]["replaceHoks"]["hoks"]["ehoksDocument"]
    assert stored["puhelinnumero"] == sent["puhelinnumero"], "a left-out phone number is kept (§2.6)"
    assert "sahkoposti" not in stored and "paivitetty" not in stored, "other left-out fields are cleared"
    assert stored["hankittavat-yhteiset-tutkinnon-osat"] == [], "left-out parts are removed"
    key = "hankittavat-ammat-tutkinnon-osat"
    assert in_content(stored[key]) == in_content(sent[key])


async def test_stale_expected_revision(world: World) -> None:
    plan_id = await created(world)
    body = await world.graphql(UPDATE, {"id": plan_id, "patch": {"email": "a@b.fi"}, "rev": 1}, world.service)
    assert body["data"]["updateHoks"]["hoks"]["revision"] == 2
    stale = await world.graphql(
        UPDATE, {"id": plan_id, "patch": {"email": "c@d.fi"}, "rev": 1}, world.service
    )
    assert failure(stale)[:2] == ("REVISION_CONFLICT", 409)


async def test_delete_rules(world: World) -> None:
    plan_id = await created(world)
    service = await world.graphql(DELETE, {"id": plan_id}, world.service)
    assert failure(service)[:2] == ("WRONG_AUTHENTICATION_TYPE", 403)
    no_delete = await world.graphql(
        DELETE, {"id": plan_id}, world.staff_with(Privilege.READ, Privilege.WRITE)
    )
    assert failure(no_delete)[:2] == ("FORBIDDEN", 403)
    deleted = await world.graphql(DELETE, {"id": plan_id}, world.staff)
    assert deleted["data"]["deleteHoks"]["hoks"]["revision"] == 2
    again = await world.graphql(DELETE, {"id": plan_id}, world.staff)
    assert failure(again)[:2] == ("NOT_FOUND", 404)
    read = await world.graphql("query($id: ID!) { hoks(id: $id) { id } }", {"id": plan_id}, world.service)
    assert read["data"]["hoks"] is None
    staff_restore = await world.graphql(RESTORE, {"id": plan_id}, world.staff)
    assert failure(staff_restore)[:2] == ("WRONG_AUTHENTICATION_TYPE", 403)
    restored = await world.graphql(RESTORE, {"id": plan_id}, world.admin)
    assert restored["data"]["restoreHoks"]["hoks"]["revision"] == 3
    assert await world.scalar("SELECT deleted_at FROM hoks WHERE id = :id", id=int(plan_id)) is None


async def test_a_plan_of_an_ended_study_right_is_not_deleted(world: World) -> None:
    plan_id = await created(world)
    async with world.db.write() as session:
        await session.execute(
            text("UPDATE study_rights SET status = 'valmistunut' WHERE oid = :oid"),
            {"oid": document(EXAMPLE)["opiskeluoikeus-oid"]},
        )
    code, status, message = failure(await world.graphql(DELETE, {"id": plan_id}, world.staff))
    assert (code, status) == ("FORBIDDEN", 403) and "no longer active" in message


async def test_every_accepted_write_is_audited(world: World) -> None:
    plan_id = await created(world)
    await world.graphql(UPDATE, {"id": plan_id, "patch": {"email": "a@b.fi"}}, world.service)
    await world.graphql(DELETE, {"id": plan_id}, world.staff)
    operations = await world.scalar(
        "SELECT array_agg(operation ORDER BY id) FROM audit_events "
        "WHERE target_hoks_id = :id AND outcome = 'SUCCESS' AND operation <> 'read'",
        id=int(plan_id),
    )
    assert [o for o in operations if o.endswith("Hoks")] == ["createHoks", "updateHoks", "deleteHoks"]
