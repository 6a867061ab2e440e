"""Engine and sessions (docs/ARCHITECTURE.md §5).

No session is shared across a request: graphql-core resolves siblings concurrently, so each
loader batch opens its own short read session and each mutation is exactly one write transaction.

Round trips are what a request waits for, so a read session costs exactly its statements: it runs
in autocommit (no BEGIN and ROLLBACK around a lone SELECT; under READ COMMITTED every statement
takes its own snapshot anyway) and connections are not pinged on checkout. A connection that died
with the server (restart, failover) fails its next statement; SQLAlchemy recognises the
disconnect, invalidates the pool, and that request is answered 503 DATABASE_UNAVAILABLE
(db/faults.py) while the following ones get fresh connections (tests/hardening: the PostgreSQL
crash test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import ClauseElement

from hoks_gateway.db import metrics
from hoks_gateway.db.faults import FaultWatch
from hoks_gateway.db.metrics import PoolUse
from hoks_gateway.db.read_server import ReadServer
from hoks_gateway.db.reads import Reads
from hoks_gateway.db.urls import async_url, driver_connect_arguments
from hoks_gateway.errors import DatabaseFull, DatabaseReadOnly
from hoks_gateway.observability import prometheus


@dataclass(slots=True)
class _EngineUse:
    capacity: int
    """pool_size + max_overflow: connections the engine opens at most."""
    waits: int = 0


@dataclass(frozen=True, slots=True)
class Database:
    engine: AsyncEngine
    _sessions: async_sessionmaker[AsyncSession]
    _read_sessions: async_sessionmaker[AsyncSession]
    faults: FaultWatch
    reads: Reads
    """The read pool: loader batches and lists (db/reads.py)."""
    writes: ReadServer
    """The primary's asyncpg pool of writes that are one statement (`autocommit`). Its own, as
    the engine's: a connection opened while the database took no writes (read-only) is then only
    ever opened for a write, which fails and has it replaced, never kept by the reads."""
    _use: _EngineUse
    memo: dict[str, object] = field(default_factory=dict)
    """Process-local caches of immutable things read from this database (bounded; e.g. parsed
    plan documents by version, hoks/repository.py), dropped with it."""

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        connect_timeout_s: float = 5.0,
        pool_timeout_s: float = 10.0,
        command_timeout_s: float = 0,
        statement_timeout_ms: int = 0,
        replica_urls: Sequence[str] = (),
        replica_max_lag_ms: int = 2000,
    ) -> Database:
        connect_args = driver_connect_arguments(
            url, connect_timeout_s, command_timeout_s, statement_timeout_ms
        )
        engine = create_async_engine(
            async_url(url),
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout_s,
            pool_pre_ping=False,
            connect_args=connect_args,
            json_serializer=_json_text,
            json_deserializer=orjson.loads,
            # SQLAlchemy puts a failed statement's parameters into the exception text, and masking
            # logs unexpected exceptions: the parameters are OIDs, names and whole plans.
            hide_parameters=True,
        )
        metrics.instrument(engine)
        faults = FaultWatch(full_for_s=DatabaseFull.retry_after_s)
        faults.install(engine)
        # Same pool; its connections are switched to autocommit on checkout (a client-side flag
        # for asyncpg: no statement) and back on return.
        reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        reads = Reads(
            url,
            pool_size,
            connect_timeout_s,
            command_timeout_s,
            statement_timeout_ms,
            replica_urls,
            replica_max_lag_ms,
        )
        writes = ReadServer("primary", url, pool_size, connect_args, role="writes")
        writes.pair(reads.primary)
        return cls(
            engine,
            async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
            async_sessionmaker(reader, expire_on_commit=False, autoflush=False),
            faults,
            reads,
            writes,
            _EngineUse(pool_size + max_overflow),
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read session in autocommit: one round trip per statement, nothing else.

        Only for reading: a statement that writes through it would be committed at once.
        """
        self._note_wait()
        async with self._read_sessions() as session:
            yield session

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[AsyncSession]:
        """A session in autocommit for a write that is one statement and needs no transaction
        around it (the audit insert of a read): committed by PostgreSQL as it runs, one round trip
        instead of three (BEGIN, the statement, COMMIT)."""
        self._note_wait()
        async with self._read_sessions() as session:
            yield session
            prometheus.committed(session.info)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends normally, rolled back on any error.
        With read replicas, the request's reads from then on include it (db/freshness.py)."""
        self._note_wait()
        async with self._sessions() as session:
            async with session.begin():
                yield session
            prometheus.committed(session.info)
        self.faults.committed()
        await self.reads.committed()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """write() on a Core connection instead of an ORM session, for writes made of statements
        alone (hoks/service.py): the session's own bookkeeping cost a transfer more CPU per
        statement than the statement itself (bench/README.md, "Transfers")."""
        self._note_wait()
        async with self.engine.connect() as connection:
            # The connection's info outlives the transaction (a session's does not), and once a
            # fault has invalidated the connection, reading it again would reconnect: taken now.
            info = connection.info
            try:
                async with connection.begin():
                    yield connection
            except BaseException:
                prometheus.rolled_back(info)
                raise
            prometheus.committed(info)
        self.faults.committed()
        await self.reads.committed()

    async def autocommit(
        self, key: Hashable, build: Callable[[], ClauseElement], values: Mapping[str, Any]
    ) -> list[asyncpg.Record]:
        """A write that is one statement, on the primary's asyncpg pool (Reads.fetch_primary):
        PostgreSQL commits it as it runs, all of it or none. No BEGIN and COMMIT, and none of the
        engine's work per statement, which cost a single transfer more CPU than its rules
        (bench/README.md, "A single create as one statement"). Faults are noted as the engine's
        are (FaultWatch), and the request's reads include the write as after transaction()."""
        try:
            rows = await self.reads.fetch_primary(key, build, values, self.writes)
        except Exception as error:
            if isinstance(self.faults.noted(error), DatabaseReadOnly):
                # A standby after failover, or a server set read-only: the pool's connections
                # (this one as it is released) are replaced, so that writes reach a writable
                # server as soon as there is one again.
                await self.writes.forget_connections()
            raise
        self.faults.committed()
        await self.reads.committed()
        return rows

    def pools(self) -> list[PoolUse]:
        """The engine's pool and the read pool's, as they stand (for the metrics)."""
        pool = self.engine.pool
        assert isinstance(pool, QueuePool)
        engine = PoolUse("engine", pool.checkedin() + pool.checkedout(), pool.checkedout(), self._use.waits)
        return [engine, self.writes.use(), *self.reads.pools()]

    def _note_wait(self) -> None:
        # Counted when the session starts: it takes its connection with its first statement.
        pool = self.engine.pool
        if isinstance(pool, QueuePool) and pool.checkedout() >= self._use.capacity:
            self._use.waits += 1

    async def dispose(self) -> None:
        await self.reads.close()
        await self.writes.close()
        await self.engine.dispose()


Statements = AsyncSession | AsyncConnection
"""What a write's statements run on: write()'s session or transaction()'s connection."""


def _json_text(value: object) -> str:
    return orjson.dumps(value).decode()
