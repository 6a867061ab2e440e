"""A write that waited for another write's lock until statement_timeout is PLAN_BUSY, retryable.

It once said QUERY_TIMEOUT ("ask for less at once"), which tells a provider to change a request
that was fine: the plan was busy. The lock is held here by a real transaction of another
connection (SELECT ... FOR UPDATE), as a long write of the same plan would hold it.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg

from hoks_gateway.db.sessions import Database
from tests.client import bearer, gateway
from tests.faults.plans import UPDATE, code_of, import_plans, study_rights


async def test_a_write_that_waited_for_a_held_plan_is_plan_busy_and_retryable(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    admin = bearer(tmp_path)
    async with gateway(database_url, data_dir=tmp_path, demo=True, db_statement_timeout_ms=500) as client:
        [plan] = await import_plans(client, admin, await study_rights(db, 1))
        update = {
            "query": UPDATE,
            "variables": {"id": str(plan.id), "patch": {"email": "uusi@example.fi"}, "rev": 1},
        }
        holder = await asyncpg.connect(database_url)
        try:
            async with holder.transaction():
                await holder.execute("SELECT 1 FROM hoks WHERE id = $1 FOR UPDATE", plan.id)
                busy = await client.post("/graphql", json=update, headers=admin)
                revision_while_held = await holder.fetchval(
                    "SELECT revision FROM hoks WHERE id = $1", plan.id
                )
        finally:
            await holder.close()
        retried = await client.post("/graphql", json=update, headers=admin)
    body = busy.json()
    assert code_of(body) == "PLAN_BUSY", body
    assert "another write" in body["errors"][0]["message"] and "Retry" in body["errors"][0]["message"]
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert revision_while_held == 1
    assert retried.status_code == 200 and retried.json()["data"]["updateHoks"]["hoks"]["revision"] == 2
