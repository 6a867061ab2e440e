"""Plan content completed once and shared between requests (graphql/compiled/shared.py).

A plan's parts are kept as JSON per (selection, plan eid and revision, day) and answered to every
caller who may see the plan, never to or from an analyst's pseudonymised view; a new revision, a
new day and a renamed organisation (once its entry ages out) each show at once. Time is a test
clock, never a sleep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import text, update

from hoks_gateway.app import create_app
from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Organisation
from hoks_gateway.graphql.compiled.shared import SharedAnswers
from hoks_gateway.organisations.cache import OrganisationCache
from hoks_gateway.settings import Settings
from tests.auth.helpers import bearer, mint
from tests.client import ADMIN, graphql, pseudonym
from tests.factories import Factory
from tests.graph.test_hoks_content import as_stored, corpus
from tests.read_graph.helpers import staff

PLAN = """query Plan($id: ID!) {
  hoks(id: $id) {
    id
    vocationalUnits {
      unitCodeUri status educationProvider { oid name { fi } }
      acquisitionMethods { startsOn endsOn workplaceTraining { responsibleInstructor { name } } }
    }
  }
}"""

ANALYST = Principal(PrincipalKind.ANALYST, "1.2.246.562.24.79405180789")


class Clocks:
    """The organisation cache's monotonic seconds and the gateway's wall clock, moved together."""

    def __init__(self, wall: dt.datetime = dt.datetime(2019, 1, 10, 9, tzinfo=dt.UTC)) -> None:
        self.seconds = 1000.0
        self.wall = wall

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> dt.datetime:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        self.wall += dt.timedelta(seconds=seconds)


Ask = Callable[..., Any]


@asynccontextmanager
async def gateway(
    database_url: str, data_dir: Path, clocks: Clocks, **settings: Any
) -> AsyncIterator[tuple[Ask, SharedAnswers | None]]:
    configured = Settings(database_url=database_url, data_dir=data_dir, demo=True, **settings)
    app = create_app(configured, clock=clocks.now)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        app.state.organisations = OrganisationCache(60, clocks.monotonic)

        async def ask(plan: int, principal: Principal = ADMIN) -> dict[str, Any]:
            # Signed on the test clock, which may be years from now.
            headers = bearer(mint(configured, principal, clock=clocks.now))
            named = pseudonym(data_dir, Identifier.HOKS, plan) if principal is ANALYST else str(plan)
            body = await graphql(client, PLAN, {"id": named}, headers=headers)
            assert "errors" not in body, body
            found: dict[str, Any] = body["data"]["hoks"]
            return found

        yield ask, app.state.shared_answers


async def plan_naming(factory: Factory, provider: str) -> tuple[int, str]:
    """hoksit.json (three vocational units, demonstrations in 2018-2019) stored with every unit
    carried out by `provider`'s oppilaitos: (plan id, oppilaitos OID)."""
    toimija, oppilaitos = await factory.provider(provider)
    learner = await factory.learner()
    right = await factory.study_right(learner, toimija, oppilaitos)
    sent = corpus("hoksit.json") | {"oppija-oid": learner, "opiskeluoikeus-oid": right}
    for unit in sent["hankittavat-ammat-tutkinnon-osat"]:
        unit["koulutuksen-jarjestaja-oid"] = oppilaitos
    return await factory.hoks(right, learner, oppilaitos, document=as_stored(sent)), oppilaitos


