"""Throughput and latency of the read views on seeded data (issue 6).

    .venv/bin/python -m bench.read_views --plans 10000

Seeds (or reuses) a scratch database on the local PostgreSQL, starts the gateway under uvicorn
on loopback with HOKS_DEBUG_METRICS=1 (so every answer says how many SQL statements it took),
and drives each view with bench/loadgen.py: the learner's own view (`me`, each request as a
different learner), a 50-row page of the staff student list (random pages of the largest
oppilaitos, as its staff), the staff plan detail and transferStatistics.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import loadgen
from bench.cpu import Spent, measured
from bench.datasets import DEFAULT_SERVER, database_name, ensure_seeded
from bench.server import Served, serving, uvicorn_command
from bench.views import LEARNER_VIEW, PLAN_DETAIL, STAFF_LIST, STATISTICS
from hoks_gateway.auth.demo import dev_token_issuer
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.db.urls import with_database
from hoks_gateway.settings import Settings
from tests.replicas.cluster import make_cluster

ADMIN = Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789")
STAFF_OID = "1.2.246.562.24.92634157188"
SAMPLE = 400


async def subjects(url: str, rng: random.Random) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        learners = [r[0] for r in await conn.fetch("SELECT learner_oid FROM hoks WHERE deleted_at IS NULL")]
        plans = [r[0] for r in await conn.fetch("SELECT id FROM hoks WHERE deleted_at IS NULL")]
        oppilaitos = await conn.fetchval(
            "SELECT oppilaitos_oid FROM study_rights GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        listed = await conn.fetchval(
            "SELECT count(*) FROM study_rights WHERE oppilaitos_oid = $1", oppilaitos
        )
    finally:
        await conn.close()
    return {
        "learners": rng.sample(learners, min(SAMPLE, len(learners))),
        "plans": rng.sample(plans, min(SAMPLE, len(plans))),
        "oppilaitos": oppilaitos,
        "listed_study_rights": listed,
    }


async def list_cursors(base: str, headers: dict[str, str], oppilaitos: str, pages: int) -> list[str | None]:
    """Cursors of the first `pages` pages, so the load reads deep pages as well as the first."""
    cursors: list[str | None] = [None]
    async with httpx.AsyncClient(timeout=30) as http:
        while len(cursors) < pages:
            variables = {"org": oppilaitos, "first": 50, "after": cursors[-1]}
            body = (
                await http.post(
                    f"{base}/graphql", json={"query": STAFF_LIST, "variables": variables}, headers=headers
                )
            ).json()
            info = body["data"]["learners"]["pageInfo"]
            if not info["hasNextPage"]:
                break
            cursors.append(info["endCursor"])
    return cursors


def body(query: str, variables: Callable[[int], dict[str, Any]]) -> loadgen.MakeBody:
    return lambda i: {"query": query, "variables": variables(i)}


async def measure(
    served: Served,
    databases: dict[str, str],
    data_dir: Path,
    found: dict[str, Any],
    requests: int,
    concurrency: int,
) -> list[tuple[loadgen.Result, Spent]]:
    issuer = dev_token_issuer(Settings(data_dir=data_dir, demo=True))

    def bearer(principal: Principal) -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.issue(principal, 3600)}"}

    learner_headers = [bearer(Principal(PrincipalKind.LEARNER, oid)) for oid in found["learners"]]
    staff = bearer(
        Principal(PrincipalKind.STAFF, STAFF_OID, {found["oppilaitos"]: frozenset({Privilege.READ})})
    )
    admin = bearer(ADMIN)
    base = served.base
    cursors = await list_cursors(base, staff, found["oppilaitos"], 20)
    plans = found["plans"]
    views: list[tuple[str, loadgen.MakeBody, Any]] = [
        (
            "learner view (me)",
            body(LEARNER_VIEW, lambda i: {}),
            lambda i: learner_headers[i % len(learner_headers)],
        ),
        (
            "staff list, 50 rows",
            body(
                STAFF_LIST,
                lambda i: {"org": found["oppilaitos"], "first": 50, "after": cursors[i % len(cursors)]},
            ),
            staff,
        ),
        ("plan detail", body(PLAN_DETAIL, lambda i: {"id": str(plans[i % len(plans)])}), admin),
        ("transferStatistics", body(STATISTICS, lambda i: {}), admin),
    ]
    url = f"{base}/graphql"
    results = []
    for name, make_body, headers in views:
        await loadgen.run(
            name, url, make_body, requests=min(50, requests), concurrency=concurrency, headers=headers
        )
        count = requests if name != "transferStatistics" else max(20, requests // 10)
        phase = loadgen.run(name, url, make_body, requests=count, concurrency=concurrency, headers=headers)
        results.append(await measured(served.pid, databases, phase))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plans", type=int, default=10_000, help="seeded HOKS plans (default 10000)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server to seed on")
    parser.add_argument("--requests", type=int, default=1000, help="requests per view (statistics: a tenth)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    parser.add_argument("--port", type=int, default=8761)
    parser.add_argument(
        "--with-replica",
        action="store_true",
        help="seed an embedded primary of its own with a streaming replica (tests/replicas/cluster.py) "
        "instead of --server, and read from the replica: PostgreSQL's CPU split by server",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work, contextlib.ExitStack() as stack:
        server, replica = args.server, None
        if args.with_replica:
            base = Path(work) / "cluster"
            base.mkdir(mode=0o755)
            cluster = make_cluster(base, replicas=1)
            stack.callback(cluster.stop)
            server, replica = cluster.primary_url, cluster.standbys[0]
        url = asyncio.run(ensure_seeded(server, args.plans))
        found = asyncio.run(subjects(url, random.Random(6)))
        databases = {"PostgreSQL": url}
        env = {"HOKS_DATABASE_URL": url, "HOKS_DEMO": "1", "HOKS_DATA_DIR": work, "HOKS_DEBUG_METRICS": "1"}
        if replica is not None:
            asyncio.run(replica.caught_up())
            replica_url = with_database(replica.url, database_name(args.plans, 2019))
            databases = {"primary": url, "replica": replica_url}
            env["HOKS_DATABASE_REPLICA_URLS"] = replica_url
        command = uvicorn_command(
            "hoks_gateway.app:app_from_environment", args.port, workers=args.workers, factory=True
        )
        with serving(command, args.port, env) as served:
            measuring = measure(served, databases, Path(work), found, args.requests, args.concurrency)
            results = asyncio.run(measuring)
    print(
        f"\n{args.plans:,} plans; staff list of the largest oppilaitos "
        f"({found['listed_study_rights']:,} study rights); {args.workers} worker(s), "
        f"{args.concurrency} concurrent clients" + (", reads from a streaming replica" if replica else "")
    )
    for result, spent in results:
        print(f"{result.line()}   {spent.per_request_ms(len(result.latencies_s))}")


if __name__ == "__main__":
    main()
