"""Reads on asyncpg, each statement compiled once (docs/performance.md, "Reads").

A loader batch through an ORM session cost more CPU than the database spent answering it: the
session, building the select, its cache key, expanding `IN` lists, compiling. Here a read is a
SQLAlchemy Core statement written as before, compiled once per shape to PostgreSQL's own
`$n` text (every list as one array parameter, `= ANY($n)`), and run on a connection of a plain
asyncpg pool, whose prepared-statement cache then skips the server's parse and plan as well.

Every value a statement needs is a named parameter given when it runs: the scope's OIDs too
(`Scope.parameters`). Values that happened to be in the statement when it was compiled are never
used, so a statement compiled for one caller can never carry that caller's values to another
(running a statement without one of its parameters is an error).

Writes, and the reads inside a write's transaction, stay on SQLAlchemy's engine (db/sessions.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from hoks_gateway.db import metrics
from hoks_gateway.db.metrics import PoolUse, ServerUse
from hoks_gateway.db.urls import driver_connect_arguments
from hoks_gateway.lru import Lru

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

MAX_BUILT_SHAPES = 512
"""Compiled forms kept of statements built per request (searches, pages: a few shapes each)."""


@dataclass(frozen=True, slots=True)
class ReadStatement:
    sql: str
    names: tuple[str, ...]
    """The parameter of each `$n`, in order."""
    constants: Mapping[str, Any]
    """Values written into the statement's code itself (e.g. `status IN ('lasna', ...)`)."""

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        missing = [name for name in self.names if name not in values and name not in self.constants]
        if missing:
            raise KeyError(f"the statement needs parameters {missing}: {self.sql[:80]}…")
        return [values[name] if name in values else self.constants[name] for name in self.names]


def compile_read(statement: ClauseElement) -> ReadStatement:
    """Named parameters (`bindparam("ids")`, the scope's) are given when it runs; anonymous ones
    are literals of the code that builds the statement, the same for every run of its key. A
    request's values must therefore always be named parameters, never literals."""
    compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
    named = {name for name, bind in compiled.binds.items() if not bind.unique}
    # Constant `IN` lists of the code (`status NOT IN (...)`) are expanded into one parameter per
    # value; the named parameters get a placeholder while expanding, never used.
    expanded = compiled.construct_expanded_state(dict.fromkeys(named))
    names = tuple(expanded.positiontup or ())
    constants = {name: expanded.parameters[name] for name in names if name not in named}
    return ReadStatement(expanded.statement, names, constants)


@dataclass(slots=True)
class ReadServer:
    """One PostgreSQL server the reads go to, with its pool: created on first use, sized once,
    never churning."""

    name: str
    url: str
    size: int
    connect_arguments: dict[str, Any]
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
                # pool's other connections lead to the same server and are replaced as well.
                connection.terminate()
                await pool.expire_connections()
                raise
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
                await pool.expire_connections()
                raise
        metrics.count_statement(time.perf_counter() - started)

    def use(self) -> PoolUse:
        pool = self._pool
        size = 0 if pool is None else pool.get_size()
        idle = 0 if pool is None else pool.get_idle_size()
        return PoolUse(f"reads:{self.name}", size, size - idle, self.waits)

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


class Reads:
    """The read pool of one database."""

    def __init__(
        self,
        url: str,
        size: int,
        connect_timeout_s: float,
        command_timeout_s: float,
        statement_timeout_ms: int,
    ) -> None:
        arguments = driver_connect_arguments(url, connect_timeout_s, command_timeout_s, statement_timeout_ms)
        self.primary = ReadServer("primary", url, size, arguments)
        self._statements: dict[Hashable, ReadStatement] = {}
        self._built: Lru[Hashable, SQLCompiler] = Lru(MAX_BUILT_SHAPES)

    async def fetch(
        self, key: Hashable, build: Callable[[], ClauseElement], **values: Any
    ) -> list[asyncpg.Record]:
        """The rows of the statement `build` makes (compiled once for `key`), with `values`."""
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = compile_read(build())
        return await self._run(statement.sql, statement.arguments(values))

    async def fetch_built(self, statement: ClauseElement) -> list[asyncpg.Record]:
        """The rows of a statement built for this request (its values in it): for statements
        whose shape depends on the request (searches, keyset pages). Its compiled form is kept
        by SQLAlchemy's cache key, which leaves the values out, as SQLAlchemy's engine does."""
        key = statement._generate_cache_key()
        if key is None:  # a construct SQLAlchemy cannot key: compiled every time
            expanded = cast(SQLCompiler, statement.compile(dialect=_DIALECT)).construct_expanded_state()
        else:
            compiled = self._built.get(key.key)
            if compiled is None:
                compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT, cache_key=key))
                self._built.put(key.key, compiled)
            values = compiled.construct_params(extracted_parameters=key.bindparams, escape_names=False)
            expanded = compiled.construct_expanded_state(values, escape_names=False)
        names = expanded.positiontup or ()
        return await self._run(expanded.statement, [expanded.parameters[name] for name in names])

    async def _run(self, sql: str, arguments: list[Any]) -> list[asyncpg.Record]:
        return await self.primary.fetch(sql, arguments)

    def pools(self) -> list[PoolUse]:
        return [self.primary.use()]

    def servers(self) -> list[ServerUse]:
        return [ServerUse(self.primary.name, False, self.primary.reads, True, 0.0)]

    async def close(self) -> None:
        await self.primary.close()
