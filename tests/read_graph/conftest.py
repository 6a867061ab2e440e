from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hoks_gateway.db.sessions import Database
from tests.factories import Factory
from tests.read_graph.helpers import Ask, asking


@pytest.fixture
async def ask(database_url: str, tmp_path: Path) -> AsyncIterator[Ask]:
    async with asking(database_url, tmp_path) as run:
        yield run


@pytest.fixture
def factory(db: Database) -> Factory:
    return Factory(db)
