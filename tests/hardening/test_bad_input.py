"""Input the gateway once answered with a 500 and an ERROR traceback: each is now the client's
error (BAD_USER_INPUT, or BAD_REQUEST for a body that is no GraphQL request), says what to fix,
and logs nothing at ERROR; dates at the ends of the calendar are simply dates."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.db.sessions import Database
from tests.client import ADMIN, bearer, gateway
from tests.corpus import load
from tests.factories import Factory

GRAPHQL_RESPONSE = {"Accept": "application/graphql-response+json"}
BIGGER_THAN_BIGINT = str(2**64)


@dataclass
class Client:
    http: httpx.AsyncClient
    headers: dict[str, str]
    db: Database

    async def post(self, query: str, variables: dict[str, Any] | None = None, **body: Any) -> httpx.Response:
        payload = {"query": query, "variables": variables or {}} | body
        return await self.http.post("/graphql", json=payload, headers=self.headers)


@dataclass
class Plan:
    learner: str
    study_right: str
    oppilaitos: str
    koulutustoimija: str
    id: int


@pytest.fixture
async def plan(db: Database) -> Plan:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Keski-Uudenmaan koulutuskuntayhtymä Keuda")
    learner, right, plan_id = await factory.learner_with_plan(toimija, oppilaitos)
    return Plan(learner, right, oppilaitos, toimija, plan_id)


@pytest.fixture
async def admin(database_url: str, tmp_path: Path, db: Database) -> AsyncIterator[Client]:
    async with gateway(database_url, demo=True, data_dir=tmp_path) as http:
        yield Client(http, bearer(tmp_path, ADMIN) | GRAPHQL_RESPONSE, db)


@pytest.fixture(autouse=True)
def no_error_is_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.WARNING):
        yield
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], errors


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors") or []]


def refused(response: httpx.Response, code: str = "BAD_USER_INPUT", status: int = 400) -> str:
    """The refusal's message, after checking it is the one expected."""
    assert (response.status_code, codes(response)) == (status, [code]), response.text
    assert "data" not in response.json()
    message: str = response.json()["errors"][0]["message"]
    return message


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($s: String) { learners(search: $s) { totalCount } }", {"s": "Virtanen\x00"}),
        ("query($o: ID!) { learner(oid: $o) { oid } }", {"o": "1.2.246.562.24.\x00"}),
        ("query($o: ID!) { studyRight(oid: $o) { oid } }", {"o": "\x00"}),
        (
            "query($f: AuditEventFilter) { auditEvents(filter: $f) { totalCount } }",
            {"f": {"principalId": "\x00"}},
        ),
        (
            "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id } } }",
            {"d": {"x": ["a\x00"]}},
        ),
        ("mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id } } }", {"d": {"a\x00": 1}}),
    ],
    ids=["search", "learner OID", "study right OID", "audit filter", "in a JSON value", "in a JSON key"],
)
async def test_a_nul_in_a_variable_is_refused(admin: Client, query: str, variables: dict[str, Any]) -> None:
    message = refused(await admin.post(query, variables))
    assert "NUL character (U+0000)" in message and f"${next(iter(variables))}" in message


async def test_a_nul_in_a_literal_is_refused(admin: Client) -> None:
    message = refused(await admin.post('{\n  learners(search: "Aino\\u0000") { totalCount } }'))
    assert message.startswith("The string on line 2 of the document contains a NUL character")


async def test_a_nul_is_refused_before_any_write(admin: Client, plan: Plan, db: Database) -> None:
    document = load("hoks_yksi_tutkinnonosa.json") | {
        "oppija-oid": plan.learner,
        "opiskeluoikeus-oid": plan.study_right,
        "sahkoposti": "oppija\x00@example.fi",
    }
    mutation = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id } } }"
    refused(await admin.post(mutation, {"d": document}))
    async with db.read() as session:
        assert await session.scalar(text("SELECT count(*) FROM hoks")) == 1  # the factory's


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ("query($v: ID!) { hoks(id: $v) { id } }", "hoks"),
        ("query($v: ID!) { node(id: $v) { id } }", "node"),
        ("mutation($v: ID!) { deleteHoks(id: $v) { hoks { id } } }", "deleteHoks"),
        ("query($v: ID!) { auditEvents(filter: {hoksId: $v}) { totalCount } }", "auditEvents"),
    ],
)
async def test_an_id_beyond_64_bits_is_the_clients_error(admin: Client, query: str, argument: str) -> None:
    response = await admin.post(query, {"v": BIGGER_THAN_BIGINT})
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["path"] == [argument]
    assert error["message"] == f"{BIGGER_THAN_BIGINT} is not a HOKS id: they are numbers up to {2**63 - 1}."


@pytest.mark.parametrize("digits", ["²", "١٢٣", BIGGER_THAN_BIGINT])
async def test_digits_that_are_no_id_match_nothing(admin: Client, plan: Plan, digits: str) -> None:
    # str.isdigit() says yes to all three; int() refuses the first two, bigint the third.
    searched = await admin.post("query($s: String) { learners(search: $s) { totalCount } }", {"s": digits})
    assert searched.json() == {"data": {"learners": {"totalCount": 0}}}
    if digits != BIGGER_THAN_BIGINT:
        found = await admin.post("query($v: ID!) { hoks(id: $v) { id } node(id: $v) { id } }", {"v": digits})
        assert found.json() == {"data": {"hoks": None, "node": None}}
        audit = "query($v: ID!) { auditEvents(filter: {hoksId: $v}) { totalCount } }"
        assert (await admin.post(audit, {"v": digits})).json() == {"data": {"auditEvents": {"totalCount": 0}}}


