"""Migration 0008 on a database that already holds plans: every part gets the module-id the
gateway now gives on every write, where `with_module_ids` puts them; nothing else changes."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text

from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.sessions import Database
from hoks_gateway.hoks.document import with_module_ids
from tests.corpus import load
from tests.factories import Factory
from tests.migrating import database_before
from tests.module_ids import module_ids, without_module_ids


@pytest.fixture
async def before_0008(server_url: str) -> AsyncIterator[str]:
    async with database_before(server_url, "0008") as url:
        yield url


async def test_stored_plans_get_module_ids_on_every_part(before_0008: str) -> None:
    db = Database.connect(before_0008, pool_size=2, max_overflow=0)
    factory = Factory(db)
    kt, ol = await factory.provider("Keuda")
    learner = await factory.learner()
    right = await factory.study_right(learner, kt, ol)
    sent = load("hoksit.json") | {"oppija-oid": learner, "opiskeluoikeus-oid": right}
    plan = await factory.hoks(right, learner, ol, document=sent)
    before = copy.deepcopy(sent)
    async with db.write() as session:
        await session.execute(
            text(
                "INSERT INTO hoks_revisions (hoks_id, number, principal_kind, principal_id, operation, "
                "source, document, changed_paths) "
                "SELECT id, 1, 'SERVICE', 'sis', 'CREATE', source, document, '{}' "
                "FROM hoks WHERE id = :id"
            ),
            {"id": plan},
        )
    conn = await asyncpg.connect(before_0008)
    updated_before = await conn.fetchval("SELECT updated_at FROM hoks WHERE id = $1", plan)
    await db.dispose()

    await asyncio.to_thread(upgrade, before_0008, "head")

    stored = json.loads(await conn.fetchval("SELECT document::text FROM hoks WHERE id = $1", plan))
    revision = json.loads(
        await conn.fetchval("SELECT document::text FROM hoks_revisions WHERE hoks_id = $1", plan)
    )
    expected = copy.deepcopy(before)
    with_module_ids(expected, uuid.uuid4)
    assert set(module_ids(stored)) == set(module_ids(expected)) and len(module_ids(stored)) > 40
    ids = list(module_ids(stored).values())
    assert len(set(ids)) == len(ids) and all(uuid.UUID(i).version == 4 for i in ids)
    assert revision == stored, "the current revision is still the plan as it stands"
    assert without_module_ids(stored) == before, "nothing but the module-ids changed"
    assert await conn.fetchval("SELECT updated_at FROM hoks WHERE id = $1", plan) == updated_before
    assert await conn.fetchval("SELECT telma FROM study_rights WHERE oid = $1", right) is False
    await conn.close()
