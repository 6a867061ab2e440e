"""One PostgreSQL server the reads go to, with its asyncpg pool (db/reads.py); also the pool of
the primary's one-statement writes (Database.autocommit)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from hoks_gateway.db import metrics
from hoks_gateway.db.metrics import PoolUse


@dataclass(slots=True)
class ReadServer:
    """A server and its pool: created on first use, sized once, never churning."""

    name: str
    url: str
    size: int
    connect_arguments: dict[str, Any]
    role: str = "reads"
    """What the pool is for, in its metrics' name."""
    peers: list[ReadServer] = field(default_factory=list)
    """The other pools to the same server (`pair`)."""
    reads: int = 0
    """Statements run here since start (metrics)."""
    waits: int = 0
    """Statements that found every connection in use (metrics)."""
    _pool: asyncpg.Pool | None = None
    _opening: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def fetch(self, sql: str, arguments: list[Any]) -> list[asyncpg.Record]:
        pool = self._pool or await self._open()
        if pool.get_idle_size() == 0 and pool.get_size() >= self.size:
            self.waits += 1
        started = time.perf_counter()
        async with pool.acquire() as connection:
            try:
                rows: list[asyncpg.Record] = await connection.fetch(sql, *arguments)
            except TimeoutError:
                # The command timeout: the server did not answer (frozen, partitioned). The
                # connection may still deliver the late answer, so it is never used again; the
                # pool's other connections lead to the same server and are replaced as well, and
                # so are those of the other pools to it (`peers`).
                connection.terminate()
                await self.forget_connections()
                raise
            except (asyncpg.InterfaceError, asyncpg.InternalClientError) as error:
                if isinstance(error, asyncpg.InterfaceError) and not connection.is_closed():
                    raise
                # The server went away between two messages of one statement (a shutdown while
                # asyncpg introspected a type): the connection is broken, the server unavailable.
                connection.terminate()
                raise ConnectionResetError(f"the connection to {self.name} broke") from error
        self.reads += 1
        metrics.count_statement(time.perf_counter() - started)
        return rows

    async def execute(self, sql: str, arguments: list[Any]) -> None:
        """One statement in autocommit (an append of audit rows, db/appends.py)."""
        pool = self._pool or await self._open()
        started = time.perf_counter()
        async with pool.acquire() as connection:
            try:
                await connection.execute(sql, *arguments)
            except TimeoutError:
                connection.terminate()
                await self.forget_connections()
                raise
        metrics.count_statement(time.perf_counter() - started)

    async def forget_connections(self) -> None:
        """The server went away: its pooled connections, and its peers', are replaced before they
        are used again."""
        for server in (self, *self.peers):
            if server._pool is not None:
                await server._pool.expire_connections()

    def pair(self, other: ReadServer) -> None:
        """`other` is a pool to the same server: each forgets its connections with the other."""
        self.peers.append(other)
        other.peers.append(self)

    def use(self) -> PoolUse:
        pool = self._pool
        size = 0 if pool is None else pool.get_size()
        idle = 0 if pool is None else pool.get_idle_size()
        return PoolUse(f"{self.role}:{self.name}", size, size - idle, self.waits)

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self.url,
                    # Connections stay open once made (asyncpg closes them only after 5 idle
                    # minutes): under load the pool never opens one per request.
                    min_size=1,
                    max_size=self.size,
                    # asyncpg resets a connection when it comes back (RESET ALL, UNLISTEN, ...): a
                    # round trip per read. These connections never change their session state.
                    reset=_keep_as_is,
                    **self.connect_arguments,
                )
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _keep_as_is(connection: asyncpg.Connection) -> None:
    return None
