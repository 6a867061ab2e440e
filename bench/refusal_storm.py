"""A provider's retry storm of refused writes against `hoks-gateway serve` (docs/operations.md).

`--clients` clients each re-send the create of a plan that already exists (HOKS_ALREADY_EXISTS)
`--requests` times, while one client reads another plan and /readyz is polled; the gateway runs
with its default pool (10 + 10 per worker) and `--workers` workers, on a scratch database
`hoks_bench_refusal_storm` of the local server. Prints requests offered and answered, the status
codes, latencies and /readyz.

    .venv/bin/python -m bench.refusal_storm --clients 40 --requests 5 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.urls import with_database
from tests.client import bearer
from tests.faults.plans import IMPORT, READ, code_of, import_plans, plan_document, study_rights
from tests.processes import free_port, wait_until_answering

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "hoks_bench_refusal_storm"


async def _fresh_database() -> str:
    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()
    url = with_database(SERVER, DATABASE)
    await asyncio.to_thread(upgrade, url)
    return url


@contextmanager
def _serving(url: str, data_dir: Path, workers: int) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKS_")}
    env |= {"HOKS_DATABASE_URL": url, "HOKS_DATA_DIR": str(data_dir), "HOKS_LOG_LEVEL": "warning"}
    env |= {"HOKS_DEMO": "1"}  # tokens signed with the demo key under data_dir
    command = [sys.executable, "-m", "hoks_gateway.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    log = data_dir / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_until_answering(server, f"http://127.0.0.1:{port}/readyz", log, 120)
        time.sleep(3)  # every worker up
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


async def _timed(call: Any) -> tuple[float, str]:
    started = time.monotonic()
    try:
        response = await call
        outcome = f"{response.status_code}:{code_of(response.json()) if response.content else None}"
    except httpx.HTTPError as error:
        outcome = type(error).__name__
    return time.monotonic() - started, outcome


async def _study_rights(url: str) -> list[tuple[str, str]]:
    """Before the server starts, so that demo mode finds the database in use and seeds nothing."""
    db = Database.connect(url, pool_size=2, max_overflow=0)
    try:
        return await study_rights(db, 2)
    finally:
        await db.dispose()


async def _storm(
    base: str, data_dir: Path, pairs: list[tuple[str, str]], clients: int, requests: int
) -> None:
    admin = bearer(data_dir)
    limits = httpx.Limits(max_connections=clients + 4)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        existing, other = await import_plans(client, admin, pairs)
        create = {"query": IMPORT, "variables": {"d": plan_document(existing.learner, existing.study_right)}}
        read = {"query": READ, "variables": {"id": str(other.id)}}
        done = asyncio.Event()
        storm: list[tuple[float, str]] = []
        reads: list[tuple[float, str]] = []
        ready: list[tuple[float, str]] = []

        async def refused() -> None:
            for _ in range(requests):
                storm.append(await _timed(client.post("/graphql", json=create, headers=admin)))

        async def reader() -> None:
            while not done.is_set():
                reads.append(await _timed(client.post("/graphql", json=read, headers=admin)))
                ready.append(await _timed(client.get("/readyz")))

        started = time.monotonic()
        watcher = asyncio.create_task(reader())
        await asyncio.gather(*(refused() for _ in range(clients)))
        elapsed = time.monotonic() - started
        done.set()
        await watcher

    def summary(name: str, results: list[tuple[float, str]]) -> str:
        times = sorted(t for t, _ in results)
        codes = dict(Counter(outcome for _, outcome in results))
        p50 = times[len(times) // 2] if times else 0.0
        return f"{name}: offered={len(results)} codes={codes} p50={p50:.2f}s max={max(times, default=0):.2f}s"

    print(f"storm of {clients} clients x {requests} refused creates, {elapsed:.1f} s")
    print(summary("refused creates", storm))
    print(summary("reads of another plan", reads))
    print(summary("/readyz", ready))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = asyncio.run(_fresh_database())
    pairs = asyncio.run(_study_rights(url))
    with tempfile.TemporaryDirectory() as scratch, _serving(url, Path(scratch), args.workers) as base:
        asyncio.run(_storm(base, Path(scratch), pairs, args.clients, args.requests))


if __name__ == "__main__":
    main()
