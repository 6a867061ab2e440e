"""Abuse within the limits, against `hoks-gateway serve --demo` (docs/operations.md, "Abuse limits").

Prints four figures:
- validation CPU of a 12 KB document of `me { oid }` repeated 1,240 times: graphql-core's own
  rules in-process, and the server's CPU per request (psutil) as the gateway answers it;
- /healthz latency while `--clients` anonymous clients send that document without pause;
- the server's RSS while a 300 MB body is streamed to POST /auth/token;
- the answer to 50 aliases of `hokses(first: 100) { nodes { ehoksDocument } }` as ADMIN (bytes,
  status, code).

The gateway runs with one worker on a scratch database `hoks_bench_abuse` of the local server,
seeded with the demo data (300 plans) on first start.

    .venv/bin/python -m bench.abuse
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
from graphql import parse, validate

from bench.datasets import recreate_database
from bench.server import free_port, serving
from hoks_gateway.db.urls import with_database
from hoks_gateway.graphql.schema import schema
from tests.client import bearer

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "hoks_bench_abuse"
REPEATED = "{" + " me { oid }" * 1240 + " }"
ALIASES = (
    "{ " + " ".join(f"a{i}: hokses(first: 100) {{ nodes {{ ehoksDocument }} }}" for i in range(50)) + " }"
)
UPLOAD_MB = 300


@contextmanager
def _serving(url: str, data_dir: Path) -> Iterator[tuple[str, psutil.Process]]:
    port = free_port()
    env = {"HOKS_DATABASE_URL": url, "HOKS_DATA_DIR": str(data_dir), "HOKS_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "hoks_gateway.cli", "serve", "--demo", "--port", str(port)]
    # The first start seeds the demo data before it answers.
    with serving(command, port, env, log=data_dir / "serve.log", start_timeout_s=300) as served:
        yield served.base, psutil.Process(served.pid)


def _code(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return "not JSON"
    return str(errors[0].get("extensions", {}).get("code")) if errors else "none"


def _validation_cpu(base: str, server: psutil.Process, requests: int) -> None:
    document = parse(REPEATED, max_tokens=5000)
    started = time.process_time()
    errors = validate(schema._schema, document)
    rules_ms = (time.process_time() - started) * 1000
    print(f"document: {len(REPEATED):,} bytes, `me {{ oid }}` x 1,240")
    verdict = errors[0].message if errors else "valid"
    print(f"  graphql-core's rules in-process: {rules_ms:.0f} ms CPU ({verdict})")
    with httpx.Client(base_url=base, timeout=120) as client:
        client.post("/graphql", json={"query": REPEATED})  # the first one may fill caches
        _server_cpu(server, "the same text", [REPEATED] * requests, client)
        # A comment makes each text new: what a client pays who dodges every cache by text.
        unique = [f"{REPEATED} # {n}" for n in range(requests)]
        _server_cpu(server, "a new text each time", unique, client)


def _server_cpu(server: psutil.Process, what: str, queries: list[str], client: httpx.Client) -> None:
    before = server.cpu_times()
    codes = Counter(_code(client.post("/graphql", json={"query": query})) for query in queries)
    after = server.cpu_times()
    used = (after.user + after.system - before.user - before.system) / len(queries) * 1000
    print(f"  server CPU per request, {what} (mean of {len(queries)}): {used:.1f} ms; answers {dict(codes)}")


async def _healthz_under_load(base: str, clients: int, seconds: float) -> None:
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def probe(until: float) -> list[float]:
            took = []
            while time.monotonic() < until:
                started = time.monotonic()
                await client.get("/healthz")
                took.append(time.monotonic() - started)
                await asyncio.sleep(0.05)
            return took

        idle = await probe(time.monotonic() + 2)
        stop = time.monotonic() + seconds
        answered: Counter[str] = Counter()

        async def hostile() -> None:
            while time.monotonic() < stop:
                answered[_code(await client.post("/graphql", json={"query": REPEATED}))] += 1

        attack = [asyncio.create_task(hostile()) for _ in range(clients)]
        await asyncio.sleep(0.5)
        loaded = await probe(stop)
        await asyncio.gather(*attack)

    def line(took: list[float]) -> str:
        took = sorted(took)
        return (
            f"median {statistics.median(took) * 1000:.0f} ms, "
            f"p90 {took[int(len(took) * 0.9)] * 1000:.0f} ms, max {took[-1] * 1000:.0f} ms "
            f"({len(took)} probes)"
        )

    print(f"/healthz idle: {line(idle)}")
    print(f"/healthz under {clients} hostile clients for {seconds:.0f} s: {line(loaded)}")
    print(f"  hostile requests answered: {sum(answered.values())} {dict(answered)}")


def _rss(process: psutil.Process) -> int:
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


def _upload(base: str, server: psutil.Process) -> None:
    before = _rss(server)
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss(server))
            time.sleep(0.02)

    def body() -> Iterator[bytes]:
        chunk = b"a" * 1_048_576
        yield b"grant_type=client_credentials&client_id=x&client_secret="
        for _ in range(UPLOAD_MB):
            yield chunk

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    try:
        with httpx.Client(base_url=base, timeout=300) as client:
            response = client.post("/auth/token", content=body(), headers=headers)
            outcome = f"{response.status_code} {response.text[:120]}"
    except httpx.HTTPError as error:
        outcome = f"{type(error).__name__} (the server closed the upload)"
    took = time.monotonic() - started
    time.sleep(0.5)
    done.set()
    sampler.join()
    print(
        f"POST /auth/token with {UPLOAD_MB} MB: RSS {before / 2**20:.0f} MB before, "
        f"peak {peak / 2**20:.0f} MB (+{(peak - before) / 2**20:.0f} MB); {outcome} after {took:.1f} s"
    )


def _aliases(base: str, data_dir: Path) -> None:
    with httpx.Client(base_url=base, timeout=300) as client:
        started = time.monotonic()
        response = client.post("/graphql", json={"query": ALIASES}, headers=bearer(data_dir))
        took = time.monotonic() - started
    print(
        f"50 x hokses(first: 100) {{ nodes {{ ehoksDocument }} }} as ADMIN: {len(response.content):,} bytes, "
        f"HTTP {response.status_code}, code {_code(response)}, {took:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--requests", type=int, default=10, help="hostile requests timed one by one")
    args = parser.parse_args()
    asyncio.run(recreate_database(SERVER, DATABASE))
    url = with_database(SERVER, DATABASE)
    with tempfile.TemporaryDirectory() as scratch, _serving(url, Path(scratch)) as (base, server):
        _validation_cpu(base, server, args.requests)
        asyncio.run(_healthz_under_load(base, args.clients, args.seconds))
        _upload(base, server)
        _aliases(base, Path(scratch))


if __name__ == "__main__":
    main()
