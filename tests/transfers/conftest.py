from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hoks_gateway.db.sessions import Database
from tests.transfers.world import World, build_world


@pytest.fixture
async def world(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async with build_world(db, database_url, tmp_path) as built:
        yield built
