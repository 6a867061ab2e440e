"""What analysts' protections cost (docs/analyst-view.md): the view of a plan's document, a
pseudonym, a sealed cursor, and the plan detail and student list end to end as ADMIN and as
ANALYST.

    .venv/bin/python -m bench.analyst_view --plans 2000

The first part needs nothing but the corpus documents; the second seeds (or reuses) a scratch
database (bench/datasets.py) and asks an in-process gateway, compiled execution on, the same
plans as each principal in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.datasets import DEFAULT_SERVER, ensure_seeded
from bench.views import PLAN_DETAIL, STAFF_LIST
from hoks_gateway.app import create_app
from hoks_gateway.auth.demo import dev_token_issuer
from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.authz.pseudonyms import Identifier, Pseudonymiser
from hoks_gateway.authz.secret import server_secret
from hoks_gateway.graphql.cursors import Cursors, CursorSeal
from hoks_gateway.hoks.analyst_view import analyst_view
from hoks_gateway.hoks.document import load_stored
from hoks_gateway.settings import Settings

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ehoks" / "valid"
ADMIN = Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789")
ANALYST = Principal(PrincipalKind.ANALYST, "1.2.246.562.24.69366181772")
OID = "1.2.246.562.24.87523456781"


def per_call_us(work: Callable[[], object], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        work()
    return (time.perf_counter() - started) / repeat * 1e6


def in_process(repeat: int) -> None:
    pseudonyms = Pseudonymiser.from_secret(b"bench")
    print("the view of a document (hoks/analyst_view.py), per plan:")
    for path in sorted(CORPUS.glob("*.json")):
        document = load_stored(json.loads(path.read_text(encoding="utf-8")))
        us = per_call_us(functools.partial(analyst_view, document, pseudonyms), repeat)
        print(f"  {path.name:40} {len(path.read_bytes()):7,} bytes  {us:8.1f} µs")
    print("identifiers and cursors:")
    for kind in (Identifier.LEARNER, Identifier.PERIOD, Identifier.EID):
        us = per_call_us(functools.partial(pseudonyms.pseudonym, kind, OID), repeat * 10)
        print(f"  pseudonym of a {kind.value:12} {us:6.1f} µs")
    shown = pseudonyms.pseudonym(Identifier.LEARNER, OID)
    reveal = per_call_us(lambda: pseudonyms.reveal(Identifier.LEARNER, shown), repeat * 10)
    print(f"  reading a learner pseudonym back {reveal:6.1f} µs")
    cursors = Cursors(CursorSeal.of_this_process(), PrincipalKind.ANALYST)
    values, name = ["2026-10-31", OID], "learners.STARTED_DESC"
    cursor = cursors.issue(name, values)
    sealing = per_call_us(lambda: cursors.issue(name, values), repeat * 10)
    opening = per_call_us(lambda: cursors.read(name, cursor), repeat * 10)
    print(f"  sealing a cursor   {sealing:6.1f} µs ({len(cursor)} characters)")
    print(f"  opening a cursor   {opening:6.1f} µs")


async def end_to_end(plans: int, requests: int) -> None:
    url = await ensure_seeded(DEFAULT_SERVER, plans)
    conn = await asyncpg.connect(url)
    try:
        ids = [r[0] for r in await conn.fetch("SELECT id FROM hoks WHERE deleted_at IS NULL ORDER BY id")]
    finally:
        await conn.close()
    chosen = random.Random(7).sample(ids, min(requests, len(ids)))
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(database_url=url, data_dir=Path(data_dir), demo=True, rate_limit_requests=0)
        issuer = dev_token_issuer(settings)
        secret = server_secret(settings)
        assert secret is not None
        named = Pseudonymiser.from_secret(secret)
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
        ):
            for principal in (ADMIN, ANALYST, ADMIN, ANALYST):
                headers = {"Authorization": f"Bearer {issuer.issue(principal, 3600)}"}

                def plan_id(plan: int, principal: Principal = principal) -> str:
                    if principal.kind is PrincipalKind.ANALYST:
                        return named.pseudonym(Identifier.HOKS, str(plan))
                    return str(plan)

                detail = await timed(client, headers, [(PLAN_DETAIL, {"id": plan_id(p)}) for p in chosen])
                pages = await timed(
                    client, headers, [(STAFF_LIST, {"first": 50, "order": "STARTED_DESC"})] * (requests // 4)
                )
                print(
                    f"  {principal.kind.value:8} plan detail median {detail:6.2f} ms   "
                    f"student list page (50) median {pages:6.2f} ms"
                )


async def timed(client: httpx.AsyncClient, headers: dict[str, str], asks: list[tuple[str, Any]]) -> float:
    took = []
    for query, variables in asks:
        started = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        took.append((time.perf_counter() - started) * 1000)
        answer = response.json()
        assert "errors" not in answer, answer
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plans", type=int, default=2000, help="seeded plans for the end-to-end part")
    parser.add_argument("--requests", type=int, default=200, help="plans asked for, per principal")
    parser.add_argument("--repeat", type=int, default=2000, help="calls per in-process figure")
    args = parser.parse_args()
    in_process(args.repeat)
    print(f"end to end, in-process gateway, {args.plans:,} seeded plans (the first round warms up):")
    asyncio.run(end_to_end(args.plans, args.requests))


if __name__ == "__main__":
    main()
