"""The transfer statistics' summaries (0007) against a from-scratch computation: after plans are
created, soft-deleted, restored, moved in time, hard-deleted, after a study right moves to another
provider, and as the seed's bulk load derives them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from bench.views import STATISTICS
from hoks_gateway.db.sessions import Database
from hoks_gateway.seed.run import SeedOptions, seed_database
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, Ask

# Written independently of the migration's views: one row per plan, grouped here.
PLANS_FROM_SCRATCH = """
SELECT sr.koulutustoimija_oid,
       date(timezone('Europe/Helsinki', h.created_at)),
       greatest(date(timezone('Europe/Helsinki', h.created_at)),
                date(timezone('Europe/Helsinki', sr.created_at))),
       CASE WHEN h.deleted_at IS NULL THEN DATE 'infinity'
            ELSE date(timezone('Europe/Helsinki', h.deleted_at)) END,
       count(*), min(h.created_at), max(h.created_at)
FROM study_rights sr JOIN hoks h ON h.study_right_oid = sr.oid
GROUP BY 1, 2, 3, 4
"""
PLANS_STORED = """
SELECT koulutustoimija_oid, created_on, visible_on, deleted_on, hoks_count, first_created_at,
       last_created_at
FROM hoks_daily
"""
RIGHTS_FROM_SCRATCH = (
    "SELECT koulutustoimija_oid, date(timezone('Europe/Helsinki', created_at)), count(*)"
    " FROM study_rights GROUP BY 1, 2"
)
RIGHTS_STORED = "SELECT koulutustoimija_oid, created_on, study_right_count FROM study_right_daily"


async def assert_consistent(db: Database) -> set[tuple[Any, ...]]:
    async with db.read() as session:
        found = [
            set(map(tuple, await session.execute(text(sql))))
            for sql in (PLANS_FROM_SCRATCH, PLANS_STORED, RIGHTS_FROM_SCRATCH, RIGHTS_STORED)
        ]
    assert found[1] == found[0]
    assert found[3] == found[2]
    return found[1]


async def _sql(db: Database, sql: str, **params: Any) -> None:
    async with db.write() as session:
        await session.execute(text(sql), params)


async def test_summary_follows_every_kind_of_write(db: Database, factory: Factory) -> None:
    toimija, oppilaitos = await factory.provider("A")
    other, other_oppilaitos = await factory.provider("B")
    plans = [(await factory.learner_with_plan(toimija, oppilaitos))[2] for _ in range(4)]
    _learner, moving_right, moving_plan = await factory.learner_with_plan(toimija, oppilaitos)
    await factory.study_right(await factory.learner(), other, other_oppilaitos)
    assert {row[4] for row in await assert_consistent(db)} == {5}

    # Stored on other days (the first and the latest of a group move out of it).
    for plan, day in zip(plans, ("2019-04-10 09:00", "2019-04-10 18:00", "2019-08-20 12:00"), strict=False):
        await _sql(
            db,
            "UPDATE hoks SET created_at = CAST(CAST(:at AS text) AS timestamptz) WHERE id = :id",
            at=day,
            id=plan,
        )
    await assert_consistent(db)
    # Soft delete (the group's first plan), restore, soft delete again, hard delete.
    await _sql(db, "UPDATE hoks SET deleted_at = now() WHERE id = :id", id=plans[0])
    await assert_consistent(db)
    await _sql(db, "UPDATE hoks SET deleted_at = NULL WHERE id = :id", id=plans[0])
    await assert_consistent(db)
    await _sql(db, "UPDATE hoks SET deleted_at = '2019-09-01 12:00+03' WHERE id = ANY(:ids)", ids=plans[1:3])
    await assert_consistent(db)
    await _sql(db, "DELETE FROM hoks_revisions WHERE hoks_id = :id", id=plans[3])
    await _sql(db, "DELETE FROM hoks WHERE id = :id", id=plans[3])
    await assert_consistent(db)
    # A study right registered later than its plan, then moved to another provider.
    await _sql(
        db, "UPDATE study_rights SET created_at = now() + interval '3 days' WHERE oid = :o", o=moving_right
    )
    await assert_consistent(db)
    await _sql(db, "UPDATE study_rights SET koulutustoimija_oid = :k WHERE oid = :o", k=other, o=moving_right)
    stored = await assert_consistent(db)
    assert any(row[0] == other and row[4] == 1 for row in stored), moving_plan
    # A write that changes none of the summary's inputs leaves it as it was.
    await _sql(db, "UPDATE hoks SET revision = revision + 1, updated_at = now()")
    assert await assert_consistent(db) == stored


async def test_the_seed_derives_the_summary(db: Database, database_url: str, factory: Factory) -> None:
    await seed_database(database_url, SeedOptions(hoks=300, providers=10, providers_started=4, seed=5))
    await assert_consistent(db)
    async with db.read() as session:
        plan = (await session.execute(text("SELECT id FROM hoks ORDER BY created_at LIMIT 1"))).scalar_one()
    # The triggers are on again after the load.
    await _sql(db, "UPDATE hoks SET deleted_at = now() WHERE id = :id", id=plan)
    await assert_consistent(db)


def _instant(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


LEGACY_TOTALS = """
SELECT count(*), count(DISTINCT h.learner_oid), count(DISTINCT sr.koulutustoimija_oid)
FROM hoks h JOIN study_rights sr ON sr.oid = h.study_right_oid
WHERE h.created_at < :end AND (h.deleted_at IS NULL OR h.deleted_at >= :end)
"""
LEGACY_PROVIDERS = """
SELECT o.oid, count(h.id), count(sr.oid), min(h.created_at), max(h.created_at)
FROM organisations o
LEFT JOIN study_rights sr ON sr.koulutustoimija_oid = o.oid AND sr.created_at < :end
LEFT JOIN hoks h ON h.study_right_oid = sr.oid AND h.created_at < :end
                 AND (h.deleted_at IS NULL OR h.deleted_at >= :end)
