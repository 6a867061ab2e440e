"""Test databases: a real PostgreSQL, a template migrated once, a fresh copy per test.

HOKS_TEST_DATABASE_URL selects a server (CI: the machine's local one). Without it, an embedded
server is started for the run under a temporary directory.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from hoks_gateway import logs
from hoks_gateway.db.embedded import EmbeddedPostgres
from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.urls import with_database

RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
TEMPLATE = f"hoks_test_template_{RUN_ID}"


_OWN_BASETEMP = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """Each run's temporary files in a folder of its own, open to the embedded PostgreSQL's user.

    pytest's shared /tmp/pytest-of-<user> is reset to mode 0700 by every pytest run that starts,
    which locks the embedded servers of a run already going (they run as another user) out of
    their data directories whenever two suites share a machine.
    """
    if config.option.basetemp is None:
        base = Path(tempfile.mkdtemp(prefix="hoks-tests-"))
        base.chmod(0o755)
        config.option.basetemp = base
        config.stash[_OWN_BASETEMP] = base


def pytest_unconfigure(config: pytest.Config) -> None:
    base = config.stash.get(_OWN_BASETEMP, None)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _logging_left_as_found() -> Iterator[None]:
    """The CLI's main() configures logging for its whole process (logs.py): a test that calls it
    in this one must not leave that configuration (and its INFO level) to the tests after it."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in [h for h in root.handlers if h.name == logs.HANDLER]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A libpq URL of a PostgreSQL server, connected to its maintenance database."""
    configured = os.environ.get("HOKS_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    with EmbeddedPostgres(tmp_path_factory.mktemp("pg")) as url:
        yield url


async def _admin(server_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def template_database(server_url: str) -> AsyncIterator[str]:
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{TEMPLATE}"', f'CREATE DATABASE "{TEMPLATE}"')
    # Alembic's async env runs its own event loop, so it gets a thread.
    await asyncio.to_thread(upgrade, with_database(server_url, TEMPLATE))
    yield TEMPLATE
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')


@pytest.fixture
async def database_url(server_url: str, template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated, empty database for one test."""
    name = f"hoks_test_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield with_database(server_url, name)
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url, pool_size=4, max_overflow=4)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
