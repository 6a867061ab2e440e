"""Only the gateway's own errors reach clients. Real faults are provoked in PostgreSQL (no patching):
a broken table is INTERNAL with an id that the log holds, an unreachable server is
DATABASE_UNAVAILABLE, a statement that outlives statement_timeout is QUERY_TIMEOUT."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import asyncpg
import pytest

from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.identifiers import OPH_ROOT_OID
from tests.client import bearer, gateway, graphql

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere"
ORGANISATION = "query($oid: ID!) { organisation(oid: $oid) { oid name { fi } } }"


async def _sql(database_url: str, statement: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def test_unexpected_errors_are_masked_and_logged_with_an_id(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The code expects a column the database no longer has: a genuine defect, as after a bad deploy.
    await _sql(database_url, "ALTER TABLE organisations RENAME COLUMN name_fi TO name_fi_gone")
    caplog.set_level(logging.ERROR, logger="hoks_gateway.errors")
    async with gateway(database_url) as client:
        response = await client.post(
            "/graphql", json={"query": ORGANISATION, "variables": {"oid": OPH_ROOT_OID}}
        )
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL" and error["extensions"]["status"] == 500
    error_id = error["extensions"]["errorId"]
    assert error_id in error["message"]
    leaked = response.text.lower()
    for secret in (
        "name_fi_gone",
        "name_fi",
        "undefinedcolumn",
        "select",
        "asyncpg",
        "sqlalchemy",
        "traceback",
    ):
        assert secret not in leaked, secret
    [record] = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.exc_info is not None and "name_fi" in str(record.exc_info[1])


async def test_an_unreachable_database_is_503_database_unavailable_not_internal() -> None:
    async with gateway(UNREACHABLE, db_connect_timeout_s=1) as client:
        response = await client.post(
            "/graphql", json={"query": ORGANISATION, "variables": {"oid": OPH_ROOT_OID}}
        )
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert "127.0.0.1" not in response.text and "refused" not in response.text.lower()


async def test_a_statement_past_the_timeout_is_cancelled_with_query_timeout(database_url: str) -> None:
    # Another session holds the table: the gateway's read waits until statement_timeout fires.
    holder = await asyncpg.connect(database_url)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE")
        async with gateway(database_url, db_statement_timeout_ms=200) as client:
            body = await asyncio.wait_for(graphql(client, ORGANISATION, {"oid": OPH_ROOT_OID}), timeout=30)
        await transaction.rollback()
    finally:
        await holder.close()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TIMEOUT"]


async def test_a_database_outage_while_authenticating_is_503_too(tmp_path: Path) -> None:
    """A service account's token is checked against PostgreSQL before any GraphQL runs."""
    service = bearer(tmp_path, Principal(PrincipalKind.SERVICE, "sis"))
    async with gateway(UNREACHABLE, db_connect_timeout_s=1, demo=True, data_dir=tmp_path) as client:
        response = await client.post("/graphql", json={"query": "{ me { kind } }"}, headers=service)
        token = await client.post("/auth/token", data={"grant_type": "client_credentials"})
    for answer in (response, token):
        assert answer.status_code == 503, answer.text
        assert [e["extensions"]["code"] for e in answer.json()["errors"]] == ["DATABASE_UNAVAILABLE"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        # An input field the type does not have.
        ("mutation($i: HoksInput!) { createHoks(input: $i) { hoks { id } } }", {"i": {"bogus": 1}}),
        # A value no ID can represent.
        ("query($id: ID!) { hoks(id: $id) { id } }", {"id": {"x": 1}}),
    ],
)
async def test_variable_coercion_errors_are_the_clients_not_internal(
    database_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    query: str,
    variables: dict[str, object],
) -> None:
    caplog.set_level(logging.ERROR, logger="hoks_gateway.errors")
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={**bearer(tmp_path), "Accept": "application/graphql-response+json"},
        )
    body = response.json()
    assert response.status_code == 400
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Internal error" not in error["message"]
    assert caplog.records == [], "a client's bad variables are not a server fault"


async def test_logged_database_errors_carry_no_personal_data(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A statement that fails after a bad deploy is logged, but not its parameters (OIDs, names)."""
    learner = "1.2.246.562.24.44651722625"
    await _sql(database_url, "ALTER TABLE learners RENAME COLUMN surname TO surname_gone")
    caplog.set_level(logging.DEBUG)
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        body = await graphql(
            client,
            "query($oid: ID!) { learner(oid: $oid) { surname } }",
            {"oid": learner},
            headers=bearer(tmp_path),
        )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "unexpected error" in caplog.text, "the fault itself is logged"
    assert learner not in caplog.text
