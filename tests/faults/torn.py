"""Writers that keep changing plans and readers that check each plan they read is whole: its
revision, content and history from one snapshot (tests/faults/test_torn_reads.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.faults.plans import UPDATE, Plan, code_of

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


def _query(plans: int) -> str:
    variables = ", ".join(f"$ids_{i}: ID!" for i in range(plans))
    fields = " ".join(
        f"p{i}: hoks(id: $ids_{i}) {{ id revision ehoksDocument revisions {{ totalCount }} }}"
        for i in range(plans)
    )
    return f"query({variables}) {{ {fields} }}"


async def first_revisions(client: httpx.AsyncClient, plans: list[Plan], headers: dict[str, str]) -> None:
    """Revision 2 of each plan: from then on each revision carries its own address."""
    for plan in plans:
        variables = {"id": str(plan.id), "patch": {"email": email(2)}, "rev": 1}
        response = await client.post(
            "/graphql", json={"query": UPDATE, "variables": variables}, headers=headers
        )
        assert code_of(response.json()) is None, response.json()


async def write_revisions(
    client: httpx.AsyncClient, plan: Plan, headers: dict[str, str], writes: int = WRITES_PER_PLAN
) -> None:
    for revision in range(3, writes + 3):
        variables = {"id": str(plan.id), "patch": {"email": email(revision)}, "rev": revision - 1}
        response = await client.post(
            "/graphql", json={"query": UPDATE, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = response.json()
        assert code_of(body) is None, body
        assert body["data"]["updateHoks"]["hoks"]["revision"] == revision


async def read_until(
    client: httpx.AsyncClient, plans: list[Plan], headers: dict[str, str], done: asyncio.Event, seen: Seen
) -> None:
    query = _query(len(plans))
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
