"""The tables a plan write keeps (0015: `learner_list`'s first approvals, its counts, the transfer
summary) against from-scratch computations after random sequences of plain-SQL writes, while
writers of one learner race, after a downgrade to the triggers of 0006 and 0007, and what a
single-plan write runs to keep them."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from alembic import command
from sqlalchemy import text

from hoks_gateway.db.migrate import alembic_config, upgrade
from hoks_gateway.db.sessions import Database
from tests.factories import Factory
from tests.learner_list import assert_consistent as assert_list_consistent
from tests.learner_list import assert_counts_consistent
from tests.reports.test_transfer_summary import assert_consistent as assert_summary_consistent

INSERT_PLAN = (
    "INSERT INTO hoks (study_right_oid, learner_oid, organisation_oid, first_approved_on, source,"
    " document, progress_planned, progress_completes_on, created_at, deleted_at)"
    " SELECT sr.oid, sr.learner_oid, sr.oppilaitos_oid, p.approved, 'TRANSFER', '{}', 0, '{}',"
    " p.created, p.deleted"
    " FROM unnest(CAST(:rights AS varchar[]), CAST(:approved AS date[]), CAST(:created AS timestamptz[]),"
    " CAST(:deleted AS timestamptz[])) AS p(oid, approved, created, deleted)"
    " JOIN study_rights sr ON sr.oid = p.oid"
    " ON CONFLICT (study_right_oid) DO NOTHING"
)


async def assert_all_consistent(db: Database) -> None:
    await assert_list_consistent(db)  # the counts (0013) too
    await assert_summary_consistent(db)


@dataclass
class Writes:
    """Random plain-SQL writes of plans (and a few of study rights and learners, whose triggers
    the plans' must agree with) over a small world of learners with several study rights."""

    db: Database
    rng: random.Random
    rights: list[str]
    oppilaitokset: list[tuple[str, str]]  # (koulutustoimija, oppilaitos)
    learners: list[str]
    done: list[str] = field(default_factory=list)

    def _day(self) -> dt.date:
        return dt.date(2024, 1, 1) + dt.timedelta(days=self.rng.randrange(365))

    def _instant(self) -> dt.datetime:
        return dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=self.rng.randrange(24 * 400))

    async def _plans(self, sql: str = "SELECT id FROM hoks") -> list[int]:
        async with self.db.read() as session:
            return list((await session.execute(text(sql))).scalars())

    async def create(self) -> tuple[str, dict[str, Any]]:
        rights = self.rng.sample(self.rights, self.rng.randint(1, 3))  # some already have a plan
        return INSERT_PLAN, {
            "rights": rights,
            "approved": [self._day() for _ in rights],
            "created": [self._instant() for _ in rights],
            "deleted": [self._instant() if self.rng.random() < 0.2 else None for _ in rights],
        }

    async def approve_again(self) -> tuple[str, dict[str, Any]]:
        plans = await self._plans()
        return "UPDATE hoks SET first_approved_on = :day WHERE id = ANY(:ids)", {
            "day": self._day(),
            "ids": self.rng.sample(plans, min(len(plans), self.rng.randint(1, 2))),
        }

    async def delete_softly(self) -> tuple[str, dict[str, Any]]:
        plans = await self._plans("SELECT id FROM hoks WHERE deleted_at IS NULL")
        return "UPDATE hoks SET deleted_at = :at WHERE id = ANY(:ids)", {
            "at": self._instant(),
            "ids": self.rng.sample(plans, min(len(plans), 1)),
        }

    async def restore(self) -> tuple[str, dict[str, Any]]:
        plans = await self._plans("SELECT id FROM hoks WHERE deleted_at IS NOT NULL")
        return "UPDATE hoks SET deleted_at = NULL WHERE id = ANY(:ids)", {
            "ids": self.rng.sample(plans, min(len(plans), 2))
        }

    async def delete(self) -> tuple[str, dict[str, Any]]:
        plans = await self._plans()
        return "DELETE FROM hoks WHERE id = ANY(:ids)", {"ids": self.rng.sample(plans, min(len(plans), 1))}

    async def move_plan(self) -> tuple[str, dict[str, Any]]:
        """To a study right without a plan, possibly another learner's."""
        plans = await self._plans()
        free = await self._plans(
            "SELECT sr.oid FROM study_rights sr"
            " WHERE NOT EXISTS (SELECT FROM hoks h WHERE h.study_right_oid = sr.oid)"
        )
        if not plans or not free:
            return "SELECT 1", {}
        return "UPDATE hoks SET study_right_oid = :right WHERE id = :id", {
            "right": self.rng.choice(free),
            "id": self.rng.choice(plans),
        }

    async def move_in_time(self) -> tuple[str, dict[str, Any]]:
        plans = await self._plans()
        return "UPDATE hoks SET created_at = :at WHERE id = ANY(:ids)", {
            "at": self._instant(),
            "ids": self.rng.sample(plans, min(len(plans), 1)),
        }

    async def revise(self) -> tuple[str, dict[str, Any]]:
        """A replace that changes nothing the kept tables read."""
        return "UPDATE hoks SET revision = revision + 1, updated_at = now(), document = '{\"a\": 1}'", {}

    async def move_study_right(self) -> tuple[str, dict[str, Any]]:
        toimija, oppilaitos = self.rng.choice(self.oppilaitokset)
        return "UPDATE study_rights SET oppilaitos_oid = :o, koulutustoimija_oid = :k WHERE oid = :right", {
            "o": oppilaitos,
            "k": toimija,
            "right": self.rng.choice(self.rights),
        }

    async def rename(self) -> tuple[str, dict[str, Any]]:
        return "UPDATE learners SET surname = :s WHERE oid = :l", {
            "s": self.rng.choice(["Aalto", "Virtanen", "Ölander"]),
            "l": self.rng.choice(self.learners),
        }

    async def transaction(self, size: int) -> None:
        """`size` writes in one transaction, the tables checked after it commits."""
        kinds: list[Callable[[], Awaitable[tuple[str, dict[str, Any]]]]] = [
            self.create,
            self.create,
            self.approve_again,
            self.delete_softly,
            self.restore,
            self.delete,
            self.move_plan,
            self.move_in_time,
            self.revise,
            self.move_study_right,
            self.rename,
        ]
        statements = [await self.rng.choice(kinds)() for _ in range(size)]
        async with self.db.write() as session:
            for sql, params in statements:
                await session.execute(text(sql), params)
        self.done += [sql.split(" WHERE ")[0][:60] for sql, _ in statements]


