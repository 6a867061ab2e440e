"""A write learns nothing about a study right or plan out of the caller's reach, and every
refused write is audited (docs/API.md, "Rules from the eHOKS service").

The document's violations are judged against the study right (its dates, kind and learner), so
judging a study right the caller cannot see would tell them about it. Such a study right must
answer exactly as one that does not exist.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.identifiers import make_oid
from hoks_gateway.seed import corpus_registry
from tests.transfers.world import SERVICE_B, STAFF_OID, World, as_input, document

IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id } } }"
CREATE = "mutation($i: HoksInput!) { createHoks(input: $i) { hoks { id } } }"
UPDATE = "mutation($id: ID!, $p: HoksPatchInput!) { updateHoks(id: $id, patch: $p) { hoks { id } } }"
EXAMPLE = "anonymised-example-1.json"
# Learner 1.2.246.562.24.44651722625 holds these: a vocational study right and a TUVA one.
VOCATIONAL_PLAN = "hoksit.json"
OWN_TUVA = "1.2.246.562.15.76811942028"
OWN_OTHER_VOCATIONAL = "1.2.246.562.15.76811932045"


def _outsider(world: World, who: str) -> dict[str, str]:
    """Callers of the other provider: its service account, and its staff with READ only."""
    if who == "other service":
        principal = Principal(
            PrincipalKind.SERVICE, SERVICE_B, {world.other_koulutustoimija: frozenset({Privilege.WRITE})}
        )
    else:
        principal = Principal(
            PrincipalKind.STAFF, STAFF_OID, {world.other_koulutustoimija: frozenset({Privilege.READ})}
        )
    return world.token(principal)


def _probing(study_right: str) -> dict[str, Any]:
    """A plan for `study_right` whose violations would describe it: another learner (does this
    learner hold it?), a TUVA course part (is it TUVA?), work periods outside its dates."""
    sent = document(EXAMPLE) | {"opiskeluoikeus-oid": study_right}
    sent["oppija-oid"] = corpus_registry.LEARNER_OIDS[1]
    sent["hankittavat-koulutuksen-osat"] = [
        {
            "koulutuksen-osa-koodi-uri": "koulutuksenosattuva_104",
            "koulutuksen-osa-koodi-versio": 1,
            "alku": "2010-01-01",
            "loppu": "2010-02-01",
            "laajuus": 2,
        }
    ]
    return sent


def _answer(body: dict[str, Any], oid: str) -> tuple[str, dict[str, Any], Any]:
    [error] = body["errors"]
    return error["message"].replace(oid, "<oid>"), error["extensions"], body.get("data")


@pytest.mark.parametrize("mutation", ["import", "create"])
@pytest.mark.parametrize("who", ["other service", "other staff reading"])
async def test_a_study_right_out_of_reach_answers_as_an_unknown_one(
    world: World, who: str, mutation: str
) -> None:
    headers = _outsider(world, who)
    existing = document(EXAMPLE)["opiskeluoikeus-oid"]
    unknown = make_oid(15, random.Random(5))

    async def send(study_right: str) -> dict[str, Any]:
        sent = _probing(study_right)
        if mutation == "import":
            return await world.graphql(IMPORT, {"d": sent}, headers)
        return await world.graphql(CREATE, {"i": as_input(sent)}, headers)

    out_of_reach, absent = await send(existing), await send(unknown)
    assert _answer(out_of_reach, existing) == _answer(absent, unknown), (out_of_reach, absent)
    _, extensions, _ = _answer(out_of_reach, existing)
    assert extensions["code"] == "STUDY_RIGHT_NOT_FOUND" and "violations" not in extensions
    assert await world.scalar("SELECT count(*) FROM hoks") == 0
    # Both attempts are on record; the one on a real study right names its learner.
    rows = await world.scalar(
        "SELECT array_agg(coalesce(target_learner_oid, '-') ORDER BY id) FROM audit_events "
        "WHERE outcome = 'FAILURE'"
    )
    assert rows == [document(EXAMPLE)["oppija-oid"], "-"]


async def test_a_reachable_study_right_keeps_the_ehoks_order(world: World) -> None:
    # Staff who may read the study right see its violations, then the missing privilege.
    reader = world.staff_with(Privilege.READ)
    study_right = document(EXAMPLE)["opiskeluoikeus-oid"]
    [error] = (await world.graphql(IMPORT, {"d": _probing(study_right)}, reader))["errors"]
    rules = {v["rule"] for v in error["extensions"]["violations"]}
    assert {"learner-mismatch", "tuva-part-not-allowed-on-vocational-hoks"} <= rules
    [error] = (await world.graphql(IMPORT, {"d": document(EXAMPLE)}, reader))["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_a_refused_document_is_audited(world: World) -> None:
    invalid = document(EXAMPLE) | {"osaamisen-saavuttamisen-pvm": "2017-01-01"}
    [error] = (await world.graphql(IMPORT, {"d": invalid}, world.service))["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    row = await world.scalar(
        "SELECT row(operation, target_learner_oid)::text FROM audit_events WHERE outcome = 'FAILURE'"
    )
    assert row == f"(importEhoksDocument,{document(EXAMPLE)['oppija-oid']})"


async def test_a_plan_out_of_reach_is_not_found_and_audited(world: World) -> None:
    created = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    body = await world.graphql(
        UPDATE, {"id": plan_id, "p": {"email": "a@b.fi"}}, _outsider(world, "other service")
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    row = await world.scalar(
        "SELECT row(operation, principal_id, target_hoks_id)::text FROM audit_events "
        "WHERE outcome = 'FAILURE'"
    )
    assert row == f"(updateHoks,{SERVICE_B},{plan_id})"


async def test_a_parallel_tuva_study_right_is_the_learners_own(world: World) -> None:
    accepted = await world.graphql(
        IMPORT, {"d": document(VOCATIONAL_PLAN) | {"tuva-opiskeluoikeus-oid": OWN_TUVA}}, world.service
    )
    assert "errors" not in accepted, accepted


@pytest.mark.parametrize(
    ("plan", "named"),
    [
        (EXAMPLE, OWN_TUVA),  # another learner's TUVA study right
        (VOCATIONAL_PLAN, OWN_OTHER_VOCATIONAL),  # the learner's own, but not TUVA
        (VOCATIONAL_PLAN, make_oid(15, random.Random(9))),  # none at all
    ],
)
async def test_a_parallel_tuva_study_right_must_be_the_learners_own_tuva(
    world: World, plan: str, named: str
) -> None:
    body = await world.graphql(
        IMPORT, {"d": document(plan) | {"tuva-opiskeluoikeus-oid": named}}, world.service
    )
    [error] = body["errors"]
    assert [(v["path"], v["rule"]) for v in error["extensions"]["violations"]] == [
        ("tuva-opiskeluoikeus-oid", "tuva-study-right-of-another-learner")
    ]
    assert await world.scalar("SELECT count(*) FROM hoks") == 0


async def test_a_patch_cannot_point_at_another_learners_tuva(world: World) -> None:
    created = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    plan_id = created["data"]["importEhoksDocument"]["hoks"]["id"]
    body = await world.graphql(UPDATE, {"id": plan_id, "p": {"tuvaStudyRightOid": OWN_TUVA}}, world.service)
    [error] = body["errors"]
    assert [v["rule"] for v in error["extensions"]["violations"]] == ["tuva-study-right-of-another-learner"]
