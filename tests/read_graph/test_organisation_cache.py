"""Organisations kept per worker for HOKS_ORGANISATION_CACHE_S (organisations/cache.py).

A kept organisation costs no statement; a changed one shows once its entry has aged out; an
unknown OID is kept as unknown; 0 turns keeping off. Time is a test clock, never a sleep.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

from hoks_gateway.app import create_app
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Organisation
from hoks_gateway.organisations.cache import OrganisationCache
from hoks_gateway.settings import Settings
from tests.client import bearer, graphql
from tests.factories import Factory

QUERY = "query Org($oid: ID!) { organisation(oid: $oid) { name { fi } } }"
PLAN = """query Plan($id: ID!) {
  hoks(id: $id) { organisation { name { fi } } studyRight { oppilaitos { oid } } }
}"""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Ask = Callable[..., Any]


@asynccontextmanager
async def gateway(database_url: str, data_dir: Path, cache: OrganisationCache) -> AsyncIterator[Ask]:
    app = create_app(Settings(database_url=database_url, data_dir=data_dir, demo=True, debug_metrics=True))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        app.state.organisations = cache

        async def ask(query: str, **variables: Any) -> tuple[Any, int]:
            body = await graphql(client, query, variables, headers=bearer(data_dir))
            assert "errors" not in body, body
            return body["data"], body["extensions"]["metrics"]["sqlStatements"]

        yield ask


async def rename(db: Database, oid: str, name: str) -> None:
    async with db.write() as session:
        await session.execute(update(Organisation).where(Organisation.oid == oid).values(name_fi=name))


async def test_a_kept_organisation_costs_no_statement_until_it_ages_out(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    _, oppilaitos = await Factory(db).provider("Ammattiopisto Alku")
    clock = Clock()
    async with gateway(database_url, tmp_path, OrganisationCache(60, clock)) as ask:
        first, first_sql = await ask(QUERY, oid=oppilaitos)
        await rename(db, oppilaitos, "Ammattiopisto Uusi")
        clock.now += 59
        kept, kept_sql = await ask(QUERY, oid=oppilaitos)
        clock.now += 2
        aged, aged_sql = await ask(QUERY, oid=oppilaitos)
    assert (first_sql, kept_sql, aged_sql) == (1, 0, 1)
    assert first["organisation"]["name"]["fi"] == kept["organisation"]["name"]["fi"] != "Ammattiopisto Uusi"
    assert aged["organisation"]["name"]["fi"] == "Ammattiopisto Uusi"


async def test_an_unknown_oid_is_kept_as_unknown(db: Database, database_url: str, tmp_path: Path) -> None:
    async with gateway(database_url, tmp_path, OrganisationCache(60, Clock())) as ask:
        answers = [await ask(QUERY, oid="1.2.246.562.10.00000000001") for _ in range(2)]
    assert answers == [({"organisation": None}, 1), ({"organisation": None}, 0)]


async def test_zero_reads_every_time(db: Database, database_url: str, tmp_path: Path) -> None:
    _, oppilaitos = await Factory(db).provider("Ammattiopisto Alku")
    async with gateway(database_url, tmp_path, OrganisationCache(0, Clock())) as ask:
        counts = [(await ask(QUERY, oid=oppilaitos))[1] for _ in range(3)]
        await rename(db, oppilaitos, "Ammattiopisto Uusi")
        renamed, _ = await ask(QUERY, oid=oppilaitos)
    assert counts == [1, 1, 1]
    assert renamed["organisation"]["name"]["fi"] == "Ammattiopisto Uusi"


async def test_edges_to_kept_organisations_are_not_loaded(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Ammattiopisto Alku")
    _, _, plan = await factory.learner_with_plan(toimija, oppilaitos)
    async with gateway(database_url, tmp_path, OrganisationCache(60, Clock())) as ask:
        cold, cold_sql = await ask(PLAN, id=str(plan))
        warm, warm_sql = await ask(PLAN, id=str(plan))
    assert cold == warm
    assert warm["hoks"]["organisation"]["name"]["fi"].startswith("Ammattiopisto Alku")
    # The plan, its study right and the audit row stay; the organisation batch does not.
    assert warm_sql == cold_sql - 1
