"""Getting a database to serve from: the configured server, or the embedded one, checked early
so that bad configuration ends in one line that says what to do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from hoks_gateway.db.embedded import EmbeddedPostgres
from hoks_gateway.db.urls import redacted
from hoks_gateway.errors import ConfigurationError
from hoks_gateway.settings import Settings


@contextmanager
def database_server(settings: Settings) -> Iterator[str]:
    """Yield a reachable server URL: HOKS_DATABASE_URL, or an embedded server for the block."""
    if settings.database_url is not None:
        asyncio.run(check_reachable(settings.database_url, settings.db_connect_timeout_s))
        yield settings.database_url
        return
    with EmbeddedPostgres(settings.data_dir) as url:
        yield url


async def check_reachable(url: str, timeout_s: float) -> None:
    try:
        conn = await asyncpg.connect(url, timeout=timeout_s)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise ConfigurationError(
            f"cannot reach the database at {redacted(url)} ({exc.__class__.__name__}: {exc}); "
            "check HOKS_DATABASE_URL, or unset it to use the embedded PostgreSQL"
        ) from exc
    await conn.close()