WHERE o.type = 'KOULUTUSTOIMIJA'
GROUP BY o.oid ORDER BY count(h.id) DESC, o.oid
"""
AS_OF = """query ($asOf: Date) { transferStatistics(asOf: $asOf) {
  hoksCount learnerCount providersStarted
  byProvider { hoksCount studyRightCount firstStoredAt latestStoredAt provider { oid } } } }"""


async def test_figures_as_of_any_day_equal_the_computation_over_all_plans(
    db: Database, database_url: str, ask: Ask
) -> None:
    await seed_database(database_url, SeedOptions(hoks=400, providers=12, providers_started=6, seed=3))
    async with db.write() as session:
        await session.execute(
            text("UPDATE hoks SET deleted_at = created_at + interval '40 days' WHERE id % 7 = 0")
        )
        days = (
            await session.execute(text("SELECT min(created_at)::date, max(created_at)::date FROM hoks"))
        ).one()
    first, last = days
    for as_of in (
        first,
        first + (last - first) / 3,
        first + (last - first) / 2,
        last,
        last + dt.timedelta(30),
    ):
        body = await ask(ADMIN, AS_OF, asOf=as_of.isoformat())
        assert "errors" not in body, body
        stats = body["data"]["transferStatistics"]
        async with db.read() as session:
            end_sql = text("SELECT (CAST(:d AS date) + 1)::timestamp AT TIME ZONE 'Europe/Helsinki'")
            end = (await session.execute(end_sql, {"d": as_of})).scalar_one()
            totals = (await session.execute(text(LEGACY_TOTALS), {"end": end})).one()
            providers = (await session.execute(text(LEGACY_PROVIDERS), {"end": end})).all()
        assert (stats["hoksCount"], stats["learnerCount"], stats["providersStarted"]) == tuple(totals)
        assert [
            (p["provider"]["oid"], p["hoksCount"], p["studyRightCount"]) for p in stats["byProvider"]
        ] == [(oid, n, rights) for oid, n, rights, _first, _last in providers]
        assert [
            (_instant(p["firstStoredAt"]), _instant(p["latestStoredAt"])) for p in stats["byProvider"]
        ] == [(row[3], row[4]) for row in providers]
    body = await ask(ADMIN, STATISTICS)
    assert "errors" not in body, body
