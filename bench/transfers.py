"""Bulk transfers over the real HTTP stack: createHoks, then replaceHoks, from concurrent clients.

    .venv/bin/python -m bench.transfers --plans 2000 --concurrency 16

Starts the gateway (uvicorn, loopback) against a scratch database on the local PostgreSQL
(--server), registers one learner and study right per plan, creates a service account and signs
in through POST /auth/token, then sends every plan as a transfer: realistic plans the size of
eHOKS's anonymised-example-1.json (8 vocational units, 6 work periods), with fresh OIDs per plan.
The replace phase moves one work period's end date and sends the whole plan again with
expectedRevision 1. Prints plans/s, p50/p99 and SQL statements per request for each phase.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import socket
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.cpu import Spent, measured
from bench.loadgen import Result, run
from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.urls import with_database
from hoks_gateway.hoks.document import HoksDocument
from hoks_gateway.hoks.graphql_parts import input_variables
from hoks_gateway.identifiers import OPH_ROOT_OID, make_oid

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ehoks" / "valid"
TEMPLATE = "anonymised-example-1.json"
CLIENT_ID = "bench-sis"
SECRET = "bench-secret-" + uuid.uuid4().hex

CREATE = "mutation($i: HoksInput!) { createHoks(input: $i) { hoks { id revision } } }"
REPLACE = (
    "mutation($id: ID!, $i: HoksInput!) { replaceHoks(id: $id, input: $i, expectedRevision: 1) "
    "{ hoks { id revision } } }"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _admin(server: str, statement: str) -> None:
    conn = await asyncpg.connect(with_database(server, "postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _register(url: str, plans: int, rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    """Organisations, learners and study rights (one per plan); returns the koulutustoimija and
    the (learner, study right) pairs."""
    koulutustoimija, oppilaitos = make_oid(10, rng), make_oid(10, rng)
    pairs = [(make_oid(24, rng), make_oid(15, rng)) for _ in range(plans)]
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO organisations (oid, parent_oid, ancestor_oids, type, name_fi) VALUES "
            "($1, NULL, '{}', 'ROOT', 'OPH'), ($2, $1, ARRAY[$1], 'KOULUTUSTOIMIJA', 'Bench KT'), "
            "($3, $2, ARRAY[$1, $2], 'OPPILAITOS', 'Bench OL')",
            OPH_ROOT_OID,
            koulutustoimija,
            oppilaitos,
        )
        await conn.copy_records_to_table(
            "learners",
            records=[(learner, "Testi", "Oppija") for learner, _ in pairs],
            columns=["oid", "first_names", "surname"],
        )
        started = dt.date(2023, 8, 1)
        await conn.copy_records_to_table(
            "study_rights",
            records=[
                (right, learner, oppilaitos, koulutustoimija, "VOCATIONAL", "lasna", started)
                for learner, right in pairs
            ],
            columns=[
                "oid",
                "learner_oid",
                "oppilaitos_oid",
                "koulutustoimija_oid",
                "kind",
                "status",
                "started_on",
            ],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    db = Database.connect(url, pool_size=1, max_overflow=0)
    try:
        await ServiceAccounts(db, system_clock).add(
            CLIENT_ID, {koulutustoimija: frozenset({Privilege.READ, Privilege.WRITE})}, SECRET
        )
    finally:
        await db.dispose()
    return koulutustoimija, pairs


def _plans(pairs: list[tuple[str, str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """HoksInput variables per plan: as created, and as replaced (one work period moved)."""
    template = json.loads((CORPUS / TEMPLATE).read_text(encoding="utf-8"))
    created, replaced = [], []
    for learner, right in pairs:
        document = template | {"oppija-oid": learner, "opiskeluoikeus-oid": right}
        created.append(input_variables(document, HoksDocument))
        changed = json.loads(json.dumps(document))
        changed["hankittavat-ammat-tutkinnon-osat"][0]["osaamisen-hankkimistavat"][1]["loppu"] = "2024-05-20"
        replaced.append(input_variables(changed, HoksDocument))
    return created, replaced


async def _start_gateway(url: str, port: int, data_dir: Path, workers: int) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "HOKS_DATABASE_URL": url,
        "HOKS_DEMO": "1",
        "HOKS_DATA_DIR": str(data_dir),
        "HOKS_DEBUG_METRICS": "1",
        "HOKS_DB_POOL_SIZE": "20",
        "HOKS_LOG_LEVEL": "warning",
        # The default per-principal limit (3000 a minute) would turn a bulk transfer away after
        # 50 plans/s; the bench measures the write path, not the limiter.
        "HOKS_RATE_LIMIT_REQUESTS": "0",
    }
    command = [
        sys.executable, "-m", "uvicorn", "hoks_gateway.app:app_from_environment", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return await asyncio.create_subprocess_exec(*command, env=env)


async def _wait_ready(base: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            if process.returncode is not None:
                raise SystemExit("the gateway exited during start-up")
            try:
                if (await http.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the gateway did not become ready in 30 s")


async def _token(base: str) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}/auth/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET},
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


async def _plan_ids(url: str, pairs: list[tuple[str, str]]) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT study_right_oid, id FROM hoks")
    finally:
        await conn.close()
    by_right = {row["study_right_oid"]: row["id"] for row in rows}
    return [by_right[right] for _, right in pairs]


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    name = f"hoks_bench_transfers_{os.getpid()}"
    await _admin(args.server, f'DROP DATABASE IF EXISTS "{name}"')
    await _admin(args.server, f'CREATE DATABASE "{name}"')
    url = with_database(args.server, name)
    process = None
    try:
        await asyncio.to_thread(upgrade, url)
        _, pairs = await _register(url, args.plans, rng)
        created, replaced = _plans(pairs)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as data_dir:
            process = await _start_gateway(url, port, Path(data_dir), args.workers)
            await _wait_ready(base, process)
            headers = {"Authorization": f"Bearer {await _token(base)}"}
            size = len(json.dumps({"query": CREATE, "variables": {"i": created[0]}}))
            print(
                f"{args.plans} plans of {size / 1024:.1f} KiB (GraphQL request), "
                f"concurrency {args.concurrency}, {args.workers} uvicorn worker(s), "
                f"{os.cpu_count()} CPUs shared with PostgreSQL and the clients"
            )
            pid = process.pid
            results: list[tuple[Result, Spent]] = []
            results.append(
                await measured(
                    pid,
                    {"PostgreSQL": url},
                    run(
                        "createHoks",
                        f"{base}/graphql",
                        lambda i: {"query": CREATE, "variables": {"i": created[i]}},
                        requests=args.plans,
                        concurrency=args.concurrency,
                        headers=headers,
                        max_seconds=args.max_seconds,
                    ),
                )
            )
            ids = await _plan_ids(url, pairs)
            results.append(
                await measured(
                    pid,
                    {"PostgreSQL": url},
                    run(
                        "replaceHoks (expectedRevision)",
                        f"{base}/graphql",
                        lambda i: {"query": REPLACE, "variables": {"id": str(ids[i]), "i": replaced[i]}},
                        requests=args.plans,
                        concurrency=args.concurrency,
                        headers=headers,
                        max_seconds=args.max_seconds,
                    ),
                )
            )
            for result, spent in results:
                print(f"{result.line('plans')}   {spent.per_request_ms(len(result.latencies_s))}")
    finally:
        if process is not None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
        if not args.keep:
            await _admin(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.transfers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=2000, help="plans to transfer (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument(
        "--server", default=DEFAULT_SERVER, help=f"PostgreSQL server (default {DEFAULT_SERVER})"
    )
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--max-seconds", type=float, default=300.0, help="time limit per phase")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
