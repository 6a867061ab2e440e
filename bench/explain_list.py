"""EXPLAIN ANALYZE of the staff student list's first page, per order, on a seeded database.

    .venv/bin/python -m bench.explain_list --plans 100000 [--legacy]

The largest oppilaitos, as its staff (READ on it), `first: 50` (so LIMIT 51). By default the
page is read from `learner_list` (0006); `--legacy` plans the page computed from the study rights
(as before 0006, and still for a staff member's list over all their organisations at once).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass

import asyncpg

from bench.datasets import DEFAULT_SERVER, ensure_seeded
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.authz.scope import Scope
from hoks_gateway.db.explain import explain, nodes
from hoks_gateway.graphql.cursors import Cursors, CursorSeal
from hoks_gateway.learners.search import LearnerOrder, LearnerSearch

STAFF_OID = "1.2.246.562.24.92634157188"


@dataclass(frozen=True, slots=True)
class Computed(LearnerSearch):
    """The page as computed before 0006: from the study rights, whatever the organisation."""

    @property
    def listed_in(self) -> str | None:
        return None


async def run(plans: int, legacy: bool, repeat: int) -> None:
    url = await ensure_seeded(DEFAULT_SERVER, plans)
    conn = await asyncpg.connect(url)
    try:
        oppilaitos = await conn.fetchval(
            "SELECT oppilaitos_oid FROM study_rights GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        learners = await conn.fetchval(
            "SELECT count(DISTINCT learner_oid) FROM study_rights WHERE oppilaitos_oid = $1", oppilaitos
        )
        print(f"{plans:,} plans; oppilaitos {oppilaitos}: {learners:,} learners; first page (LIMIT 51)")
        principal = Principal(PrincipalKind.STAFF, STAFF_OID, {oppilaitos: frozenset({Privilege.READ})})
        scope = Scope(principal, {Privilege.READ: frozenset({oppilaitos})})
        kind = Computed if legacy else LearnerSearch
        cursors = Cursors(CursorSeal.of_this_process(), principal.kind)
        for order in LearnerOrder:
            query = kind(scope, oppilaitos, (), order).page_query(50, None, cursors)
            timings = []
            for _ in range(repeat):
                plan = await explain(conn, query, analyze=True)
                timings.append(plan["Execution Time"])
            shape = sorted({n["Node Type"] for n in nodes(plan["Plan"])})
            print(
                f"  {order.value:20} median {statistics.median(timings):8.2f} ms  nodes: {', '.join(shape)}"
            )
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plans", type=int, default=100_000)
    parser.add_argument("--legacy", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.plans, args.legacy, args.repeat))


if __name__ == "__main__":
    main()
