"""transferStatistics on known data: a seeded rollout and a hand-made one with known months."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from bench.views import STATISTICS
from hoks_gateway.db.sessions import Database
from hoks_gateway.seed.run import SeedOptions, seed_database
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, ANALYST, Ask, codes, staff


async def test_a_seeded_rollout_reports_plans_and_providers_started(database_url: str, ask: Ask) -> None:
    await seed_database(database_url, SeedOptions(hoks=120, providers=12, providers_started=5, seed=7))
    body = await ask(ANALYST, STATISTICS)
    assert "errors" not in body, body
    stats = body["data"]["transferStatistics"]
    assert (stats["hoksCount"], stats["providersStarted"], stats["providersTotal"]) == (120, 5, 12)
    providers = stats["byProvider"]
    assert len(providers) == 12 and sum(p["hoksCount"] for p in providers) == 120
    assert sum(p["started"] for p in providers) == 5
    # Most plans first: the started providers lead, the others follow with none.
    assert [p["hoksCount"] for p in providers] == sorted((p["hoksCount"] for p in providers), reverse=True)
    assert all(p["studyRightCount"] >= p["hoksCount"] for p in providers)
    months = stats["byMonth"]
    assert sum(m["hoksCount"] for m in months) == 120
    assert (months[-1]["cumulativeHoksCount"], months[-1]["providersStarted"]) == (120, 5)
    assert [m["month"] for m in months] == sorted(m["month"] for m in months)


async def test_months_providers_and_as_of_on_a_known_dataset(
    db: Database, factory: Factory, ask: Ask
) -> None:
    stored = {}
    for name, months in (("A", ["2019-04-10", "2019-08-20", "2019-08-21"]), ("B", ["2019-08-05"]), ("C", [])):
        toimija, oppilaitos = await factory.provider(name)
        for day in months:
            _l, _r, plan = await factory.learner_with_plan(toimija, oppilaitos)
            stored[plan] = day
        if not months:
            await factory.study_right(await factory.learner(), toimija, oppilaitos)
    async with db.write() as session:
        for plan, day in stored.items():
            await session.execute(
                text("UPDATE hoks SET created_at = CAST(:d AS date) + time '12:00' WHERE id = :id"),
                {"d": dt.date.fromisoformat(day), "id": plan},
            )
        # A deleted plan counts nowhere.
        await session.execute(
            text("UPDATE hoks SET deleted_at = now() WHERE id = :id"),
            {"id": next(p for p, day in stored.items() if day == "2019-08-21")},
        )

    body = await ask(ADMIN, STATISTICS)
    stats = body["data"]["transferStatistics"]
    assert (stats["hoksCount"], stats["providersStarted"], stats["providersTotal"]) == (3, 2, 3)
    assert stats["byMonth"] == [
        {"month": "2019-04", "hoksCount": 1, "cumulativeHoksCount": 1, "providersStarted": 1},
        {"month": "2019-08", "hoksCount": 2, "cumulativeHoksCount": 3, "providersStarted": 2},
    ]
    then = await ask(ADMIN, '{ transferStatistics(asOf: "2019-05-31") { hoksCount providersStarted } }')
    assert then["data"]["transferStatistics"] == {"hoksCount": 1, "providersStarted": 1}


async def test_statistics_are_for_admins_and_analysts(factory: Factory, ask: Ask) -> None:
    toimija, _oppilaitos = await factory.provider("A")
    assert codes(await ask(staff(toimija), STATISTICS)) == ["WRONG_AUTHENTICATION_TYPE"]
