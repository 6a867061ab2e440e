"""The Python floor of the plan-detail view: what the stack costs with no GraphQL at all.

One joined asyncpg statement (plan, learner, study right), the audit row insert, the stored
document parsed and written back with orjson, on starlette under uvicorn. It answers the gateway's
detail request bodies (`{"variables": {"id": ...}}`), so `bench.side_by_side --floor` drives it
with the same subjects; `bench.baseline_asyncpg` is the same kind of floor for the learner view.

It imports nothing of the gateway, so that the tool venv of bench/peer/setup.sh (uvloop and
httptools) can serve it: `uvicorn bench.floor:create_app --factory` with BENCH_DATABASE_URL set.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

READ = """
SELECT h.id, h.eid, h.revision, h.document::text AS doc, l.oid, l.first_names, l.surname,
       s.oid AS sr, s.kind, s.status, s.started_on, s.ended_on, s.oppilaitos_oid
FROM hoks h JOIN learners l ON l.oid = h.learner_oid JOIN study_rights s ON s.oid = h.study_right_oid
WHERE h.id = $1
"""
AUDIT = """
INSERT INTO audit_events (request_id, principal_kind, principal_id, organisation_oid, operation, outcome,
                          target_learner_oid, target_hoks_id)
VALUES (NULL, 'ADMIN', 'floor', $1, 'PlanDetail', 'SUCCESS', $2, $3)
"""


def create_app() -> Starlette:
    url = os.environ["BENCH_DATABASE_URL"]
    pools: list[asyncpg.Pool] = []

    async def detail(request: Request) -> Response:
        plan_id = int(orjson.loads(await request.body())["variables"]["id"])
        async with pools[0].acquire() as conn:
            row = await conn.fetchrow(READ, plan_id)
            await conn.execute(AUDIT, row["oppilaitos_oid"], row["oid"], row["id"])
        plan = {
            "learner": {"oid": row["oid"], "firstNames": row["first_names"], "surname": row["surname"]},
            "studyRight": {
                "oid": row["sr"],
                "kind": row["kind"],
                "status": row["status"],
                "startedOn": row["started_on"],
                "endedOn": row["ended_on"],
            },
            "id": str(row["id"]),
            "eid": str(row["eid"]),
            "revision": row["revision"],
            "document": orjson.loads(row["doc"]),
        }
        return Response(orjson.dumps({"data": {"hoks": plan}}), media_type="application/json")

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pools.append(await asyncpg.create_pool(url, min_size=10, max_size=10))
        try:
            yield
        finally:
            await pools[0].close()

    return Starlette(
        routes=[Route("/graphql", detail, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan
    )
