"""A view read of one plan or one learner is planned once per connection, not on every run
(docs/performance.md, "Generic plans"): PostgreSQL's plan cache keeps the generic plan of a
prepared statement only when it looks no dearer than planning for the values at hand."""

from __future__ import annotations

from hoks_gateway.authz.scope import resolve_scope
from hoks_gateway.db.sessions import Database
from hoks_gateway.hoks.plan_view import PlanWants, plans_read
from hoks_gateway.learners.learner_view import LearnerWants, learners_read
from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, staff

RUNS = 8  # the server plans the first five runs of a prepared statement for their values


async def _plans(db: Database, statement_start: str) -> tuple[int, int]:
    """(generic, custom) plans used so far by the read connection's statements starting so."""
    rows = await db.reads.primary.fetch(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE $1",
        [statement_start + "%"],
    )
    return sum(row["generic_plans"] for row in rows), sum(row["custom_plans"] for row in rows)


async def test_one_plan_and_one_learner_reuse_their_plan(database_url: str) -> None:
    setup = Database.connect(database_url)
    try:
        factory = Factory(setup)
        toimija, oppilaitos = await factory.provider("Toimija")
        learner, _right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    finally:
        await setup.dispose()
    # One read connection, so that pg_prepared_statements (per session) sees every run.
    db = Database.connect(database_url, pool_size=1, max_overflow=0)
    try:
        for principal in (ADMIN, staff(oppilaitos)):
            scope = await resolve_scope(db, principal, None)
            for _ in range(RUNS):
                plans = await plans_read(db.reads, [plan], scope, PlanWants(True, True, True), None)
                learners = await learners_read(
                    db.reads, [learner], scope, LearnerWants(True, True, True), None
                )
                assert list(plans) == [plan] and list(learners) == [learner]
        generic_plan_reads, _ = await _plans(db, "WITH plan")
        generic_learner_reads, _ = await _plans(db, "WITH learner")
    finally:
        await db.dispose()
    # Per statement (admin's, staff's): at least RUNS - 5 runs on the kept plan.
    assert generic_plan_reads >= 2 * (RUNS - 5)
    assert generic_learner_reads >= 2 * (RUNS - 5)