async def _world(db: Database, rng: random.Random) -> Writes:
    factory = Factory(db, rng)
    kt_a, ol_a = await factory.provider("Keuda")
    ol_a2 = await factory.organisation("OPPILAITOS", kt_a, "Keuda, toinen")
    kt_b, ol_b = await factory.provider("Gradia")
    places = [(kt_a, ol_a), (kt_a, ol_a2), (kt_b, ol_b)]
    learners = [await factory.learner(surname=f"Oppija{n}") for n in range(6)]
    rights = []
    for learner in learners:
        for toimija, oppilaitos in rng.sample(places, rng.randint(1, 3)):
            rights.append(await factory.study_right(learner, toimija, oppilaitos))
    return Writes(db, rng, rights, places, learners)


async def test_random_writes_keep_every_kept_table_equal_to_its_source(db: Database) -> None:
    writes = await _world(db, random.Random(2015))
    await assert_all_consistent(db)
    seen = []
    for step in range(120):
        await writes.transaction(1 if step % 4 else 3)
        try:
            await assert_all_consistent(db)
        except AssertionError as error:
            raise AssertionError(f"after {writes.done}") from error
        async with db.read() as session:
            seen.append((await session.execute(text("SELECT count(*), count(deleted_at) FROM hoks"))).one())
    assert max(plans for plans, _ in seen) > 3 and max(deleted for _, deleted in seen) > 0, seen


