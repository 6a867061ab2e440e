"""Engine and sessions (ARCHITECTURE.md §5).

No session is shared across a request: graphql-core resolves siblings concurrently, so each
loader batch opens its own short read session and each mutation is exactly one write transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from hoks_gateway.db import metrics
from hoks_gateway.db.urls import async_url


@dataclass(frozen=True, slots=True)
class Database:
    engine: AsyncEngine
    _sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        connect_timeout_s: float = 5.0,
        statement_timeout_ms: int = 0,
    ) -> Database:
        connect_args: dict[str, object] = {"timeout": connect_timeout_s}
        if statement_timeout_ms > 0:
            # Set once per connection by the server, so no request pays a SET statement for it.
            connect_args["server_settings"] = {"statement_timeout": str(statement_timeout_ms)}
        engine = create_async_engine(
            async_url(url),
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=True,
            connect_args=connect_args,
        )
        metrics.instrument(engine)
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False, autoflush=False))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read-only session; nothing it does is committed."""
        async with self._sessions() as session:
            try:
                yield session
            finally:
                await session.rollback()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends normally, rolled back on any error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
