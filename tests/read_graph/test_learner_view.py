"""The learner's own view in one request: me → learner → study rights → whole plans with every
part, statuses and organisation names; and the same few SQL statements however much there is."""

from __future__ import annotations

from typing import Any

from bench.views import LEARNER_VIEW
from tests.factories import Factory
from tests.graph.test_hoks_content import store
from tests.read_graph.helpers import ADMIN, Ask, learner, sql


async def test_the_whole_view_in_one_request(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Koulutuskeskus Salpaus")
    plan_id, sent = await store(factory, "hoksit.json", toimija, oppilaitos)
    person = sent["oppija-oid"]
    body = await ask(learner(person), LEARNER_VIEW)
    assert "errors" not in body, body
    me = body["data"]["me"]
    assert me["kind"] == "LEARNER"
    assert me["learner"]["oid"] == person and me["learner"]["surname"] == "Virtanen"
    [right] = me["learner"]["studyRights"]
    assert right["oppilaitos"]["name"]["fi"] == "Koulutuskeskus Salpaus, ammattiopisto"
    assert right["koulutustoimija"]["name"]["fi"] == "Koulutuskeskus Salpaus"
    assert right["transferRequired"] is True
    plan = right["hoks"]
    assert plan["id"] == str(plan_id)
    assert plan["organisation"]["name"]["fi"] == "Koulutuskeskus Salpaus, ammattiopisto"
    assert len(plan["vocationalUnits"]) == len(sent["hankittavat-ammat-tutkinnon-osat"])
    statuses = [u["status"] for u in plan["vocationalUnits"]]
    assert statuses and set(statuses) <= {"PLANNED", "SCHEDULED", "COMPLETED"}
    assert plan["progress"]["total"] >= len(statuses)
    # The learner's own contact data is theirs to see.
    assert plan["email"] == sent.get("sahkoposti")


async def test_me_learner_is_null_for_other_kinds(ask: Ask) -> None:
    body = await ask(ADMIN, "{ me { kind learner { oid } dataAccessLog { totalCount } } }")
    assert body["data"]["me"] == {"kind": "ADMIN", "learner": None, "dataAccessLog": None}


async def _sql_of_view(factory: Factory, ask: Ask, plans: int) -> tuple[int, dict[str, Any]]:
    toimija, oppilaitos = await factory.provider(f"Toimija {plans}")
    person = await factory.learner()
    for _ in range(plans):
        right = await factory.study_right(person, toimija, oppilaitos)
        await factory.hoks(right, person, oppilaitos)
    body = await ask(learner(person), LEARNER_VIEW)
    assert "errors" not in body, body
    assert len(body["data"]["me"]["learner"]["studyRights"]) == plans
    return sql(body), body


async def test_sql_statements_do_not_grow_with_study_rights(factory: Factory, ask: Ask) -> None:
    one, _ = await _sql_of_view(factory, ask, 1)
    four, _ = await _sql_of_view(factory, ask, 4)
    assert one == four, (one, four)
