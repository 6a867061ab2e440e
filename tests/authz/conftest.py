from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.urls import with_database
from hoks_gateway.settings import Settings
from tests.auth.helpers import MovableClock, running, settings_for, write_key
from tests.authz.world import World, build_world


@pytest.fixture(scope="session")
def key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_key(tmp_path_factory.mktemp("keys") / "signing-key.pem")


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="module")
async def module_database_url(server_url: str, template_database: str) -> AsyncIterator[str]:
    """One database for a module whose tests only read: the matrix builds its world once."""
    name = f"hoks_authz_{uuid.uuid4().hex[:10]}"
    admin = with_database(server_url, "postgres")
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    finally:
        await conn.close()
    yield with_database(server_url, name)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def world(module_database_url: str) -> AsyncIterator[World]:
    db = Database.connect(module_database_url, pool_size=2, max_overflow=0)
    try:
        yield await build_world(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def module_key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_key(tmp_path_factory.mktemp("authz-keys") / "signing-key.pem")


@pytest.fixture(scope="module")
async def gateway_client(
    module_database_url: str, module_key_path: Path, world: World
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    settings = settings_for(module_database_url, module_key_path)
    async with running(settings, system_clock) as client:
        yield client, settings
