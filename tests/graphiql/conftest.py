"""A gateway in demo mode on the demo data set, with the tokens `serve --demo` would print."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from hoks_gateway.auth.demo import prepare_demo_logins
from hoks_gateway.auth.principal import PrincipalKind
from hoks_gateway.seed.run import seed_database
from hoks_gateway.settings import Settings
from tests.client import gateway, graphql


@dataclass(frozen=True, slots=True)
class Demo:
    database_url: str
    data_dir: Path
    tokens: dict[PrincipalKind, str]

    def headers(self, kind: PrincipalKind) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[kind]}"}


@pytest.fixture
async def demo(database_url: str, tmp_path: Path) -> Demo:
    await seed_database(database_url)
    data_dir = tmp_path / "data"
    logins = await prepare_demo_logins(Settings(database_url=database_url, data_dir=data_dir), database_url)
    tokens: dict[PrincipalKind, str] = {}
    async with gateway(database_url, data_dir=data_dir, demo=True) as client:
        for _, token in logins.tokens:
            me = await graphql(client, "{ me { kind } }", headers={"Authorization": f"Bearer {token}"})
            tokens[PrincipalKind(me["data"]["me"]["kind"])] = token
    assert set(tokens) == set(PrincipalKind), f"the demo prints tokens for {sorted(tokens)}"
    return Demo(database_url, data_dir, tokens)
