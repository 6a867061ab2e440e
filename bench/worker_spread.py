"""How keep-alive connections spread over `hoks-gateway serve --workers N` (docs/operations.md).

Starts the real CLI against a scratch database, opens `--clients` keep-alive connections at once
(one httpx client each, one connection), sends `--requests` GraphQL requests over each, and then
counts, per worker process, the established connections it owns (psutil, as root). Repeated
`--runs` times with a fresh server each.

    .venv/bin/python -m bench.worker_spread --workers 2 --clients 32 --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.urls import with_database
from tests.processes import free_port, wait_until_answering

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "hoks_bench_worker_spread"
QUERY = {"query": '{ organisation(oid: "1.2.246.562.10.00000000001") { oid } }'}


async def _scratch_database() -> str:
    conn = await asyncpg.connect(SERVER)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()
    url = with_database(SERVER, DATABASE)
    await asyncio.to_thread(upgrade, url)
    return url


async def _client(base: str, requests: int, opened: asyncio.Barrier) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        await client.get("/healthz")  # the connection is open: wait for the others before the load
        await opened.wait()
        for _ in range(requests):
            response = await client.post("/graphql", json=QUERY)
            assert response.status_code == 200, response.text
        await opened.wait()
        await asyncio.Event().wait()  # open until cancelled, after the count


def _spread(server: subprocess.Popen[bytes], port: int) -> list[int]:
    """Established connections to `port` per process that listens on it, busiest first."""
    counts = [
        sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port for c in connections)
        for connections in _connections(server, port)
    ]
    return sorted(counts, reverse=True)


def _connections(server: subprocess.Popen[bytes], port: int) -> list[list[Any]]:
    found = []
    for process in psutil.Process(server.pid).children(recursive=True):
        try:
            connections = process.net_connections("tcp")
        except psutil.Error:
            continue
        if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections):
            found.append(connections)
    return found


def _until_listening(server: subprocess.Popen[bytes], port: int, workers: int) -> None:
    """Every worker accepting, not just the first: a late one would get no connections."""
    deadline = time.monotonic() + 120
    while len(_connections(server, port)) < workers:
        assert time.monotonic() < deadline, "not every worker started"
        time.sleep(0.2)
    time.sleep(1)


@contextmanager
def _serving(url: str, workers: int) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKS_")}
    env |= {"HOKS_DATABASE_URL": url, "HOKS_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "hoks_gateway.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)  # noqa: S603 (our own CLI)
    try:
        wait_until_answering(server, f"http://127.0.0.1:{port}/healthz", Path(os.devnull), 60)
        _until_listening(server, port, workers)
        yield server, port
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


async def _load(server: subprocess.Popen[bytes], port: int, clients: int, requests: int) -> list[int]:
    opened = asyncio.Barrier(clients + 1)
    base = f"http://127.0.0.1:{port}"
    tasks = [asyncio.create_task(_client(base, requests, opened)) for _ in range(clients)]
    await opened.wait()
    await opened.wait()  # the load is done, the connections are still open
    spread = _spread(server, port)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return spread


def _run(url: str, workers: int, clients: int, requests: int) -> list[int]:
    with _serving(url, workers) as (server, port):
        return asyncio.run(_load(server, port, clients, requests))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = asyncio.run(_scratch_database())
    spreads = [_run(url, args.workers, args.clients, args.requests) for _ in range(args.runs)]
    for spread in spreads:
        print(f"connections per worker: {'/'.join(map(str, spread))}")
    shares = Counter(max(s) * 100 // max(1, sum(s)) for s in spreads)
    print(f"busiest worker's share of connections (%, runs): {dict(sorted(shares.items()))}")


if __name__ == "__main__":
    main()
