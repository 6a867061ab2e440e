"""A full disk is DATABASE_FULL: 503 with Retry-After, nothing half-written, /readyz says so.

It once came back as INTERNAL with a traceback per request. The disk is really full: the plan
tables of the test's own PostgreSQL live in a tablespace on a small tmpfs that the test fills, so
PostgreSQL reports SQLSTATE 53100 when they must grow (tests/faults/small_disk.py).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from hoks_gateway.db.embedded import EmbeddedPostgres
from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.sessions import Database
from tests.client import bearer, gateway
from tests.faults.plans import IMPORT, code_of, import_plans, plan_document, study_rights
from tests.faults.small_disk import fill, small_disk

PUBLIC = "query($oid: ID!) { organisation(oid: $oid) { oid } }"


def big_plan(learner: str, study_right: str) -> dict[str, Any]:
    """A plan whose stored form needs new pages: 40 KB of text that does not compress."""
    return plan_document(learner, study_right) | {"puhelinnumero": secrets.token_hex(20_000)}


async def test_a_full_disk_is_503_database_full_and_nothing_is_half_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg-data")
    url = pg.start()
    try:
        with small_disk(tmp_path / "disk", pg._server.system_user) as space:
            await asyncio.to_thread(upgrade, url)
            conn = await asyncpg.connect(url)
            try:
                await conn.execute(f"CREATE TABLESPACE small LOCATION '{space}'")
                await conn.execute("ALTER TABLE hoks SET TABLESPACE small")
                await conn.execute("ALTER TABLE hoks_revisions SET TABLESPACE small")
            finally:
                await conn.close()
            db = Database.connect(url, pool_size=1, max_overflow=0)
            pairs = await study_rights(db, 2)
            async with db.read() as session:
                oppilaitos = await session.scalar(text("SELECT oppilaitos_oid FROM study_rights LIMIT 1"))
            await db.dispose()
            admin = bearer(tmp_path)
            async with gateway(url, data_dir=tmp_path, demo=True) as client:
                await import_plans(client, admin, pairs[:1])
                filler = fill(space)
                caplog.clear()
                with caplog.at_level(logging.WARNING):
                    refused = await client.post(
                        "/graphql",
                        json={"query": IMPORT, "variables": {"d": big_plan(*pairs[1])}},
                        headers=admin,
                    )
                    public = await client.post(
                        "/graphql", json={"query": PUBLIC, "variables": {"oid": oppilaitos}}
                    )
                    ready = await client.get("/readyz")
                filler.unlink()
                accepted = await client.post(
                    "/graphql", json={"query": IMPORT, "variables": {"d": big_plan(*pairs[1])}}, headers=admin
                )
                recovered = await client.get("/readyz")
            conn = await asyncpg.connect(url)
            try:
                counts = await conn.fetchrow(
                    "SELECT (SELECT count(*) FROM hoks) AS plans, "
                    "(SELECT count(*) FROM hoks_revisions) AS revisions"
                )
            finally:
                await conn.close()
    finally:
        pg.stop()
    body = refused.json()
    assert (refused.status_code, code_of(body)) == (503, "DATABASE_FULL"), body
    assert refused.headers["Retry-After"] == "30" and "disk is full" in body["errors"][0]["message"]
    assert public.status_code == 200 and public.json()["data"]["organisation"]["oid"] == oppilaitos
    assert (ready.status_code, ready.json()["database"]) == (503, "disk-full")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], (
        "a known condition was logged as a bug"
    )
    assert accepted.status_code == 200 and code_of(accepted.json()) is None, accepted.json()
    assert recovered.status_code == 200
    assert (counts["plans"], counts["revisions"]) == (2, 2)  # the refused write left nothing
