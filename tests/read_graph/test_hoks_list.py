"""`hokses`: filters, keyset pages under inserts, totals, scope and who may see deleted plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, ANALYST, Ask, codes, staff

HOKSES = """
query($filter: HoksFilter, $order: HoksOrder, $first: Int, $after: String) {
  hokses(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id source firstApprovedOn }
  }
}
"""


async def ids(ask: Ask, principal: Any = ADMIN, **variables: Any) -> list[int]:
    body = await ask(principal, HOKSES, **variables)
    assert "errors" not in body, body
    return [int(n["id"]) for n in body["data"]["hokses"]["nodes"]]


async def test_filters(db: Database, factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Omnia")
    _other, elsewhere = await factory.provider("Luovi")

    async def plan(ol: str, approved: dt.date, *, kind: str = "VOCATIONAL", source: str = "TRANSFER") -> int:
        learner = await factory.learner()
        right = await factory.study_right(learner, toimija if ol == oppilaitos else _other, ol, kind=kind)
        return await factory.hoks(right, learner, ol, first_approved_on=approved, source=source)

    early = await plan(oppilaitos, dt.date(2019, 3, 1))
    tuva = await plan(oppilaitos, dt.date(2023, 9, 1), kind="TUVA")
    manual = await plan(elsewhere, dt.date(2024, 1, 15), source="MANUAL")
    deleted = await plan(elsewhere, dt.date(2024, 2, 1))
    async with db.write() as session:
        await session.execute(text("UPDATE hoks SET deleted_at = now() WHERE id = :id"), {"id": deleted})
        await session.execute(
            text("UPDATE hoks SET updated_at = '2025-06-01T12:00:00Z' WHERE id = :id"), {"id": tuva}
        )

    assert await ids(ask) == [early, tuva, manual]
    assert await ids(ask, filter={"organisationOid": toimija}) == [early, tuva]
    assert await ids(ask, filter={"kind": "TUVA"}) == [tuva]
    assert await ids(ask, filter={"source": "MANUAL"}) == [manual]
    assert await ids(ask, filter={"firstApprovedFrom": "2023-09-01", "firstApprovedTo": "2024-01-15"}) == [
        tuva,
        manual,
    ]
    assert await ids(
        ask, filter={"updatedFrom": "2025-06-01T12:00:00Z", "updatedTo": "2025-06-01T12:00:00Z"}
    ) == [tuva]
    assert await ids(ask, filter={"status": "DELETED"}) == [deleted]
    assert await ids(ask, filter={"status": "ALL"}) == [early, tuva, manual, deleted]
    assert await ids(ask, order="FIRST_APPROVED_DESC") == [manual, tuva, early]
    assert await ids(ask, order="UPDATED_ASC", first=1) == [tuva]
    body = await ask(ADMIN, HOKSES, filter={"organisationOid": toimija}, first=1)
    assert body["data"]["hokses"]["totalCount"] == 2

    # Deleted plans are for OPH administrators only.
    for principal in (staff(toimija), ANALYST):
        assert codes(await ask(principal, HOKSES, filter={"status": "DELETED"})) == ["FORBIDDEN"]
    # Plan ids grow one by one, so a plan's place in their order would tell an analyst its id.
    for order in ("ID_ASC", "ID_DESC"):
        assert codes(await ask(ANALYST, HOKSES, order=order)) == ["FORBIDDEN"]
    analysed = await ask(ANALYST, HOKSES)
    assert [n["firstApprovedOn"] for n in analysed["data"]["hokses"]["nodes"]] == sorted(
        n["firstApprovedOn"] for n in analysed["data"]["hokses"]["nodes"]
    )


async def test_scope_and_totals(factory: Factory, ask: Ask) -> None:
    toimija_a, ol_a = await factory.provider("Salpaus")
    toimija_b, ol_b = await factory.provider("Keuda")
    _l, _r, own = await factory.learner_with_plan(toimija_a, ol_a)
    await factory.learner_with_plan(toimija_b, ol_b)
    body = await ask(staff(toimija_a), HOKSES)
    assert [n["id"] for n in body["data"]["hokses"]["nodes"]] == [str(own)]
    assert body["data"]["hokses"]["totalCount"] == 1
    assert codes(await ask(staff(toimija_a), HOKSES, filter={"organisationOid": ol_b})) == ["FORBIDDEN"]
    assert (await ask(ANALYST, HOKSES))["data"]["hokses"]["totalCount"] == 2


async def test_pages_stay_put_when_plans_are_inserted(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Sasky")
    original = {(await factory.learner_with_plan(toimija, oppilaitos))[2] for _ in range(7)}
    for order in ("ID_ASC", "ID_DESC", "UPDATED_ASC", "FIRST_APPROVED_DESC"):
        seen: list[int] = []
        after = None
        while True:
            body = await ask(ADMIN, HOKSES, order=order, first=3, after=after)
            page = body["data"]["hokses"]
            seen += [int(n["id"]) for n in page["nodes"]]
            await factory.learner_with_plan(toimija, oppilaitos)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert len(seen) == len(set(seen)), order
        assert original <= set(seen), order