AS_OF = "query($id: ID!, $at: DateTime) { hoks(id: $id, asOf: $at) { id } }"
IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id progress { planned } } } }"


async def imported(admin: Client, plan: Plan) -> str:
    """A plan written through the gateway (so it has its revisions), for the plan's learner."""
    started = dt.date(2019, 8, 1)
    right = await Factory(admin.db).study_right(
        plan.learner, plan.koulutustoimija, plan.oppilaitos, started_on=started
    )
    document = load("hoks_yksi_tutkinnonosa.json") | {"oppija-oid": plan.learner, "opiskeluoikeus-oid": right}
    response = await admin.post(IMPORT, {"d": document})
    assert codes(response) == [], response.text
    plan_id: str = response.json()["data"]["importEhoksDocument"]["hoks"]["id"]
    return plan_id


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2025-01-01T00:00:00", "has no UTC offset: give one"),
        ("9999-12-31T23:59:59-14:00", "is outside the years 1 to 9999 in UTC"),
        ("0001-01-01T00:00:00+14:00", "is outside the years 1 to 9999 in UTC"),
        ("2025-13-01T00:00Z", "is not an ISO 8601 date and time"),
    ],
)
async def test_a_datetime_must_be_an_instant(admin: Client, plan: Plan, value: str, why: str) -> None:
    plan_id = await imported(admin, plan)
    message = refused(await admin.post(AS_OF, {"id": plan_id, "at": value}))
    assert message.startswith(f"Variable '$at' has invalid value: '{value}' {why}")


async def test_an_instant_with_an_offset_is_taken(admin: Client, plan: Plan) -> None:
    plan_id = await imported(admin, plan)
    response = await admin.post(AS_OF, {"id": plan_id, "at": "9999-12-31T23:59:59+00:00"})
    assert response.json() == {"data": {"hoks": {"id": plan_id}}}


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
async def test_statistics_as_of_the_ends_of_the_calendar(admin: Client, plan: Plan, as_of: str) -> None:
    await imported(admin, plan)
    query = "query($d: Date) { transferStatistics(asOf: $d) { asOf hoksCount } }"
    now = (await admin.post(query)).json()["data"]["transferStatistics"]["hoksCount"]
    response = await admin.post(query, {"d": as_of})
    expected = now if as_of.startswith("9999") else 0
    assert now > 0
    assert response.json() == {"data": {"transferStatistics": {"asOf": as_of, "hoksCount": expected}}}


def _with_dates(document: Any, day: str) -> Any:
    if isinstance(document, dict):
        return {key: _with_dates(value, day) for key, value in document.items()}
    if isinstance(document, list):
        return [_with_dates(value, day) for value in document]
    return day if isinstance(document, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", document) else document


@pytest.mark.parametrize("day", ["9999-12-31", "9999-12-17"])
async def test_a_plan_dated_at_the_end_of_the_calendar(admin: Client, db: Database, day: str) -> None:
    # Its rules count five years from a period's start, its progress two weeks from a
    # demonstration's end: both run past the last date there is.
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Sataedu")
    learner = await factory.learner()
    right = await factory.study_right(learner, toimija, oppilaitos, started_on=dt.date(2020, 8, 1))
    document = _with_dates(load("anonymised-example-1.json"), day)
    document |= {"oppija-oid": learner, "opiskeluoikeus-oid": right}
    response = await admin.post(IMPORT, {"d": document})
    assert codes(response) == [], response.text
    assert response.json()["data"]["importEhoksDocument"]["hoks"]["progress"]["planned"] >= 0


@pytest.mark.parametrize(
    ("body", "kind"), [('"x"', "a string"), ("5", "a number"), ("null", "null"), ("true", "a boolean")]
)
async def test_a_body_that_is_no_json_object_is_a_bad_request(admin: Client, body: str, kind: str) -> None:
    headers = admin.headers | {"Content-Type": "application/json"}
    response = await admin.http.post("/graphql", content=body, headers=headers)
    message = refused(response, "BAD_REQUEST")
    assert message == f'Send a JSON object, {{"query": "…", "variables": {{…}}}}; got {kind}.'


async def test_an_operation_name_the_audit_cannot_record_is_refused_unread(
    admin: Client, plan: Plan, db: Database
) -> None:
    read = 'query {name} {{ hoks(id: "{id}") {{ id }} }}'
    long_name, longest = "A" * 65, "B" * 64
    message = refused(await admin.post(read.format(name=long_name, id=plan.id)))
    assert (
        message == "The operation name is 65 characters long; the audit trail records at most 64: shorten it."
    )
    sent_apart = await admin.post(read.format(name=long_name, id=plan.id), operationName=long_name)
    assert codes(sent_apart) == ["BAD_USER_INPUT"]
    accepted = await admin.post(read.format(name=longest, id=plan.id))
    assert accepted.json() == {"data": {"hoks": {"id": str(plan.id)}}}
    async with db.read() as session:
        recorded = (await session.execute(text("SELECT operation FROM audit_events"))).scalars().all()
    assert recorded == [longest]


async def test_a_learner_sees_the_same_refusals(
    database_url: str, tmp_path: Path, plan: Plan, db: Database
) -> None:
    learner = Principal(PrincipalKind.LEARNER, plan.learner)
    async with gateway(database_url, demo=True, data_dir=tmp_path) as http:
        client = Client(http, bearer(tmp_path, learner) | GRAPHQL_RESPONSE, db)
        refused(
            await client.post("query($o: ID!) { learner(oid: $o) { oid } }", {"o": f"{plan.learner}\x00"})
        )
        response = await client.post("query($v: ID!) { hoks(id: $v) { id } }", {"v": BIGGER_THAN_BIGINT})
        assert codes(response) == ["BAD_USER_INPUT"]
