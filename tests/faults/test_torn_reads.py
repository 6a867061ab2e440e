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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hoks_gateway.db.sessions import Database
from tests.client import bearer, gateway
from tests.faults.plans import UPDATE, Plan, code_of, import_plans, study_rights

PLANS = 6
WRITES_PER_PLAN = 40
READERS = 6


def email(revision: int) -> str:
    return f"r{revision}@example.fi"


@dataclass
class Seen:
    reads: int = 0
    torn: list[str] = field(default_factory=list)
    revisions: set[tuple[int, int]] = field(default_factory=set)


def _query() -> str:
    variables = ", ".join(f"$ids_{i}: ID!" for i in range(PLANS))
    fields = " ".join(
        f"p{i}: hoks(id: $ids_{i}) {{ id revision ehoksDocument revisions {{ totalCount }} }}"
        for i in range(PLANS)
    )
    return f"query({variables}) {{ {fields} }}"


async def _writer(client: httpx.AsyncClient, plan: Plan, headers: dict[str, str]) -> None:
    for revision in range(3, WRITES_PER_PLAN + 3):
        variables = {"id": str(plan.id), "patch": {"email": email(revision)}, "rev": revision - 1}
        response = await client.post(
            "/graphql", json={"query": UPDATE, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = response.json()
        assert code_of(body) is None, body
        assert body["data"]["updateHoks"]["hoks"]["revision"] == revision


async def _reader(
    client: httpx.AsyncClient, plans: list[Plan], headers: dict[str, str], done: asyncio.Event, seen: Seen
) -> None:
    query = _query()
    variables = {f"ids_{i}": str(plan.id) for i, plan in enumerate(plans)}
    while not done.is_set():
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = response.json()
        assert code_of(body) is None, body
        for hoks in body["data"].values():
            seen.reads += 1
            revision = hoks["revision"]
            seen.revisions.add((int(hoks["id"]), revision))
            content = hoks["ehoksDocument"]["sahkoposti"]
            history = hoks["revisions"]["totalCount"]
            if content != email(revision) or history != revision:
                seen.torn.append(
                    f"plan {hoks['id']}: revision {revision}, content {content}, history {history}"
                )


async def test_revision_content_and_history_of_a_plan_come_from_one_snapshot(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    admin = bearer(tmp_path)
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        plans = await import_plans(client, admin, await study_rights(db, PLANS))
        for plan in plans:  # from revision 2 on, each revision carries its own address
            variables = {"id": str(plan.id), "patch": {"email": email(2)}, "rev": 1}
            await client.post("/graphql", json={"query": UPDATE, "variables": variables}, headers=admin)
        seen = Seen()
        done = asyncio.Event()

        async def write_all() -> None:
            await asyncio.gather(*(_writer(client, plan, admin) for plan in plans))
            done.set()

        await asyncio.gather(
            write_all(), *(_reader(client, plans, admin, done, seen) for _ in range(READERS))
        )
    assert seen.torn == [], f"{len(seen.torn)} of {seen.reads} reads were torn: {seen.torn[:5]}"
    # The race was run: readers saw most of the revisions the writers made.
    assert len(seen.revisions) > PLANS * WRITES_PER_PLAN // 2, (len(seen.revisions), seen.reads)