async def test_content_is_completed_once_for_every_caller_but_analysts(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    plan, oppilaitos = await plan_naming(Factory(db), "Omnia")
    clocks = Clocks()
    async with gateway(database_url, tmp_path, clocks) as (ask, shared):
        assert shared is not None
        await ask(plan)  # the organisation is read here: not kept yet, so nothing is shared
        assert len(shared) == 0
        clocks.advance(1)
        admin = await ask(plan)
        kept = len(shared)
        assert kept == 1, "vocationalUnits, whole, with the kept organisation's name"
        seen_by_staff = await ask(plan, staff(oppilaitos))
        assert len(shared) == kept
        seen_by_analyst = await ask(plan, ANALYST)
        assert len(shared) == kept, "an analyst's pseudonymised view is neither kept nor answered from it"
    assert seen_by_staff["vocationalUnits"] == admin["vocationalUnits"]
    assert admin["vocationalUnits"][0]["educationProvider"]["name"]["fi"] == "Omnia, ammattiopisto"
    instructors = [
        m["workplaceTraining"]["responsibleInstructor"]
        for u in seen_by_analyst["vocationalUnits"]
        for m in u["acquisitionMethods"]
        if m["workplaceTraining"]
    ]
    assert instructors and all(i == {"name": None} for i in instructors)


async def test_a_new_revision_is_completed_anew(db: Database, database_url: str, tmp_path: Path) -> None:
    plan, _ = await plan_naming(Factory(db), "Gradia")
    clocks = Clocks()
    async with gateway(database_url, tmp_path, clocks) as (ask, shared):
        assert shared is not None
        await ask(plan)
        clocks.advance(1)
        before = await ask(plan)
        async with db.write() as session:
            await session.execute(
                text(
                    "UPDATE hoks SET revision = revision + 1, document = jsonb_set(document,"
                    " '{hankittavat-ammat-tutkinnon-osat,0,tutkinnon-osa-koodi-uri}',"
                    " '\"tutkinnonosat_999999\"') WHERE id = :id"
                ),
                {"id": plan},
            )
        after = await ask(plan)
    assert before["vocationalUnits"][0]["unitCodeUri"] != "tutkinnonosat_999999"
    assert after["vocationalUnits"][0]["unitCodeUri"] == "tutkinnonosat_999999"


async def test_statuses_are_of_the_day_they_are_asked_on(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    # hoksit.json's first vocational unit counts as completed from 2020-02-24 on (its last
    # demonstration's end): ask just before midnight in Finland, and just after.
    plan, _ = await plan_naming(Factory(db), "Careeria")
    clocks = Clocks(dt.datetime(2020, 2, 23, 21, 59, 30, tzinfo=dt.UTC))
    async with (
        gateway(database_url, tmp_path, clocks) as (ask, shared),
        gateway(database_url, tmp_path, clocks, shared_content_bytes=0) as (ask_unshared, unshared),
    ):
        assert shared is not None and unshared is None
        await ask(plan)
        clocks.advance(1)
        evening = await ask(plan)
        assert len(shared) == 1
        assert evening == await ask_unshared(plan)
        clocks.advance(40)  # the next day; the organisation entries are still fresh
        morning = await ask(plan)
        assert morning == await ask_unshared(plan)
    assert evening["vocationalUnits"][0]["status"] == "SCHEDULED"
    assert morning["vocationalUnits"][0]["status"] == "COMPLETED"


async def test_a_renamed_organisation_shows_in_plan_content_as_its_entry_ages_out(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    plan, oppilaitos = await plan_naming(Factory(db), "Sedu")
    clocks = Clocks()
    async with gateway(database_url, tmp_path, clocks) as (ask, _):
        await ask(plan)  # the organisation is kept from here for 60 s
        clocks.advance(1)
        await ask(plan)  # the content is kept, naming it: no longer than its entry
        async with db.write() as session:
            await session.execute(
                update(Organisation).where(Organisation.oid == oppilaitos).values(name_fi="Sedu Uusi")
            )
        clocks.advance(58)
        kept = await ask(plan)
        clocks.advance(2)
        aged = await ask(plan)
    assert kept["vocationalUnits"][0]["educationProvider"]["name"]["fi"] == "Sedu, ammattiopisto"
    assert aged["vocationalUnits"][0]["educationProvider"]["name"]["fi"] == "Sedu Uusi"


def test_the_bytes_held_are_bounded_least_recently_used_first_out() -> None:
    shared = SharedAnswers(max_bytes=30)
    value = {"a": "x" * 5}  # 13 bytes of JSON
    assert orjson.dumps([shared.put("one", value, until=10)]) == orjson.dumps([value])
    shared.put("two", value, until=10)
    assert shared.get("one", now=0) is not None  # "two" is now the least recently used
    shared.put("three", value, until=10)
    assert (shared.get("one", now=0), shared.get("two", now=0)) == (shared.get("one", now=0), None)
    assert shared.get("three", now=0) is not None
    assert shared.size == 26
    assert shared.get("three", now=10) is None, "aged out at its instant"
    assert (len(shared), shared.size) == (1, 13)
    shared.put("big", {"a": "x" * 40}, until=10)
    assert shared.get("big", now=0) is None, "larger than the bound: answered, not kept"
    assert (len(shared), shared.size) == (1, 13)
