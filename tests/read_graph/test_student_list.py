"""The staff student list: search, orders, keyset pages that stay put under inserts, totals,
scope, analysts' pseudonyms, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, ANALYST, Ask, codes, staff

LIST = """
query List($org: ID, $search: String, $order: LearnerOrder, $first: Int, $after: String) {
  learners(organisationOid: $org, search: $search, orderBy: $order, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges {
      cursor
      node { oid surname firstNames }
      studyRights { oid oppilaitos { oid } hoks { id firstApprovedOn progress { total } } }
    }
  }
}
"""


async def surnames(ask: Ask, principal: Any = ADMIN, **variables: Any) -> list[str]:
    body = await ask(principal, LIST, **variables)
    assert "errors" not in body, body
    return [e["node"]["surname"] for e in body["data"]["learners"]["edges"]]


async def walk(ask: Ask, between: Any = None, **variables: Any) -> list[str]:
    """Every page of the list, following endCursor; `between(page_number)` runs after each page."""
    seen: list[str] = []
    after = None
    for page in range(50):
        body = await ask(ADMIN, LIST, after=after, **variables)
        assert "errors" not in body, body
        connection = body["data"]["learners"]
        seen += [e["node"]["oid"] for e in connection["edges"]]
        if between is not None:
            await between(page)
        if not connection["pageInfo"]["hasNextPage"]:
            return seen
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("the list does not end")


async def test_pages_stay_put_when_rows_are_inserted_between_fetches(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Omnia")
    original = set()
    for name in ("Aalto", "Berg", "Castrén", "Dahl", "Eskola", "Forsman", "Grön"):
        learner = await factory.learner("Testi", name)
        right = await factory.study_right(learner, toimija, oppilaitos)
        await factory.hoks(right, learner, oppilaitos)
        original.add(learner)
    inserted: list[str] = []

    async def insert_around(page: int) -> None:
        # One learner sorting before everything already paged, one after: neither may shift a page.
        for name in ("Aaltonen", "Öhman"):
            new = await factory.learner("Uusi", f"{name}{page}")
            await factory.study_right(new, toimija, oppilaitos)
            inserted.append(new)

    for order in ("SURNAME_ASC", "STARTED_DESC", "FIRST_APPROVED_ASC"):
        seen = await walk(ask, insert_around, org=oppilaitos, first=3, order=order)
        assert len(seen) == len(set(seen)), f"{order}: a row came twice"
        assert original <= set(seen), f"{order}: a row was skipped"
        assert set(seen) <= original | set(inserted)


async def test_search_by_name_qualification_hoks_id_and_oid(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Sedu")
    virtanen = await factory.learner("Aino Maria", "Virtanen")
    right = await factory.study_right(virtanen, toimija, oppilaitos, qualification="Sähköalan perustutkinto")
    plan = await factory.hoks(right, virtanen, oppilaitos)
    korhonen = await factory.learner("Eero", "Korhonen")
    await factory.study_right(korhonen, toimija, oppilaitos)

    assert await surnames(ask, search="virt") == ["Virtanen"]
    assert await surnames(ask, search="AINO virtanen") == ["Virtanen"]
    assert await surnames(ask, search="sähköalan") == ["Virtanen"]
    assert await surnames(ask, search="liiketoiminnan") == ["Korhonen"]
    assert await surnames(ask, search=str(plan)) == ["Virtanen"]
    assert await surnames(ask, search=virtanen) == ["Virtanen"]
    assert await surnames(ask, search=right) == ["Virtanen"]
    # Every word must match, and wildcards are plain characters.
    assert await surnames(ask, search="aino korhonen") == []
    assert await surnames(ask, search="%") == []
    body = await ask(ADMIN, LIST, search="sähköalan")
    assert body["data"]["learners"]["totalCount"] == 1


async def test_orders_and_total_count(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Stadin ammattiopisto")
    rows = [
        ("Nieminen", dt.date(2023, 8, 1), dt.date(2023, 9, 1)),
        ("Heikkinen", dt.date(2025, 1, 7), dt.date(2025, 2, 1)),
        ("Laine", dt.date(2024, 8, 1), None),
    ]
    for surname, started, approved in rows:
        learner = await factory.learner("Testi", surname)
        right = await factory.study_right(learner, toimija, oppilaitos, started_on=started)
        if approved:
            await factory.hoks(right, learner, oppilaitos, first_approved_on=approved)

    assert await surnames(ask, order="SURNAME_ASC") == ["Heikkinen", "Laine", "Nieminen"]
    assert await surnames(ask, order="SURNAME_DESC") == ["Nieminen", "Laine", "Heikkinen"]
    assert await surnames(ask, order="STARTED_DESC") == ["Heikkinen", "Laine", "Nieminen"]
    assert await surnames(ask, order="STARTED_ASC") == ["Nieminen", "Laine", "Heikkinen"]
    # Learners without a plan come last either way.
    assert await surnames(ask, order="FIRST_APPROVED_ASC") == ["Nieminen", "Heikkinen", "Laine"]
    assert await surnames(ask, order="FIRST_APPROVED_DESC") == ["Heikkinen", "Nieminen", "Laine"]

    body = await ask(ADMIN, LIST, first=2)
    connection = body["data"]["learners"]
    assert connection["totalCount"] == 3 and len(connection["edges"]) == 2
    assert connection["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "endCursor": connection["edges"][-1]["cursor"],
    }
    last = await ask(ADMIN, LIST, first=2, after=connection["pageInfo"]["endCursor"])
    assert [e["node"]["surname"] for e in last["data"]["learners"]["edges"]] == ["Nieminen"]
    assert last["data"]["learners"]["pageInfo"]["hasNextPage"] is False


async def test_rows_carry_study_rights_and_plan_summary_of_the_listed_organisation(
    factory: Factory, ask: Ask
) -> None:
    toimija, oppilaitos = await factory.provider("Gradia")
    _other_toimija, elsewhere = await factory.provider("Tredu")
    learner, right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    await factory.study_right(learner, _other_toimija, elsewhere)
    body = await ask(ADMIN, LIST, org=toimija)
    [edge] = body["data"]["learners"]["edges"]
    assert edge["studyRights"] == [
        {
            "oid": right,
            "oppilaitos": {"oid": oppilaitos},
            "hoks": {"id": str(plan), "firstApprovedOn": "2024-09-01", "progress": {"total": 0}},
        }
    ]


async def test_staff_see_only_their_organisations(factory: Factory, ask: Ask) -> None:
    toimija_a, ol_a = await factory.provider("Salpaus")
    toimija_b, ol_b = await factory.provider("Keuda")
    mine, _r, _p = await factory.learner_with_plan(toimija_a, ol_a)
    await factory.learner_with_plan(toimija_b, ol_b)
    own_staff, other_staff = staff(toimija_a), staff(toimija_b, oid="1.2.246.562.24.10000000008")

    body = await ask(own_staff, LIST)
    assert [e["node"]["oid"] for e in body["data"]["learners"]["edges"]] == [mine]
    assert body["data"]["learners"]["totalCount"] == 1
    # Searching for the other provider's learner finds nothing, totals included.
    body = await ask(other_staff, LIST, search=mine)
    assert body["data"]["learners"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "endCursor": None},
        "edges": [],
    }
    # Naming an organisation without the privilege is refused; an unknown one is not found.
    assert codes(await ask(other_staff, LIST, org=ol_a)) == ["FORBIDDEN"]
    assert codes(await ask(other_staff, LIST, org="1.2.246.562.10.99999999990")) == ["NOT_FOUND"]
    assert codes(await ask(own_staff, LIST, org=ol_a)) == []


async def test_analysts_see_pseudonyms_and_cannot_find_by_name(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Varia")
    learner, _right, _plan = await factory.learner_with_plan(toimija, oppilaitos)
    body = await ask(ANALYST, LIST)
    [edge] = body["data"]["learners"]["edges"]
    assert edge["node"]["oid"].startswith("pseudonym:") and edge["node"]["oid"] != learner
    assert edge["node"]["surname"] is None and edge["node"]["firstNames"] is None
    assert (await ask(ANALYST, LIST, search="Virtanen"))["data"]["learners"]["totalCount"] == 0
    assert (await ask(ANALYST, LIST, search=learner))["data"]["learners"]["totalCount"] == 0
    assert (await ask(ANALYST, LIST, search="liiketoiminnan"))["data"]["learners"]["totalCount"] == 1
    assert codes(await ask(ANALYST, LIST, order="SURNAME_ASC")) == ["FORBIDDEN"]


async def test_bad_paging_arguments_are_user_errors(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Riveria")
    await factory.learner_with_plan(toimija, oppilaitos)
    body = await ask(ADMIN, LIST, order="SURNAME_ASC")
    cursor = body["data"]["learners"]["edges"][0]["cursor"]
    assert codes(await ask(ADMIN, LIST, order="STARTED_DESC", after=cursor)) == ["BAD_USER_INPUT"]
    assert codes(await ask(ADMIN, LIST, after="not a cursor")) == ["BAD_USER_INPUT"]
    assert codes(await ask(ADMIN, LIST, first=101)) == ["BAD_USER_INPUT"]
    assert codes(await ask(ADMIN, LIST, search="a b c d e f g")) == ["BAD_USER_INPUT"]


async def test_listed_learners_are_audited(db: Database, factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Kpedu")
    shown, _r, _plan = await factory.learner_with_plan(toimija, oppilaitos)
    without_plan = await factory.learner("Eero", "Ahonen")
    await factory.study_right(without_plan, toimija, oppilaitos)
    await ask(staff(toimija), "query StudentList { learners { edges { node { surname } } } }")
    async with db.read() as session:
        rows = await session.execute(
            text("SELECT principal_kind, operation, target_learner_oid, organisation_oid FROM audit_events")
        )
        events = sorted(tuple(r) for r in rows)
    assert events == sorted(
        [
            ("STAFF", "StudentList", shown, oppilaitos),
            ("STAFF", "StudentList", without_plan, oppilaitos),
        ]
    )
