"""A storm of refused writes cannot exhaust the pool (docs/operations.md, "Refused writes").

A refused write is audited. That audit once took a second pooled connection while the write's
transaction (and on updates the plan's FOR UPDATE lock) still held the first, so with as many
refusals in flight as the pool has connections every request waited for another until the pool
timeout: HOKS_ALREADY_EXISTS and REVISION_CONFLICT came back as 503 DATABASE_UNAVAILABLE, and
readers of other plans waited with them. Here a pool of 2 takes 24 concurrent refusals (a
provider re-sending creates, stale updates of one plan) while a reader and /readyz ask too.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from tests.client import bearer, gateway
from tests.faults.plans import IMPORT, READ, UPDATE, Plan, code_of, import_plans, plan_document, study_rights

REPEATED_CREATES = 16
STALE_UPDATES = 8


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> tuple[int, str | None]:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response.status_code, code_of(response.json())


async def test_refused_writes_beyond_the_pool_size_are_answered_and_audited(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    pairs = await study_rights(db, 3)
    admin = bearer(tmp_path)
    settings = {"data_dir": tmp_path, "demo": True, "db_pool_size": 2, "db_max_overflow": 0}
    async with gateway(database_url, **settings, db_pool_timeout_s=5) as client:
        created, updated, other = await import_plans(client, admin, pairs)
        creates = [
            _post(client, IMPORT, {"d": plan_document(created.learner, created.study_right)}, admin)
            for _ in range(REPEATED_CREATES)
        ]
        patch = {"email": "uusi@example.fi"}
        updates = [
            _post(client, UPDATE, {"id": str(updated.id), "patch": patch, "rev": 7}, admin)
            for _ in range(STALE_UPDATES)
        ]
        *refusals, read, ready = await asyncio.gather(
            *creates, *updates, _read(client, other, admin), _ready(client)
        )
    assert refusals[:REPEATED_CREATES] == [(200, "HOKS_ALREADY_EXISTS")] * REPEATED_CREATES
    assert refusals[REPEATED_CREATES:] == [(200, "REVISION_CONFLICT")] * STALE_UPDATES
    assert read == (200, other.id)
    assert ready == 200
    async with db.read() as session:
        audited = (
            await session.execute(
                text(
                    "SELECT operation, count(*) FROM audit_events "
                    "WHERE outcome = 'FAILURE' GROUP BY operation"
                )
            )
        ).all()
    assert dict(audited) == {"importEhoksDocument": REPEATED_CREATES, "updateHoks": STALE_UPDATES}


async def _read(client: httpx.AsyncClient, plan: Plan, headers: dict[str, str]) -> tuple[int, int | None]:
    response = await client.post(
        "/graphql", json={"query": READ, "variables": {"id": str(plan.id)}}, headers=headers
    )
    hoks = (response.json().get("data") or {}).get("hoks")
    return response.status_code, int(hoks["id"]) if hoks else None


async def _ready(client: httpx.AsyncClient) -> int:
    return (await client.get("/readyz")).status_code
