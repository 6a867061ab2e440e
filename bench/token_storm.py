"""GraphQL latency while anonymous clients send wrong client secrets to POST /auth/token.

Starts `hoks-gateway serve` (`--workers`) on a scratch database `hoks_bench_token_storm` of the
local server, measures a public GraphQL read (`organisation(oid:)`, one SQL statement) alone,
then again while `--requests` token requests with wrong secrets are sent at once, all from this
machine's address. `--ids distinct` gives each request a client id of its own (nothing to throttle
per id: every secret is checked, the worst case for hashing); `--ids one` sends them all for one
existing service account. Prints the GraphQL p50/p95/max alone and under the storm, how long the
storm took to be answered and its status codes.

`--src DIR` runs the gateway from another checkout's `src` (e.g. the previous commit's, extracted
with `git archive`), migrated by that checkout's own `hoks-gateway migrate`: the same bench then
measures before and after a change.

    .venv/bin/python -m bench.token_storm --requests 60 --workers 2 --ids distinct
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx

from bench.datasets import recreate_database
from bench.server import free_port, serving
from hoks_gateway.db.urls import with_database

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "hoks_bench_token_storm"
CLIENT_ID = "bench-sis"
READ = {
    "query": "query($oid: ID!) { organisation(oid: $oid) { oid } }",
    "variables": {"oid": "1.2.246.562.10.00000000001"},
}


def _environment(url: str, data_dir: Path, src: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKS_")}
    env |= {"HOKS_DATABASE_URL": url, "HOKS_DATA_DIR": str(data_dir), "HOKS_LOG_LEVEL": "warning"}
    env["HOKS_TOKEN_SIGNING_KEY_PATH"] = str(data_dir / "signing-key.pem")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def _cli(env: dict[str, str], *arguments: str) -> str:
    command = [sys.executable, "-m", "hoks_gateway.cli", *arguments]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout  # noqa: S603


def _signing_key(path: Path) -> None:
    from joserfc.jwk import ECKey

    path.write_bytes(ECKey.generate_key("P-256", private=True).as_pem(private=True))


@contextmanager
def _serving(env: dict[str, str], data_dir: Path, workers: int) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "hoks_gateway.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    ready = partial(_answers, "/readyz")
    with serving(command, port, env, ready=ready, log=data_dir / "serve.log", start_timeout_s=120) as served:
        time.sleep(3)  # every worker up
        yield served.base


def _answers(path: str, base: str) -> bool:
    try:
        return httpx.get(f"{base}{path}", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def _reads(client: httpx.AsyncClient, until: asyncio.Event | None, count: int) -> list[float]:
    """Sequential reads: `count` of them, or until `until` is set."""
    times: list[float] = []
    while (until is None and len(times) < count) or (until is not None and not until.is_set()):
        started = time.perf_counter()
        response = await client.post("/graphql", json=READ)
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        times.append(time.perf_counter() - started)
    return times


async def _token(client: httpx.AsyncClient, client_id: str) -> str:
    """The answer's status and its OAuth error (or GraphQL-shaped code)."""
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong"}
    response = await client.post("/auth/token", data=data)
    body = response.json()
    return f"{response.status_code} {body.get('error') or body['errors'][0]['extensions']['code']}"


def _figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"n={len(times)} p50={statistics.median(ordered) * 1000:.0f} ms p95={p95 * 1000:.0f} ms "
        f"max={ordered[-1] * 1000:.0f} ms"
    )


async def _measure(base: str, requests: int, ids: str) -> None:
    async with (
        httpx.AsyncClient(base_url=base, timeout=300) as reader,
        httpx.AsyncClient(
            base_url=base, timeout=300, limits=httpx.Limits(max_connections=requests + 4)
        ) as storm,
    ):
        await _reads(reader, None, 20)  # warm-up
        alone = await _reads(reader, None, 50)
        done = asyncio.Event()
        watcher = asyncio.create_task(_reads(reader, done, 0))
        client_ids = [CLIENT_ID if ids == "one" else f"bench-{uuid.uuid4().hex[:8]}" for _ in range(requests)]
        started = time.perf_counter()
        statuses = await asyncio.gather(*(_token(storm, client_id) for client_id in client_ids))
        elapsed = time.perf_counter() - started
        done.set()
        during = await watcher
    print(f"GraphQL alone:        {_figures(alone)}")
    print(f"GraphQL under storm:  {_figures(during)}")
    print(f"storm: {requests} token requests, client ids: {ids}; answered in {elapsed:.1f} s")
    print(f"storm statuses: {dict(Counter(statuses))}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ids", choices=("distinct", "one"), default="distinct")
    parser.add_argument("--src", type=Path, help="run the gateway from this checkout's src directory")
    args = parser.parse_args()
    asyncio.run(recreate_database(SERVER, DATABASE))
    url = with_database(SERVER, DATABASE)
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        _signing_key(data_dir / "signing-key.pem")
        env = _environment(url, data_dir, args.src)
        _cli(env, "migrate")
        _cli(env, "service-account", "add", CLIENT_ID)
        print(f"gateway from {args.src or 'this checkout'}, {args.workers} worker(s), {os.cpu_count()} cores")
        with _serving(env, data_dir, args.workers) as base:
            asyncio.run(_measure(base, args.requests, args.ids))


if __name__ == "__main__":
    main()
