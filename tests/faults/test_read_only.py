"""A read-only database (default_transaction_read_only, a standby after failover) is said so.

It once came back as INTERNAL (500, a traceback per request) for writes; reads failed too,
because the rate limiter and the read audit write; a failed read audit was 400 under
application/graphql-response+json; and /readyz stayed 200. Now: writes and personal-data reads
are 503 DATABASE_READ_ONLY with Retry-After whatever the media type (personal data stays
withheld while its read can't be audited), public data is still served, /readyz is 503, nothing
is logged as unexpected, and everything works again once the database takes writes.

The setting is made for the test's own database only (ALTER DATABASE), so it reaches the
gateway's new connections and nobody else's.
"""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from hoks_gateway.db.urls import with_database
from tests.client import bearer, gateway
from tests.faults.plans import IMPORT, READ, code_of, import_plans, plan_document, study_rights

GRAPHQL_RESPONSE = {"Accept": "application/graphql-response+json"}
PUBLIC = "query($oid: ID!) { organisation(oid: $oid) { oid } }"


async def _set_read_only(server_url: str, database: str, on: bool) -> None:
    conn = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        change = "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
        await conn.execute(f'ALTER DATABASE "{database}" {change}')
    finally:
        await conn.close()


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, object], headers: dict[str, str]
) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def test_a_read_only_database_is_503_database_read_only_until_it_takes_writes(
    db: Database, database_url: str, server_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    admin = bearer(tmp_path)
    pairs = await study_rights(db, 2)
    async with db.read() as session:
        oppilaitos = await session.scalar(text("SELECT oppilaitos_oid FROM study_rights LIMIT 1"))
    database = database_url.rsplit("/", 1)[1].split("?")[0]
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        [plan] = await import_plans(client, admin, pairs[:1])
    await _set_read_only(server_url, database, True)  # for connections made from now on
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        try:
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                refused = [
                    (
                        await _post(client, IMPORT, {"d": plan_document(*pairs[1])}, admin | accept),
                        await _post(client, READ, {"id": str(plan.id)}, admin | accept),
                    )
                    for accept in ({}, GRAPHQL_RESPONSE)
                ]
                public = await _post(client, PUBLIC, {"oid": oppilaitos}, {})
                ready = await client.get("/readyz")
        finally:
            await _set_read_only(server_url, database, False)
        recovered_ready = await client.get("/readyz")
        recovered_write = await _post(client, IMPORT, {"d": plan_document(*pairs[1])}, admin)
    for write, read in refused:
        for response in (write, read):
            body = response.json()
            assert (response.status_code, code_of(body)) == (503, "DATABASE_READ_ONLY"), body
            assert response.headers["Retry-After"] == "30"
            assert "read-only" in body["errors"][0]["message"]
        assert (read.json().get("data") or {}).get("hoks") is None  # withheld: its read wasn't audited
    assert public.status_code == 200 and public.json()["data"]["organisation"]["oid"] == oppilaitos
    assert (ready.status_code, ready.json()["database"]) == (503, "read-only")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], (
        "a known condition was logged as a bug"
    )
    assert recovered_ready.status_code == 200
    assert recovered_write.status_code == 200 and code_of(recovered_write.json()) is None


async def test_personal_data_whose_read_audit_fails_is_withheld_with_503(
    db: Database, database_url: str, server_url: str, tmp_path: Path
) -> None:
    """Without the rate limiter in front, only the read audit writes: its failure is a 503 that
    clients retry, under either media type (it once was 400 under graphql-response+json)."""
    admin = bearer(tmp_path)
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        [plan] = await import_plans(client, admin, await study_rights(db, 1))
    await _set_read_only(server_url, database_url.rsplit("/", 1)[1].split("?")[0], True)
    async with gateway(database_url, data_dir=tmp_path, demo=True, rate_limit_requests=0) as client:
        reads = [
            await _post(client, READ, {"id": str(plan.id)}, admin | accept)
            for accept in ({}, GRAPHQL_RESPONSE)
        ]
    for read in reads:
        body = read.json()
        assert (read.status_code, code_of(body)) == (503, "DATABASE_READ_ONLY"), body
        assert (body.get("data") or {}).get("hoks") is None
