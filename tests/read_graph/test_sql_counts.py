"""Each view costs the same number of SQL statements at any size: no N+1 (counts, never time)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bench.views import LEARNER_BY_OID, ORGANISATION, PLAN_DETAIL, STAFF_LIST, STATISTICS
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, Ask, sql, staff

HOKSES = """
{
  hokses(first: 50) {
    totalCount
    nodes { id progress { total } studyRight { oid oppilaitos { oid } } learner { surname } }
  }
}
"""
COVERAGE = """
query($org: ID!) {
  transferCoverage(organisationOid: $org) {
    requiredCount coveredCount organisation { oid }
    missing(first: 50) { totalCount nodes { oid learner { oid } oppilaitos { oid } } }
  }
}
"""
PLAN_LEVELS = """
query($id: ID!) {
  hoks(id: $id) { id learner { surname } studyRight { status } vocationalUnits { unitCodeUri } }
}
"""
LEARNER_LEVELS = """
query($oid: ID!) {
  learner(oid: $oid) { surname studyRights { status hoks { id vocationalUnits { unitCodeUri } } } }
}
"""
AUDIT = "{ auditEvents(first: 50) { totalCount nodes { operation learnerOid } } }"


async def grow(factory: Factory, providers: int) -> tuple[str, str, int]:
    """`providers` more providers, each with three learners with a plan and one without:
    (the last koulutustoimija, the last learner with a plan, that plan)."""
    toimija, oppilaitos, person, plan = "", "", "", 0
    for n in range(providers):
        toimija, oppilaitos = await factory.provider(f"Toimija {n}")
        for _ in range(3):
            person, _r, plan = await factory.learner_with_plan(toimija, oppilaitos)
        await factory.study_right(await factory.learner(), toimija, oppilaitos)
    return toimija, person, plan


async def test_views_cost_the_same_at_any_size(factory: Factory, ask: Ask) -> None:
    Run = Callable[[str, str, int], Awaitable[dict[str, Any]]]
    views: dict[str, Run] = {
        "staff list": lambda org, person, plan: ask(staff(org), STAFF_LIST, first=50),
        "admin list": lambda org, person, plan: ask(ADMIN, STAFF_LIST, first=50),
        "admin list of an organisation": lambda org, person, plan: ask(
            ADMIN, STAFF_LIST, org=org, first=50, order="SURNAME_ASC"
        ),
        "plan detail": lambda org, person, plan: ask(ADMIN, PLAN_DETAIL, id=str(plan)),
        "learner by oid": lambda org, person, plan: ask(ADMIN, LEARNER_BY_OID, oid=person),
        "organisation": lambda org, person, plan: ask(ADMIN, ORGANISATION, oid=org),
        "hokses": lambda org, person, plan: ask(ADMIN, HOKSES),
        "statistics": lambda org, person, plan: ask(ADMIN, STATISTICS),
        "coverage": lambda org, person, plan: ask(ADMIN, COVERAGE, org=org),
        "audit": lambda org, person, plan: ask(ADMIN, AUDIT),
    }
    counts: dict[str, list[int]] = {name: [] for name in views}
    for providers in (1, 4):
        org, person, plan = await grow(factory, providers)
        for name, run in views.items():
            body = await run(org, person, plan)
            assert "errors" not in body, (name, body)
            assert next(iter(body["data"].values())) is not None, (name, body)
            counts[name].append(sql(body))
    assert {name: c[0] for name, c in counts.items()} == {name: c[1] for name, c in counts.items()}
    # Organisations aside (read every time here), one statement reads a plan with its learner,
    # study right and content, or a learner with every study right and plan, and inserts the
    # audit events (hoks/plan_view.py, learners/learner_view.py, audit/folded.py).
    assert sql(await ask(ADMIN, PLAN_LEVELS, id=str(plan))) == 1
    assert sql(await ask(ADMIN, LEARNER_LEVELS, oid=person)) == 1
