"""Reading the audit trail: ADMIN's audit events and the learner's own data-access log."""

from __future__ import annotations

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
    nodes { principalKind principalId operation organisationOid learnerOid hoksId outcome }
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
    assert [(e["principalKind"], e["operation"], e["organisation"]["oid"]) for e in log["nodes"]] == [
        ("ADMIN", "StudentView", OPH_ROOT_OID),
        ("STAFF", "StudentView", oppilaitos),
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
                "operation": "StudentView",
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
