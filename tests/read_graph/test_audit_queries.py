"""Reading the audit trail: ADMIN's audit events and the learner's own data-access log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from hoks_gateway.identifiers import OPH_ROOT_OID
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, ANALYST, Ask, codes, learner, staff

READ = "query StudentView($oid: ID!) { learner(oid: $oid) { surname studyRights { hoks { id } } } }"
LOG = """
query($first: Int, $after: String) {
  me { dataAccessLog(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { at principalKind operation organisation { oid } }
  } }
}
"""
EVENTS = """
query($filter: AuditEventFilter, $first: Int) {
  auditEvents(filter: $filter, first: $first) {
    totalCount
    nodes {
      principalKind principalId principalOrganisationOid operation operationId organisationOid learnerOid
      hoksId outcome
    }
  }
}
"""


async def test_learner_sees_which_organisation_read_their_data_but_not_who(
    factory: Factory, ask: Ask
) -> None:
    toimija, oppilaitos = await factory.provider("Tredu")
    person, _right, _plan = await factory.learner_with_plan(toimija, oppilaitos)
    await ask(staff(toimija), READ, oid=person)
    await ask(ADMIN, READ, oid=person)
    await ask(learner(person), READ, oid=person)  # their own read is not "someone else"

    body = await ask(learner(person), LOG)
    log = body["data"]["me"]["dataAccessLog"]
    assert log["totalCount"] == 2
    # The reader's own organisation (the koulutustoimija the official holds privileges on).
    assert [(e["principalKind"], e["operation"], e["organisation"]["oid"]) for e in log["nodes"]] == [
        ("ADMIN", "StudentView", OPH_ROOT_OID),
        ("STAFF", "StudentView", toimija),
    ]
    # Pages follow the cursor, newest first.
    first = await ask(learner(person), LOG, first=1)
    page = first["data"]["me"]["dataAccessLog"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await ask(learner(person), LOG, after=page["pageInfo"]["endCursor"])
    assert [e["principalKind"] for e in rest["data"]["me"]["dataAccessLog"]["nodes"]] == ["STAFF"]
    # The official's identity is not a field of the learner's log at all.
    asked = await ask(learner(person), "{ me { dataAccessLog { nodes { principalId } } } }")
    assert codes(asked) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_admin_queries_audit_events(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Sedu")
    person, _right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    other, _r, _p = await factory.learner_with_plan(toimija, oppilaitos)
    reader = staff(toimija)
    await ask(reader, READ, oid=person)
    await ask(reader, READ, oid=other)

    body = await ask(ADMIN, EVENTS, filter={"learnerOid": person})
    assert body["data"]["auditEvents"] == {
        "totalCount": 1,
        "nodes": [
            {
                "principalKind": "STAFF",
                "principalId": reader.id,
                "principalOrganisationOid": toimija,
                "operation": "StudentView",
                "operationId": "query:learner",
                "organisationOid": oppilaitos,
                "learnerOid": person,
                "hoksId": str(plan),
                "outcome": "SUCCESS",
            }
        ],
    }
    assert (await ask(ADMIN, EVENTS, filter={"principalId": reader.id}))["data"]["auditEvents"][
        "totalCount"
    ] == 2
    assert (await ask(ADMIN, EVENTS, filter={"hoksId": str(plan)}))["data"]["auditEvents"]["totalCount"] == 1
    assert (await ask(ADMIN, EVENTS, filter={"operation": "Other"}))["data"]["auditEvents"]["totalCount"] == 0
    for principal in (reader, ANALYST, learner(person)):
        assert codes(await ask(principal, EVENTS)) == ["WRONG_AUTHENTICATION_TYPE"]


FULL_LOG = "{ me { dataAccessLog { nodes { operation operationId outcome organisation { oid } } } } }"


async def _log(ask: Ask, person: str) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = (await ask(learner(person), FULL_LOG))["data"]["me"]["dataAccessLog"][
        "nodes"
    ]
    return nodes


async def test_the_log_names_the_readers_own_organisation_not_the_plans_school(
    factory: Factory, db: Database, ask: Ask
) -> None:
    """Procured training: staff of the school that delivers it read another school's plan."""
    toimija, plan_school = await factory.provider("Tredu")
    _other_toimija, delivering_school = await factory.provider("Sedu")
    person, right, _plan = await factory.learner_with_plan(toimija, plan_school)
    async with db.write() as session:
        await session.execute(
            text("UPDATE study_rights SET delivering_organisation_oid = :d WHERE oid = :sr"),
            {"d": delivering_school, "sr": right},
        )
    body = await ask(staff(delivering_school), READ, oid=person)
    assert body["data"]["learner"]["studyRights"][0]["hoks"] is not None, body

    assert [e["organisation"]["oid"] for e in await _log(ask, person)] == [delivering_school]
    events = (await ask(ADMIN, EVENTS, filter={"learnerOid": person}))["data"]["auditEvents"]["nodes"]
    assert [(e["principalOrganisationOid"], e["organisationOid"]) for e in events] == [
        (delivering_school, plan_school)
    ]


async def test_refused_attempts_show_as_refused(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Stadin ammattiopisto")
    person, _right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    reader = staff(oppilaitos)  # READ only
    refused = await ask(reader, "mutation($id: ID!) { deleteHoks(id: $id) { hoks { id } } }", id=str(plan))
    assert codes(refused) == ["FORBIDDEN"]
    await ask(reader, READ, oid=person)

    assert [(e["operation"], e["operationId"], e["outcome"]) for e in await _log(ask, person)] == [
        ("StudentView", "query:learner", "ALLOWED"),
        ("deleteHoks", "mutation:deleteHoks", "REFUSED"),
    ]


async def test_the_operation_is_recorded_as_done_beside_the_name_the_client_chose(
    factory: Factory, ask: Ask
) -> None:
    toimija, oppilaitos = await factory.provider("Sataedu")
    person, _right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    disguised = """
    query restoreHoks($oid: ID!, $id: ID!) {
      ... on Query { learner(oid: $oid) { surname } }
      plan: hoks(id: $id) { id }
    }
    """
    body = await ask(staff(toimija), disguised, oid=person, id=str(plan))
    assert "errors" not in body, body

    events = (await ask(ADMIN, EVENTS, filter={"learnerOid": person}))["data"]["auditEvents"]["nodes"]
    assert {(e["operation"], e["operationId"]) for e in events} == {("restoreHoks", "query:hoks,learner")}
    assert [(e["operation"], e["operationId"]) for e in await _log(ask, person)] == [
        ("restoreHoks", "query:hoks,learner")
    ]
