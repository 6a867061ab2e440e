"""Revisions, the plan as it stood at a moment, and the approval history."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hoks_gateway.authz.pseudonyms import Identifier
from tests.client import pseudonym
from tests.transfers.world import World, as_input, document

EXAMPLE = "anonymised-example-1.json"
IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id updatedAt } } }"
UPDATE = """
mutation($id: ID!, $p: HoksPatchInput!) { updateHoks(id: $id, patch: $p) { hoks { revision updatedAt } } }
"""
REPLACE = """
mutation($id: ID!, $i: HoksInput!) { replaceHoks(id: $id, input: $i) { hoks { revision updatedAt } } }
"""
HISTORY = """
query($id: ID!, $first: Int, $after: String) {
  hoks(id: $id) {
    revision
    revisions(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node { number operation source principalKind principalId changedPaths organisation { oid } }
      }
    }
    revisionByNumber(number: 1) { number ehoksDocument }
  }
}
"""
AS_OF = """
query($id: ID!, $at: DateTime) { hoks(id: $id, asOf: $at) { revision email vocationalUnits { unitCodeUri } } }
"""
APPROVALS = """
query($id: ID!) {
  hoks(id: $id) {
    approvalHistory {
      kind approvedOn approvedAt underPreviousLegislation valid revision principalKind organisation { oid }
    }
  }
}
"""


async def ok(world: World, query: str, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    body = await world.graphql(query, variables, headers)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def three_versions(world: World) -> tuple[str, list[str]]:
    """Create (transfer), patch (transfer), replace with a work period moved (staff)."""
    sent = document(EXAMPLE)
    created = await ok(world, IMPORT, {"d": sent}, world.service)
    plan_id = created["importEhoksDocument"]["hoks"]["id"]
    times = [created["importEhoksDocument"]["hoks"]["updatedAt"]]
    patched = await ok(world, UPDATE, {"id": plan_id, "p": {"email": "uusi@edu.keuda.fi"}}, world.service)
    times.append(patched["updateHoks"]["hoks"]["updatedAt"])
    changed = document(EXAMPLE)
    changed["hankittavat-ammat-tutkinnon-osat"][0]["osaamisen-hankkimistavat"][1]["loppu"] = "2024-05-20"
    del changed["hankittavat-ammat-tutkinnon-osat"][7]
    replaced = await ok(world, REPLACE, {"id": plan_id, "i": as_input(changed)}, world.staff)
    times.append(replaced["replaceHoks"]["hoks"]["updatedAt"])
    return plan_id, times


async def test_every_write_is_a_revision_with_its_changed_paths(world: World) -> None:
    plan_id, _ = await three_versions(world)
    data = await ok(world, HISTORY, {"id": plan_id}, world.staff)
    plan = data["hoks"]
    assert plan["revision"] == 3
    nodes = [edge["node"] for edge in plan["revisions"]["edges"]]
    assert [(n["number"], n["operation"], n["source"], n["principalKind"]) for n in nodes] == [
        (1, "CREATE", "TRANSFER", "SERVICE"),
        (2, "UPDATE", "TRANSFER", "SERVICE"),
        (3, "REPLACE", "MANUAL", "STAFF"),
    ]
    assert "hankittavat-ammat-tutkinnon-osat" in nodes[0]["changedPaths"]
    assert nodes[1]["changedPaths"] == ["sahkoposti"]
    assert nodes[2]["changedPaths"] == [
        "sahkoposti",
        "hankittavat-ammat-tutkinnon-osat[0].osaamisen-hankkimistavat[1].loppu",
        "hankittavat-ammat-tutkinnon-osat[7]",
    ]
    assert nodes[0]["principalId"] == "sis-keuda"
    assert {n["organisation"]["oid"] for n in nodes} == {"1.2.246.562.10.12424158689"}
    assert plan["revisionByNumber"]["ehoksDocument"]["sahkoposti"] == document(EXAMPLE)["sahkoposti"]


async def test_revisions_are_a_relay_connection(world: World) -> None:
    plan_id, _ = await three_versions(world)
    first = (await ok(world, HISTORY, {"id": plan_id, "first": 2}, world.staff))["hoks"]["revisions"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    after = first["pageInfo"]["endCursor"]
    rest = await ok(world, HISTORY, {"id": plan_id, "first": 2, "after": after}, world.staff)
    page = rest["hoks"]["revisions"]
    assert [e["node"]["number"] for e in page["edges"]] == [3] and not page["pageInfo"]["hasNextPage"]
    # A revision number is no cursor: cursors are the server's, sealed for the kind of caller.
    for made_up in ("2", after[:-2]):
        refused = await world.graphql(HISTORY, {"id": plan_id, "first": 2, "after": made_up}, world.staff)
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["BAD_USER_INPUT"]
    admins = await world.graphql(HISTORY, {"id": plan_id, "first": 2, "after": after}, world.admin)
    assert "another kind of caller" in admins["errors"][0]["message"]


async def test_the_plan_as_it_stood(world: World) -> None:
    plan_id, times = await three_versions(world)
    between = (
        dt.datetime.fromisoformat(times[1])
        + (dt.datetime.fromisoformat(times[2]) - dt.datetime.fromisoformat(times[1])) / 2
    )
    then = (await ok(world, AS_OF, {"id": plan_id, "at": between.isoformat()}, world.staff))["hoks"]
    assert then["revision"] == 2 and then["email"] == "uusi@edu.keuda.fi"
    assert len(then["vocationalUnits"]) == 8
    now = (await ok(world, AS_OF, {"id": plan_id, "at": None}, world.staff))["hoks"]
    assert now["revision"] == 3 and len(now["vocationalUnits"]) == 7
    before = dt.datetime.fromisoformat(times[0]) - dt.timedelta(seconds=1)
    assert (await ok(world, AS_OF, {"id": plan_id, "at": before.isoformat()}, world.staff))["hoks"] is None


async def test_approval_history(world: World) -> None:
    # hoksit.json: first approval 2017-10-25 (previous legislation) on a study right that started
    # 2018-11-15, so it cannot be valid; a later approval follows.
    sent = document("hoksit.json")
    plan_id = (await ok(world, IMPORT, {"d": sent}, world.service))["importEhoksDocument"]["hoks"]["id"]
    await ok(world, UPDATE, {"id": plan_id, "p": {"approvedAt": "2024-03-01T10:00:00Z"}}, world.service)
    await ok(world, UPDATE, {"id": plan_id, "p": {"email": "x@y.fi"}}, world.service)
    learner = world.learner(sent["oppija-oid"])
    history = (await ok(world, APPROVALS, {"id": plan_id}, learner))["hoks"]["approvalHistory"]
    assert [
        (a["kind"], a["approvedOn"], a["underPreviousLegislation"], a["valid"], a["revision"])
        for a in history
    ] == [
        ("FIRST", "2017-10-25", True, False, 1),
        ("LATER", "2017-10-26", True, False, 1),
        ("LATER", "2024-03-01", False, True, 2),
    ]
    assert history[2]["approvedAt"] == "2024-03-01T10:00:00+00:00"
    assert {a["principalKind"] for a in history} == {"SERVICE"}


async def test_learners_see_who_wrote_by_organisation_only(world: World) -> None:
    plan_id, _ = await three_versions(world)
    learner = world.learner(document(EXAMPLE)["oppija-oid"])
    nodes = [
        e["node"] for e in (await ok(world, HISTORY, {"id": plan_id}, learner))["hoks"]["revisions"]["edges"]
    ]
    assert {n["principalId"] for n in nodes} == {None}
    assert all(n["organisation"] for n in nodes)


async def test_analysts_get_revision_documents_without_personal_data(world: World) -> None:
    plan_id, _ = await three_versions(world)
    # Analysts name the plan by its pseudonym; its real id finds nothing for them.
    assert (await ok(world, HISTORY, {"id": plan_id}, world.analyst))["hoks"] is None
    data = await ok(
        world, HISTORY, {"id": pseudonym(world.data_dir, Identifier.HOKS, plan_id)}, world.analyst
    )
    exported = data["hoks"]["revisionByNumber"]["ehoksDocument"]
    assert exported["sahkoposti"] is None and exported["puhelinnumero"] is None
    sent = document(EXAMPLE)
    assert exported["oppija-oid"].startswith("pseudonym:learner:")
    assert exported["opiskeluoikeus-oid"].startswith("pseudonym:study-right:")
    assert exported["id"].startswith("pseudonym:hoks:")
    periods = [
        m for u in sent["hankittavat-ammat-tutkinnon-osat"] for m in u.get("osaamisen-hankkimistavat", [])
    ]
    identifiers = [
        sent["oppija-oid"],
        sent["opiskeluoikeus-oid"],
        *(m["yksiloiva-tunniste"] for m in periods if "yksiloiva-tunniste" in m),
        *(
            m["tyopaikalla-jarjestettava-koulutus"]["tyopaikan-y-tunnus"]
            for m in periods
            if "tyopaikan-y-tunnus" in m.get("tyopaikalla-jarjestettava-koulutus", {})
        ),
    ]
    assert len(identifiers) > 4
    shown = json.dumps(data)
    assert [i for i in identifiers if f'"{i}"' in shown] == []
