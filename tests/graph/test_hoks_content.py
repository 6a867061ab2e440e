"""A plan's parts in the graph: resolved from the stored document, statuses computed, personal
data hidden from analysts, and no SQL per part."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.db.sessions import Database
from hoks_gateway.hoks.document import StudyRightFacts, StudyRightKind, parse_ehoks, to_storage
from tests.client import bearer, gateway, graphql, pseudonym
from tests.corpus import corpus_dir
from tests.factories import Factory
from tests.hoks_document.test_document_corpus import in_content

CORPUS = corpus_dir()

PLAN = """
query($id: ID!) {
  hoks(id: $id) {
    id email phone competenceAttainedOn sourceUpdatedAt
    progress { planned scheduled completed total }
    vocationalUnits {
      unitCodeUri status
      acquisitionMethods {
        startsOn endsOn identifier
        workplaceTraining { workplaceName responsibleInstructor { name email } }
      }
      demonstrations { startsOn endsOn }
    }
    commonUnits { unitCodeUri subjectAreas { subjectAreaCodeUri status } }
    previousVocationalUnits { unitCodeUri }
    learningSupport { __typename }
    ehoksDocument
  }
}
"""


def corpus(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    return loaded


def as_stored(sent: dict[str, Any], tuva_oids: frozenset[str] | None = None) -> dict[str, Any]:
    """A document for a vocational study right that started 2018-11-15, as the write path
    stores it."""
    facts = StudyRightFacts(
        oid=sent["opiskeluoikeus-oid"],
        kind=StudyRightKind.VOCATIONAL,
        status="lasna",
        started_on=dt.date(2018, 11, 15),
        planned_end_on=None,
        learner_oid=sent["oppija-oid"],
        learner_tuva_oids=tuva_oids,
    )
    return to_storage(
        parse_ehoks(sent, mode="create", manual=False, study_right=facts, today=dt.date(2026, 11, 28))
    )


async def store(factory: Factory, name: str, toimija: str, oppilaitos: str) -> tuple[int, dict[str, Any]]:
    """A corpus document stored for a fresh learner and study right, as the write path stores it."""
    learner = await factory.learner()
    right = await factory.study_right(learner, toimija, oppilaitos)
    sent = corpus(name) | {"oppija-oid": learner, "opiskeluoikeus-oid": right}
    return await factory.hoks(right, learner, oppilaitos, document=as_stored(sent)), sent


async def test_parts_resolve_from_the_stored_document(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Omnia")
    plan_id, sent = await store(factory, "hoksit.json", toimija, oppilaitos)
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        body = await graphql(client, PLAN, {"id": str(plan_id)}, headers=bearer(tmp_path))
    assert "errors" not in body, body
    plan = body["data"]["hoks"]
    assert len(plan["vocationalUnits"]) == len(sent["hankittavat-ammat-tutkinnon-osat"])
    assert len(plan["commonUnits"]) == len(sent["hankittavat-yhteiset-tutkinnon-osat"])
    assert len(plan["previousVocationalUnits"]) == len(sent["aiemmin-hankitut-ammat-tutkinnon-osat"])
    assert [u["unitCodeUri"] for u in plan["vocationalUnits"]] == [
        u["tutkinnon-osa-koodi-uri"] for u in sent["hankittavat-ammat-tutkinnon-osat"]
    ]
    statuses = [u["status"] for u in plan["vocationalUnits"]] + [
        a["status"] for u in plan["commonUnits"] for a in u["subjectAreas"]
    ]
    assert set(statuses) <= {"PLANNED", "SCHEDULED", "COMPLETED"}
    # hoksit.json's demonstrations all lie years in the past.
    assert "COMPLETED" in statuses
    counted = plan["progress"]
    assert counted["total"] == len(statuses) + len(sent.get("hankittavat-paikalliset-tutkinnon-osat", []))
    assert counted["completed"] >= statuses.count("COMPLETED")
    exported = plan["ehoksDocument"]
    assert exported["id"] == plan_id
    assert exported["manuaalisyotto"] is False
    # As eHOKS's GET gives it: the stored parts, with [] for the lists left out.
    assert in_content(exported["hankittavat-ammat-tutkinnon-osat"]) == in_content(
        json.loads(
            json.dumps(
                to_storage(
                    parse_ehoks(
                        sent, mode="create", manual=False, study_right=None, today=dt.date(2026, 11, 28)
                    )
                )
            )
        )["hankittavat-ammat-tutkinnon-osat"]
    )


async def test_analysts_see_no_personal_data(db: Database, database_url: str, tmp_path: Path) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Gradia")
    plan_id, sent = await store(factory, "anonymised-example-1.json", toimija, oppilaitos)
    analyst = Principal(PrincipalKind.ANALYST, "1.2.246.562.24.79405180789")
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        admin_view = await graphql(client, PLAN, {"id": str(plan_id)}, headers=bearer(tmp_path))
        named = pseudonym(tmp_path, Identifier.HOKS, plan_id)
        analyst_view = await graphql(client, PLAN, {"id": named}, headers=bearer(tmp_path, analyst))
    assert "errors" not in analyst_view, analyst_view
    seen, hidden = admin_view["data"]["hoks"], analyst_view["data"]["hoks"]
    assert seen["phone"] == sent["puhelinnumero"]
    assert hidden["phone"] is None
    assert hidden["email"] is None
    instructors = [
        m["workplaceTraining"]["responsibleInstructor"]
        for u in hidden["vocationalUnits"]
        for m in u["acquisitionMethods"]
        if m["workplaceTraining"]
    ]
    assert instructors, "the example has workplace periods"
    assert all(i == {"name": None, "email": None} for i in instructors)
    document = json.dumps(hidden["ehoksDocument"])
    assert sent["oppija-oid"] not in document
    assert sent["puhelinnumero"] not in document
    for instructor in (
        m["tyopaikalla-jarjestettava-koulutus"]["vastuullinen-tyopaikka-ohjaaja"]
        for u in sent["hankittavat-ammat-tutkinnon-osat"]
        for m in u.get("osaamisen-hankkimistavat", [])
        if "tyopaikalla-jarjestettava-koulutus" in m
    ):
        assert instructor["nimi"] not in document
    # The content itself is still there for statistics.
    assert hidden["ehoksDocument"]["hankittavat-ammat-tutkinnon-osat"][0]["tutkinnon-osa-koodi-uri"]
    assert hidden["ehoksDocument"]["oppija-oid"].startswith("pseudonym:learner:")


async def test_parts_cost_no_sql_per_plan(db: Database, database_url: str, tmp_path: Path) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Sedu")
    learner = await factory.learner()
    query = """query($oid: ID!) { learner(oid: $oid) { studyRights { hoks {
      vocationalUnits { status acquisitionMethods { startsOn } } progress { total } ehoksDocument } } } }"""
    counts = []
    stored = 0
    for plans in (1, 5):
        while stored < plans:
            stored += 1
            right = await factory.study_right(learner, toimija, oppilaitos)
            sent = corpus("anonymised-example-2.json") | {"oppija-oid": learner, "opiskeluoikeus-oid": right}
            await factory.hoks(right, learner, oppilaitos, document=sent)
        async with gateway(database_url, data_dir=tmp_path, demo=True, debug_metrics=True) as client:
            body = await graphql(client, query, {"oid": learner}, headers=bearer(tmp_path))
        assert "errors" not in body, body
        assert len(body["data"]["learner"]["studyRights"]) == plans
        counts.append(body["extensions"]["metrics"]["sqlStatements"])
    assert counts[0] == counts[1], counts


async def test_organisation_oids_in_parts_resolve_to_names(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Koulutuskeskus Salpaus")
    learner = await factory.learner()
    right = await factory.study_right(learner, toimija, oppilaitos)
    sent = corpus("hoksit.json") | {"oppija-oid": learner, "opiskeluoikeus-oid": right}
    for unit in sent["hankittavat-ammat-tutkinnon-osat"]:
        unit["koulutuksen-jarjestaja-oid"] = toimija
    plan = await factory.hoks(right, learner, oppilaitos, document=sent)
    query = (
        "query($id: ID!) { hoks(id: $id) { vocationalUnits { "
        "educationProviderOid educationProvider { name { fi } } } } }"
    )
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        body = await graphql(client, query, {"id": str(plan)}, headers=bearer(tmp_path))
    units = body["data"]["hoks"]["vocationalUnits"]
    assert units
    assert all(u["educationProviderOid"] == toimija for u in units)
    assert all(u["educationProvider"] == {"name": {"fi": "Koulutuskeskus Salpaus"}} for u in units)
