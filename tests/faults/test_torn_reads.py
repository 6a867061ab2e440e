"""A plan is read from one snapshot: its revision, content and history always belong together.

A plan's record (revision, updatedAt) and its content once came from two statements, so a write
committed between them gave a reader revision N with the content of N+1. Here writers keep
changing plans while readers read them; each write puts the revision it makes into the plan's
e-mail address, so every read can check that the content it got is that of the revision it got,
and that the history it got ends at that revision. The readers must also have seen the plans
move on while they read (so the race was really run), and a loader that reads record and
content apart fails this within a few hundred reads.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from hoks_gateway.db.sessions import Database
from tests.client import bearer, gateway
from tests.faults.plans import import_plans, study_rights
from tests.faults.torn import (
    PLANS,
    READERS,
    WRITES_PER_PLAN,
    Seen,
    first_revisions,
    read_until,
    write_revisions,
)


async def test_revision_content_and_history_of_a_plan_come_from_one_snapshot(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    admin = bearer(tmp_path)
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        plans = await import_plans(client, admin, await study_rights(db, PLANS))
        await first_revisions(client, plans, admin)
        seen = Seen()
        done = asyncio.Event()

        async def write_all() -> None:
            await asyncio.gather(*(write_revisions(client, plan, admin) for plan in plans))
            done.set()

        await asyncio.gather(
            write_all(), *(read_until(client, plans, admin, done, seen) for _ in range(READERS))
        )
    assert seen.torn == [], f"{len(seen.torn)} of {seen.reads} reads were torn: {seen.torn[:5]}"
    # The race was run: readers saw most of the revisions the writers made.
    assert len(seen.revisions) > PLANS * WRITES_PER_PLAN // 2, (len(seen.revisions), seen.reads)
