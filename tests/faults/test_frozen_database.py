"""A database that stops answering (frozen: SIGSTOP, as a network partition looks) is bounded.

PostgreSQL's statement_timeout needs a server that answers; with only it and the connect timeout,
requests on pooled connections once hung for as long as the server stayed frozen. Now the
driver's command timeout (HOKS_DB_COMMAND_TIMEOUT_S) ends them: 503 DATABASE_UNAVAILABLE with
Retry-After, the connection is discarded, /readyz says unavailable, and once the server runs again
the gateway serves without a restart. The server is the test's own embedded one.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from hoks_gateway.db.embedded import EmbeddedPostgres
from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.sessions import Database
from tests.client import bearer, gateway
from tests.faults.frozen import frozen
from tests.faults.plans import IMPORT, READ, code_of, import_plans, plan_document, study_rights
from tests.hardening.server import report

READERS = 8
WRITERS = 4
# Long enough for any test to answer with the command timeout below; a request that has not
# answered by then hangs for as long as the server is frozen.
NO_ANSWER_S = 30.0


async def _answer(client: httpx.AsyncClient, call: Any) -> tuple[int, str | None, str | None]:
    try:
        response = await asyncio.wait_for(call, NO_ANSWER_S)
    except TimeoutError:
        return 0, "NO_ANSWER", None
    body = response.json()
    return response.status_code, code_of(body), response.headers.get("Retry-After")


async def _backends(url: str) -> set[int]:
    """The server's client backends other than the asking one."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return {row["pid"] for row in rows}


async def _until_gone(url: str, backends: set[int]) -> set[int]:
    """`backends` still alive, once they are gone or after NO_ANSWER_S."""
    deadline = time.monotonic() + NO_ANSWER_S
    while True:
        alive = backends & await _backends(url)
        if not alive or time.monotonic() > deadline:
            return alive
        await asyncio.sleep(0.1)


async def _until_ready(client: httpx.AsyncClient) -> None:
    while True:
        if (await client.get("/readyz")).status_code == 200:
            return
        await asyncio.sleep(0.05)


async def test_requests_to_a_frozen_database_end_with_503_and_the_gateway_recovers(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg-data")
    url = pg.start()
    try:
        await asyncio.to_thread(upgrade, url)
        db = Database.connect(url, pool_size=1, max_overflow=0)
        pairs = await study_rights(db, 1 + WRITERS)
        await db.dispose()
        admin = bearer(tmp_path)
        settings: dict[str, Any] = {
            "data_dir": tmp_path,
            "demo": True,
            "rate_limit_requests": 0,  # so that the reads and writes themselves meet the frozen server
            "db_pool_size": READERS,
            "db_max_overflow": WRITERS,
            "db_connect_timeout_s": 2,
            "db_statement_timeout_ms": 1000,
            "db_command_timeout_s": 2,
        }
        async with gateway(url, **settings) as client:
            [plan] = await import_plans(client, admin, pairs[:1])
            # Every pooled connection open, as in a server that has been taking traffic.
            warm = [
                client.post(
                    "/graphql", json={"query": READ, "variables": {"id": str(plan.id)}}, headers=admin
                )
                for _ in range(READERS)
            ]
            await asyncio.gather(*warm)
            warm_backends = await _backends(url)
            reads = [{"query": READ, "variables": {"id": str(plan.id)}} for _ in range(READERS)]
            writes = [{"query": IMPORT, "variables": {"d": plan_document(*pair)}} for pair in pairs[1:]]
            with frozen(pg.pgdata):
                started = time.monotonic()
                answers = await asyncio.gather(
                    *(
                        _answer(client, client.post("/graphql", json=body, headers=admin))
                        for body in reads + writes
                    )
                )
                slowest_s = time.monotonic() - started
                ready = await _answer(client, client.get("/readyz"))
            thawed = time.monotonic()
            await _until_ready(client)
            recovery_s = time.monotonic() - thawed
            after = await asyncio.gather(
                *(
                    _answer(client, client.post("/graphql", json=body, headers=admin))
                    for body in reads + writes
                )
            )
            # The connections that timed out were discarded: none of their backends serves again.
            kept = await _until_gone(url, warm_backends)
    finally:
        pg.stop()
    codes = Counter(f"{status}:{code}" for status, code, _ in answers)
    report(
        pytestconfig,
        f"frozen database: offered={len(answers)} answered={sum(s != 0 for s, _, _ in answers)} "
        f"codes={dict(codes)} slowest_s={slowest_s:.1f} readyz={ready[0]} recovery_s={recovery_s:.2f} "
        f"after={dict(Counter(f'{s}:{c}' for s, c, _ in after))}",
    )
    assert codes == {"503:DATABASE_UNAVAILABLE": len(answers)}
    assert {retry for _, _, retry in answers} == {"1"}
    assert ready[0] == 503
    assert after == [(200, None, None)] * len(after)
    assert kept == set(), "connections that timed out were used again"