async def test_writers_of_one_learner_take_turns(db: Database, database_url: str) -> None:
    """The second writer's plan is later than the first's, which it cannot see until the first
    commits: computed from its own snapshot, the learner's first approval would be its own."""
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Keuda")
    learner = await factory.learner()
    first_right = await factory.study_right(learner, toimija, oppilaitos)
    second_right = await factory.study_right(learner, toimija, oppilaitos, started_on=dt.date(2024, 9, 1))
    insert = (
        "INSERT INTO hoks (study_right_oid, learner_oid, organisation_oid, first_approved_on, source,"
        " document, progress_planned, progress_completes_on)"
        " VALUES ($1, $2, $3, $4, 'TRANSFER', '{}', 0, '{}')"
    )
    first, second = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        async with first.transaction():
            await first.execute(insert, first_right, learner, oppilaitos, dt.date(2024, 1, 10))
            waiting = asyncio.create_task(
                second.execute(insert, second_right, learner, oppilaitos, dt.date(2024, 5, 20))
            )
            await asyncio.sleep(0.5)
            assert not waiting.done(), "the second writer should wait for the first's commit"
        await waiting
    finally:
        await first.close()
        await second.close()
    await assert_all_consistent(db)


async def test_a_plan_write_runs_neither_the_refresh_nor_the_count(db: Database, database_url: str) -> None:
    """A plan never changes who is listed where: its write updates sort keys only, so neither
    the learner's full refresh (0006) nor the list's count triggers (0013) run; nor does the
    summary's general delta path for a new plan."""
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Keuda")
    learner = await factory.learner()
    right = await factory.study_right(learner, toimija, oppilaitos)
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL track_functions = 'all'")
            plan = await conn.fetchval(
                "INSERT INTO hoks (study_right_oid, learner_oid, organisation_oid, first_approved_on, source,"
                " document, progress_planned, progress_completes_on)"
                " VALUES ($1, $2, $3, DATE '2024-03-01', 'TRANSFER', '{}', 0, '{}') RETURNING id",
                right,
                learner,
                oppilaitos,
            )
            await conn.execute("UPDATE hoks SET first_approved_on = DATE '2024-02-01' WHERE id = $1", plan)
            called = {
                row["funcname"]: row["calls"]
                for row in await conn.fetch("SELECT funcname, calls FROM pg_stat_xact_user_functions")
            }
    finally:
        await conn.close()
    # The insert's one trigger; the update's two, the summary's (0007) finding no delta to apply.
    assert called == {"hoks_kept_tables": 2, "transfer_summary_hoks": 1, "hoks_daily_apply": 1}, called
    await assert_all_consistent(db)


async def _triggers(db: Database, table: str) -> set[str]:
    async with db.read() as session:
        found = await session.execute(
            text("SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal"),
            {"t": table},
        )
        return set(found.scalars())


async def test_the_downgrade_brings_back_the_triggers_of_0006_and_0007(
    db: Database, database_url: str
) -> None:
    factory = Factory(db)
    toimija, oppilaitos = await factory.provider("Keuda")
    learner, _, plan = await factory.learner_with_plan(toimija, oppilaitos)
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0014")
    assert await _triggers(db, "hoks") == {
        f"{job}_on_hoks_{event}"
        for job in ("learner_list", "transfer_summary")
        for event in ("insert", "update", "delete")
    }
    await factory.hoks(await factory.study_right(learner, toimija, oppilaitos), learner, oppilaitos)
    async with db.write() as session:
        await session.execute(text("UPDATE hoks SET deleted_at = now() WHERE id = :id"), {"id": plan})
    await assert_all_consistent(db)
    async with db.write() as session:  # counted by the statement-level trigger of 0013 again
        await session.execute(
            text("UPDATE learner_list SET listed_in = :o WHERE learner_oid = :l AND listed_in = '*'"),
            {"o": oppilaitos + ".moved", "l": learner},
        )
    await assert_counts_consistent(db)
    await asyncio.to_thread(upgrade, database_url)
    assert "kept_tables_on_hoks_insert" in await _triggers(db, "hoks")
