"""A scratch database migrated up to just before one migration, to run that migration on data."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from alembic.script import ScriptDirectory

from hoks_gateway.db.migrate import alembic_config, upgrade
from hoks_gateway.db.urls import with_database
from tests.conftest import RUN_ID


@asynccontextmanager
async def database_before(server_url: str, revision: str) -> AsyncIterator[str]:
    """The URL of a new database at the revision `revision` follows; dropped afterwards."""
    name = f"hoks_test_{RUN_ID}_{revision}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = with_database(server_url, name)
        before = ScriptDirectory.from_config(alembic_config(url)).get_revision(revision).down_revision
        assert isinstance(before, str)
        await asyncio.to_thread(upgrade, url, before)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
