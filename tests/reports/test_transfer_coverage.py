"""The transfer obligation (docs/API.md Rules), clause by clause at its boundary dates, as
StudyRight.transferRequired and as transferCoverage count it (one SQL expression)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, ANALYST, Ask, codes, cursor_content, staff

D = dt.date
HELSINKI_2018 = dt.datetime(2018, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))


@dataclass(frozen=True)
class Case:
    name: str
    started: dt.date
    ended: dt.date | None
    status: str
    first_approved: dt.date | None = None  # None: no plan
    approved_at: dt.datetime | None = None
    deleted: bool = False
    required: bool = False


CASES = [
    Case("ended the day before the obligation", D(2016, 8, 1), D(2019, 4, 30), "valmistunut"),
    Case("ended on its first day", D(2016, 8, 1), D(2019, 5, 1), "valmistunut", required=True),
    Case("graduated in June 2019", D(2016, 8, 1), D(2019, 6, 30), "valmistunut", required=True),
    Case("studying, started long ago", D(2015, 8, 1), None, "lasna", required=True),
    Case("started after the obligation", D(2024, 8, 1), None, "lasna", required=True),
    Case("annulled", D(2020, 8, 1), None, "mitatoity"),
    Case(
        "ended early, new-law plan from its first day",
        D(2017, 8, 1),
        D(2018, 12, 31),
        "eronnut",
        D(2018, 1, 1),
        required=True,
    ),
    Case("ended early, old-law plan only", D(2016, 8, 1), D(2018, 12, 31), "eronnut", D(2017, 12, 31)),
    Case(
        "ended early, old plan approved again as a HOKS in 2018",
        D(2016, 8, 1),
        D(2018, 12, 31),
        "eronnut",
        D(2017, 6, 1),
        HELSINKI_2018,
        required=True,
    ),
    Case(
        "ended early, old plan approved again just before 2018",
        D(2016, 8, 1),
        D(2018, 12, 31),
        "eronnut",
        D(2017, 6, 1),
        HELSINKI_2018 - dt.timedelta(seconds=1),
    ),
    Case("on a break since before the obligation, no plan", D(2018, 8, 1), None, "valiaikaisestikeskeytynyt"),
    Case(
        "on a break since before the obligation, new-law plan",
        D(2018, 8, 1),
        None,
        "valiaikaisestikeskeytynyt",
        D(2018, 9, 1),
        required=True,
    ),
    Case(
        "on a break, started after the obligation",
        D(2019, 5, 1),
        None,
        "valiaikaisestikeskeytynyt",
        required=True,
    ),
    Case(
        "ended early, new-law plan deleted",
        D(2017, 8, 1),
        D(2018, 12, 31),
        "eronnut",
        D(2018, 3, 1),
        deleted=True,
    ),
]


async def _make(db: Database, factory: Factory, toimija: str, oppilaitos: str, case: Case) -> str:
    person = await factory.learner()
    right = await factory.study_right(
        person, toimija, oppilaitos, status=case.status, started_on=case.started, ended_on=case.ended
    )
    if case.first_approved is not None:
        plan = await factory.hoks(
            right, person, oppilaitos, first_approved_on=case.first_approved, approved_at=case.approved_at
        )
        if case.deleted:
            async with db.write() as session:
                await session.execute(text("UPDATE hoks SET deleted_at = now() WHERE id = :id"), {"id": plan})
    return right


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_transfer_required_clause_by_clause(
    db: Database, factory: Factory, ask: Ask, case: Case
) -> None:
    toimija, oppilaitos = await factory.provider("Omnia")
    right = await _make(db, factory, toimija, oppilaitos, case)
    body = await ask(ADMIN, "query($oid: ID!) { studyRight(oid: $oid) { transferRequired } }", oid=right)
    assert body["data"]["studyRight"]["transferRequired"] is case.required
    report = await ask(
        ADMIN,
        "query($org: ID!) { transferCoverage(organisationOid: $org) { studyRightCount requiredCount } }",
        org=toimija,
    )
    assert report["data"]["transferCoverage"] == {"studyRightCount": 1, "requiredCount": int(case.required)}


COVERAGE = """
query($org: ID!, $after: String) {
  transferCoverage(organisationOid: $org) {
    organisation { oid } studyRightCount requiredCount coveredCount missingCount coverage
    missing(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { oid transferRequired hoks { id } learner { oid } }
    }
  }
}
"""


async def test_coverage_report_counts_and_lists_the_missing(db: Database, factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Stadin ammattiopisto")
    _other_toimija, elsewhere = await factory.provider("Gradia")
    rights = {case.name: await _make(db, factory, toimija, oppilaitos, case) for case in CASES}
    await _make(db, factory, _other_toimija, elsewhere, CASES[3])  # another organisation's: not counted
    required = [c for c in CASES if c.required]
    covered = [c for c in required if c.first_approved is not None and not c.deleted]
    missing = sorted(rights[c.name] for c in required if c not in covered)

    body = await ask(ADMIN, COVERAGE, org=toimija)
    report = body["data"]["transferCoverage"]
    assert report["organisation"] == {"oid": toimija}
    assert (report["studyRightCount"], report["requiredCount"], report["coveredCount"]) == (
        len(CASES),
        len(required),
        len(covered),
    )
    assert report["missingCount"] == len(missing)
    assert report["coverage"] == pytest.approx(len(covered) / len(required))
    listed, after, cursors = [], None, []
    while True:
        page = (await ask(ADMIN, COVERAGE, org=toimija, after=after))["data"]["transferCoverage"]["missing"]
        assert page["totalCount"] == len(missing)
        assert all(n["transferRequired"] and n["hoks"] is None for n in page["nodes"])
        listed += [n["oid"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        cursors.append(after)
    assert listed == missing

    analysed = await ask(ANALYST, COVERAGE, org=oppilaitos)
    # The study rights an analyst sees missing are pseudonyms too, as are their learners.
    shown = analysed["data"]["transferCoverage"]["missing"]["nodes"]
    assert shown and all(n["learner"]["oid"].startswith("pseudonym:learner:") for n in shown)
    assert all(n["oid"].startswith("pseudonym:study-right:") for n in shown)
    assert not [oid for oid in rights.values() if oid in json.dumps(analysed)]
    # An analyst's cursors hold no study right OID; an admin's are not an analyst's to use.
    cursor = analysed["data"]["transferCoverage"]["missing"]["pageInfo"]["endCursor"]
    assert cursor is not None and not any(oid.encode() in cursor_content(cursor) for oid in rights.values())
    assert codes(await ask(ANALYST, COVERAGE, org=oppilaitos, after=cursor)) == []
    assert codes(await ask(ANALYST, COVERAGE, org=oppilaitos, after=cursors[0])) == ["BAD_USER_INPUT"]
    assert codes(await ask(ADMIN, COVERAGE, org="1.2.246.562.10.99999999990")) == ["NOT_FOUND"]
    assert codes(await ask(staff(toimija), COVERAGE, org=toimija)) == ["WRONG_AUTHENTICATION_TYPE"]
