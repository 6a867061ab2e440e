"""The first slice of the graph, read from the database through per-request loaders."""

from __future__ import annotations

from pathlib import Path

from hoks_gateway.db.sessions import Database
from hoks_gateway.identifiers import OPH_ROOT_OID
from tests.client import bearer, gateway, graphql
from tests.factories import Factory

TREE = """
query($oid: ID!) {
  organisation(oid: $oid) {
    oid type name { fi }
    parent { oid }
    children { oid type name { fi } children { oid type parent { oid } } }
  }
}
"""

LEARNER_VIEW = """
query($oid: ID!) {
  learner(oid: $oid) {
    oid firstNames surname
    studyRights {
      oid kind status startedOn qualification { code nameFi }
      oppilaitos { oid name { fi } parent { oid } }
      hoks { id revision source firstApprovedOn organisation { oid } learner { oid } studyRight { oid } }
    }
  }
}
"""


async def test_organisation_tree_walks_parents_and_children(db: Database, database_url: str) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Savon koulutuskuntayhtymä")
    async with gateway(database_url) as client:
        body = await graphql(client, TREE, {"oid": OPH_ROOT_OID})
    root = body["data"]["organisation"]
    assert root["type"] == "ROOT" and root["parent"] is None
    [provider] = root["children"]
    assert provider == {
        "oid": toimija,
        "type": "KOULUTUSTOIMIJA",
        "name": {"fi": "Savon koulutuskuntayhtymä"},
        "children": [{"oid": oppilaitos, "type": "OPPILAITOS", "parent": {"oid": toimija}}],
    }


async def test_learner_study_rights_and_plan_are_linked(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Keudan koulutuskuntayhtymä")
    learner, right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        body = await graphql(client, LEARNER_VIEW, {"oid": learner}, headers=bearer(tmp_path))
    assert "errors" not in body
    view = body["data"]["learner"]
    assert (view["oid"], view["firstNames"], view["surname"]) == (learner, "Aino Maria", "Virtanen")
    [study_right] = view["studyRights"]
    assert study_right["oid"] == right
    assert study_right["oppilaitos"] == {
        "oid": oppilaitos,
        "name": {"fi": "Keudan koulutuskuntayhtymä, ammattiopisto"},
        "parent": {"oid": toimija},
    }
    assert study_right["hoks"] == {
        "id": str(plan),
        "revision": 1,
        "source": "TRANSFER",
        "firstApprovedOn": "2024-09-01",
        "organisation": {"oid": oppilaitos},
        "learner": {"oid": learner},
        "studyRight": {"oid": right},
    }


async def test_unknown_ids_are_null(db: Database, database_url: str, tmp_path: Path) -> None:
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        body = await graphql(
            client,
            '{ learner(oid: "1.2.246.562.24.10000000008") { oid } hoks(id: "999") { id } '
            'badId: hoks(id: "not-a-number") { id } studyRight(oid: "x") { oid } }',
            headers=bearer(tmp_path),
        )
    assert body["data"] == {"learner": None, "hoks": None, "badId": None, "studyRight": None}


async def test_sql_statements_do_not_grow_with_rows(db: Database, database_url: str) -> None:
    """Loaders batch every edge: the statement count depends on the query, not on the rows."""
    factory = Factory(db)
    counts = []
    total = 0
    for added in (1, 4):
        for _ in range(added):
            total += 1
            toimija, oppilaitos = await factory.provider(f"Toimija {total}")
            for _ in range(2):
                await factory.learner_with_plan(toimija, oppilaitos)
        query = (
            '{ organisation(oid: "%s") { children { name { fi } '
            "children { oid parent { oid } children { oid } } } } }"
        )
        async with gateway(database_url, debug_metrics=True) as client:
            body = await graphql(client, query % OPH_ROOT_OID)
        assert len(body["data"]["organisation"]["children"]) == total
        counts.append(body["extensions"]["metrics"]["sqlStatements"])
    assert counts[0] == counts[1], counts
    # root, its children, their children, the parents of those, and the grandchildren: five batches
    assert counts[0] == 5
