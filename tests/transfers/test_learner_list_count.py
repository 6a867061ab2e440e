"""The student list's kept size (0013): exactly count(*) of `learner_list` per organisation after
concurrent writes, plain SQL and the migration itself, and writers on other connections do not wait
for each other's commits to count a learner into the same organisation."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text

from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import LISTED_EVERYWHERE
from hoks_gateway.identifiers import make_oid
from tests.factories import Factory
from tests.learner_list import assert_consistent, assert_counts_consistent
from tests.migrating import database_before

RNG = random.Random(13)
DAY = dt.datetime(2024, 8, 1, 9, tzinfo=dt.UTC)


async def kept(db: Database, listed_in: str) -> int:
    async with db.read() as session:
        found = await session.execute(
            text("SELECT coalesce(sum(learners), 0) FROM learner_list_count WHERE listed_in = :o"),
            {"o": listed_in},
        )
        return int(found.scalar_one())


async def test_concurrent_writers_keep_the_count_exact(db: Database) -> None:
    factory = Factory(db)
    kt, ol = await factory.provider("Keuda")
    other = await factory.organisation("OPPILAITOS", kt, "Keuda, toinen")
    leaving = [await factory.learner() for _ in range(6)]
    for learner in leaving:
        await factory.study_right(learner, kt, ol)

    async def join(n: int) -> None:
        learner = await factory.learner(surname=f"Uusi{n}")
        await factory.study_right(learner, kt, ol if n % 2 else other)

    async def leave(learner: str) -> None:
        async with db.write() as session:
            await session.execute(text("DELETE FROM study_rights WHERE learner_oid = :l"), {"l": learner})

    await asyncio.gather(*(join(n) for n in range(24)), *(leave(learner) for learner in leaving))
    await assert_consistent(db)
    assert await kept(db, ol) == 12
    assert await kept(db, other) == 12
    assert await kept(db, kt) == 24
    assert await kept(db, LISTED_EVERYWHERE) == 24


async def test_plain_sql_on_the_list_table_is_counted(db: Database) -> None:
    factory = Factory(db)
    kt, ol = await factory.provider("Keuda")
    kt_b, ol_b = await factory.provider("Gradia")
    learners = [await factory.learner() for _ in range(3)]
    for learner in learners:
        await factory.study_right(learner, kt, ol)
    async with db.write() as session:
        # Moved to another organisation, and removed, by hand.
        await session.execute(
            text("UPDATE learner_list SET listed_in = :b WHERE listed_in = :a AND learner_oid = :l"),
            {"a": ol, "b": ol_b, "l": learners[0]},
        )
        await session.execute(
            text("DELETE FROM learner_list WHERE listed_in = :a AND learner_oid = :l"),
            {"a": kt, "l": learners[1]},
        )
    await assert_counts_consistent(db)
    assert (await kept(db, ol), await kept(db, ol_b), await kept(db, kt), await kept(db, kt_b)) == (
        2,
        1,
        2,
        0,
    )
    async with db.write() as session:
        await session.execute(text("TRUNCATE learner_list"))
    assert await kept(db, LISTED_EVERYWHERE) == 0
    await factory.study_right(learners[2], kt, ol)
    await assert_counts_consistent(db)
    assert await kept(db, ol) == 1


async def _connection_on_another_shard(url: str, taken: int) -> asyncpg.Connection:
    """A connection whose backend's shard (its process id modulo 64) is not `taken`."""
    spare = []
    try:
        while True:
            conn = await asyncpg.connect(url)
            if await conn.fetchval("SELECT pg_backend_pid() % 64") != taken:
                return conn
            spare.append(conn)
    finally:
        for conn in spare:
            await conn.close()


async def test_writers_on_other_connections_do_not_wait_for_each_others_commit(
    db: Database, database_url: str
) -> None:
    factory = Factory(db)
    kt, ol = await factory.provider("Keuda")
    first = await asyncpg.connect(database_url)
    second = await _connection_on_another_shard(
        database_url, await first.fetchval("SELECT pg_backend_pid() % 64")
    )
    # Registered on different days: the transfer statistics keep a row per provider and day (0007),
    # which writers of one provider on one day do share.
    insert = (
        "WITH l AS (INSERT INTO learners (oid, first_names, surname) VALUES ($1, 'Aino', $2) RETURNING oid)"
        " INSERT INTO study_rights (oid, learner_oid, oppilaitos_oid, koulutustoimija_oid, kind, status,"
        " started_on, created_at) SELECT $3, oid, $4, $5, 'VOCATIONAL', 'lasna', DATE '2024-08-01', $6 FROM l"
    )
    try:
        async with first.transaction():
            await first.execute(insert, make_oid(24, RNG), "Ensimmäinen", make_oid(15, RNG), ol, kt, DAY)
            # Listed in the same oppilaitos, koulutustoimija and `*` while the first has not
            # committed: with one count row per organisation this would wait for the first.
            await second.execute("SET lock_timeout = '3s'")
            async with second.transaction():
                await second.execute(
                    insert, make_oid(24, RNG), "Toinen", make_oid(15, RNG), ol, kt, DAY + dt.timedelta(days=1)
                )
        await assert_consistent(db)
        assert await kept(db, ol) == 2
    finally:
        await first.close()
        await second.close()


@pytest.fixture
async def before_0013(server_url: str) -> AsyncIterator[str]:
    async with database_before(server_url, "0013") as url:
        yield url


async def test_the_migration_counts_the_lists_it_finds(before_0013: str) -> None:
    db = Database.connect(before_0013, pool_size=2, max_overflow=0)
    try:
        factory = Factory(db)
        kt, ol = await factory.provider("Keuda")
        for _ in range(5):
            await factory.study_right(await factory.learner(), kt, ol)
        await asyncio.to_thread(upgrade, before_0013)
        await assert_consistent(db)
        assert await kept(db, ol) == 5
        await factory.study_right(await factory.learner(), kt, ol)
        assert await kept(db, LISTED_EVERYWHERE) == 6
    finally:
        await db.dispose()
