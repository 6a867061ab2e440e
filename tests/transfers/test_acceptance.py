"""Issue 5's acceptance scenario, end to end over GraphQL.

A provider's service account transfers the four service-valid corpus documents, updates one and
replaces another; the revisions show each step with its changed paths; the learner sees the plan
and its approval history; staff enter the other four corpus documents by hand.
"""

from __future__ import annotations

from typing import Any

from tests.transfers.world import MANUAL_ONLY, TRANSFERABLE, World, as_input, document

CREATE = "mutation($i: HoksInput!) { createHoks(input: $i) { hoks { id source revision } } }"
UPDATE = """
mutation($id: ID!, $p: HoksPatchInput!, $r: Int) {
  updateHoks(id: $id, patch: $p, expectedRevision: $r) { hoks { revision } }
}
"""
REPLACE = """
mutation($id: ID!, $i: HoksInput!, $r: Int) {
  replaceHoks(id: $id, input: $i, expectedRevision: $r) { hoks { revision } }
}
"""
IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id source ehoksDocument } } }"
REVISIONS = """
query($id: ID!) { hoks(id: $id) { revisions { edges { node { number operation changedPaths } } } } }
"""
LEARNER_VIEW = """
query($oid: ID!, $id: ID!) {
  learner(oid: $oid) { oid }
  hoks(id: $id) {
    id firstApprovedOn email progress { total }
    approvalHistory { kind approvedOn underPreviousLegislation valid revision }
  }
}
"""


async def ok(world: World, query: str, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    body = await world.graphql(query, variables, headers)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_transfers_updates_history_learner_view_and_manual_entry(world: World) -> None:
    ids = {}
    for name in TRANSFERABLE:
        created = (await ok(world, CREATE, {"i": as_input(document(name))}, world.service))["createHoks"][
            "hoks"
        ]
        assert (created["source"], created["revision"]) == ("TRANSFER", 1)
        ids[name] = created["id"]

    updated = ids["anonymised-example-1.json"]
    patch = {"email": "uusi.osoite@edu.keuda.fi", "approvedAt": "2024-06-01T09:00:00Z"}
    assert (await ok(world, UPDATE, {"id": updated, "p": patch, "r": 1}, world.service))["updateHoks"][
        "hoks"
    ]["revision"] == 2

    replaced = ids["anonymised-example-2.json"]
    changed = document("anonymised-example-2.json")
    changed["hankittavat-ammat-tutkinnon-osat"][1]["osaamisen-hankkimistavat"][0]["loppu"] = "2025-05-30"
    assert (await ok(world, REPLACE, {"id": replaced, "i": as_input(changed), "r": 1}, world.service))[
        "replaceHoks"
    ]["hoks"]["revision"] == 2

    history = (await ok(world, REVISIONS, {"id": updated}, world.service))["hoks"]["revisions"]["edges"]
    steps = [(e["node"]["number"], e["node"]["operation"], e["node"]["changedPaths"]) for e in history]
    assert steps[1] == (2, "UPDATE", ["sahkoposti", "hyvaksytty"])
    assert steps[0][:2] == (1, "CREATE")
    history = (await ok(world, REVISIONS, {"id": replaced}, world.service))["hoks"]["revisions"]["edges"]
    assert [e["node"]["changedPaths"] for e in history][1] == [
        "hankittavat-ammat-tutkinnon-osat[1].osaamisen-hankkimistavat[0].loppu"
    ]

    learner_oid = document("anonymised-example-1.json")["oppija-oid"]
    view = await ok(world, LEARNER_VIEW, {"oid": learner_oid, "id": updated}, world.learner(learner_oid))
    assert view["learner"]["oid"] == learner_oid
    assert view["hoks"]["email"] == "uusi.osoite@edu.keuda.fi"
    assert view["hoks"]["progress"]["total"] > 0
    assert view["hoks"]["approvalHistory"] == [
        {
            "kind": "FIRST",
            "approvedOn": "2023-10-06",
            "underPreviousLegislation": False,
            "valid": True,
            "revision": 1,
        },
        {
            "kind": "LATER",
            "approvedOn": "2024-06-01",
            "underPreviousLegislation": False,
            "valid": True,
            "revision": 2,
        },
    ]
    someone_else = await world.graphql(
        LEARNER_VIEW, {"oid": learner_oid, "id": updated}, world.learner(world.other_learner)
    )
    assert someone_else["data"]["hoks"] is None

    for name in MANUAL_ONLY:
        entered = (await ok(world, IMPORT, {"d": document(name)}, world.staff))["importEhoksDocument"]["hoks"]
        assert entered["source"] == "MANUAL" and entered["ehoksDocument"]["manuaalisyotto"] is True
    assert await world.scalar("SELECT count(*) FROM hoks") == 8
    assert await world.scalar("SELECT count(*) FROM hoks_revisions") == 10


async def test_a_plan_read_before_and_after_a_write_shows_each_revision(world: World) -> None:
    # Parsed plans are kept per process by (eid, revision) (hoks/repository.py): the read after
    # a write must see the new revision, never the parsed copy of the one before.
    name = "anonymised-example-1.json"
    created = (await ok(world, CREATE, {"i": as_input(document(name))}, world.service))["createHoks"]["hoks"]
    learner_oid = document(name)["oppija-oid"]
    variables = {"oid": learner_oid, "id": created["id"]}
    before = await ok(world, LEARNER_VIEW, variables, world.learner(learner_oid))
    patch = {"email": "toinen.osoite@edu.keuda.fi"}
    await ok(world, UPDATE, {"id": created["id"], "p": patch, "r": 1}, world.service)
    after = await ok(world, LEARNER_VIEW, variables, world.learner(learner_oid))
    assert before["hoks"]["email"] != "toinen.osoite@edu.keuda.fi"
    assert after["hoks"]["email"] == "toinen.osoite@edu.keuda.fi"
