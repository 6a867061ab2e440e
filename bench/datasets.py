"""Seeded benchmark databases on a local PostgreSQL server, made once per size and reused.

A database is named after its size and seed; it is reused when a previous run finished seeding
it (the seed loads in one transaction, so a database with plans is complete) with the same
migrations and seed code (a fingerprint of their sources is kept as the database's comment);
otherwise it is made again.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import asyncpg

import hoks_gateway.db.migrations as migrations
import hoks_gateway.seed as seed_package
from hoks_gateway.db.migrate import upgrade
from hoks_gateway.db.urls import with_database
from hoks_gateway.seed.run import SeedOptions, seed_database

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def fingerprint() -> str:
    digest = hashlib.sha256()
    for package in (migrations, seed_package):
        for source in sorted(Path(package.__path__[0]).rglob("*.py")):
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def database_name(plans: int, seed: int) -> str:
    # HOKS_BENCH_DATABASE_SUFFIX keeps one checkout's databases apart from another's on a shared
    # server: a checkout with other migrations would otherwise seed the same name again.
    return f"hoks_bench_{plans}_{seed}{os.environ.get('HOKS_BENCH_DATABASE_SUFFIX', '')}"


async def _comment(server_url: str, name: str) -> str | None:
    conn = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        found: str | None = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name
        )
        return found
    finally:
        await conn.close()


async def _seeded(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        return bool(
            await conn.fetchval("SELECT to_regclass('hoks') IS NOT NULL AND EXISTS (SELECT FROM hoks)")
        )
    finally:
        await conn.close()


async def recreate_database(server_url: str, name: str) -> None:
    """An empty database `name` on the server, dropped first if it was there."""
    conn = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def ensure_seeded(
    server_url: str, plans: int, *, seed: int = 2019, providers_started: int = 82, keep: bool = False
) -> str:
    """The URL of a database holding `plans` seeded plans, seeding it first when needed.

    `keep`: a database seeded by other code is kept and only migrated to the current schema (a
    million plans take most of an hour to seed; the plans themselves do not change with the code
    that reads them)."""
    name = database_name(plans, seed)
    url = with_database(server_url, name)
    made = fingerprint()
    if await _comment(server_url, name) == made and await _seeded(url):
        return url
    if keep and await _seeded(url):
        await asyncio.to_thread(upgrade, url)
        return url
    await recreate_database(server_url, name)
    await asyncio.to_thread(upgrade, url)
    summary = await seed_database(
        url, SeedOptions(hoks=plans, providers_started=providers_started, seed=seed), progress=True
    )
    print(summary, flush=True)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{made}'")
    finally:
        await conn.close()
    return url


if __name__ == "__main__":
    import sys

    for size in sys.argv[1:]:
        print(asyncio.run(ensure_seeded(DEFAULT_SERVER, int(size))))
