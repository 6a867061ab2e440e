"""The floor for this stack: the learner view's data fetched with plain asyncpg and serialised with
orjson, served by starlette under uvicorn and driven by the same load generator as the gateway.

    .venv/bin/python -m bench.baseline_asyncpg --plans 10000

One request = the learner, their study rights (with the same transfer-obligation expression),
their plans' stored documents and the organisations' names: the gateway's learner view without
GraphQL, authentication, scope, part statuses or audit. With --audit each request also writes
the audit row the gateway writes (one INSERT in its own transaction).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench import loadgen
from bench.datasets import DEFAULT_SERVER, ensure_seeded
from bench.read_views import subjects
from bench.server import uvicorn_process
from hoks_gateway.db.tables import StudyRight
from hoks_gateway.learners.repository import STUDY_RIGHT_COLUMNS

# The gateway's own study-right columns, transfer obligation included, compiled once to SQL.
STUDY_RIGHTS = str(
    select(*STUDY_RIGHT_COLUMNS)
    .where(StudyRight.learner_oid == "$LEARNER")
    .order_by(StudyRight.started_on.desc(), StudyRight.oid)
    .compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})  # type: ignore[no-untyped-call]
).replace("'$LEARNER'", "$1")
LEARNER = "SELECT oid, first_names, calling_name, surname FROM learners WHERE oid = $1"
PLANS = """
SELECT id, eid, study_right_oid, organisation_oid, first_approved_on, approved_at, updated_at, revision,
       source, document
FROM hoks WHERE study_right_oid = ANY($1::text[]) AND deleted_at IS NULL
"""
ORGANISATIONS = "SELECT oid, name_fi, name_sv FROM organisations WHERE oid = ANY($1::text[])"
AUDIT = """
INSERT INTO audit_events (request_id, principal_kind, principal_id, organisation_oid, operation, outcome,
                          target_learner_oid, target_hoks_id)
SELECT NULL, 'LEARNER', $1, o, 'LearnerView', 'SUCCESS', $1, h
FROM unnest($2::text[], $3::bigint[]) AS t(o, h)
"""


async def learner_view(pool: asyncpg.Pool, oid: str, audit: bool) -> dict[str, Any] | None:
    async with pool.acquire() as conn:
        learner = await conn.fetchrow(LEARNER, oid)
        if learner is None:
            return None
        rights = [dict(r) for r in await conn.fetch(STUDY_RIGHTS, oid)]
        plans = {r["study_right_oid"]: dict(r) for r in await conn.fetch(PLANS, [r["oid"] for r in rights])}
        oids = {r[k] for r in rights for k in ("oppilaitos_oid", "koulutustoimija_oid")}
        oids |= {p["organisation_oid"] for p in plans.values()}
        names = {r["oid"]: dict(r) for r in await conn.fetch(ORGANISATIONS, list(oids))}
        if audit:
            await conn.execute(
                AUDIT,
                oid,
                [p["organisation_oid"] for p in plans.values()],
                [p["id"] for p in plans.values()],
            )
    for right in rights:
        right["oppilaitos"] = names.get(right.pop("oppilaitos_oid"))
        right["koulutustoimija"] = names.get(right.pop("koulutustoimija_oid"))
        plan = plans.get(right["oid"])
        if plan is not None:
            plan["organisation"] = names.get(plan.pop("organisation_oid"))
            plan["document"] = orjson.loads(plan["document"])
        right["hoks"] = plan
    return {"data": {"me": {"kind": "LEARNER", "learner": {**dict(learner), "studyRights": rights}}}}


def create_app() -> Starlette:
    """For uvicorn (`--factory`): BENCH_DATABASE_URL, BENCH_AUDIT=1 to write audit rows."""
    url, audit = os.environ["BENCH_DATABASE_URL"], os.environ.get("BENCH_AUDIT") == "1"
    pools: list[asyncpg.Pool] = []

    async def view(request: Request) -> Response:
        body = await request.json()
        found = await learner_view(pools[0], body["variables"]["oid"], audit)
        return Response(orjson.dumps(found, default=str), media_type="application/json")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pools.append(await asyncpg.create_pool(url, min_size=2, max_size=10))
        try:
            yield
        finally:
            await pools[0].close()

    return Starlette(
        routes=[Route("/graphql", view, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan
    )


async def measure(base: str, learners: list[str], requests: int, concurrency: int) -> loadgen.Result:
    def body(i: int) -> dict[str, Any]:
        return {"query": "learner view", "variables": {"oid": learners[i % len(learners)]}}

    await loadgen.run("baseline", f"{base}/graphql", body, requests=50, concurrency=concurrency)
    return await loadgen.run(
        "learner view, asyncpg + orjson", f"{base}/graphql", body, requests=requests, concurrency=concurrency
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--audit", action="store_true", help="also write the audit row, as the gateway does")
    parser.add_argument("--port", type=int, default=8762)
    args = parser.parse_args()
    url = asyncio.run(ensure_seeded(args.server, args.plans))
    learners = asyncio.run(subjects(url, random.Random(6)))["learners"]
    env = {"BENCH_DATABASE_URL": url, "BENCH_AUDIT": "1" if args.audit else "0"}
    with uvicorn_process("bench.baseline_asyncpg:create_app", args.port, env, factory=True) as base:
        result = asyncio.run(measure(base, learners, args.requests, args.concurrency))
    print(f"\n{args.plans:,} plans; audit rows {'written' if args.audit else 'not written'}")
    print(result.line())


if __name__ == "__main__":
    main()
