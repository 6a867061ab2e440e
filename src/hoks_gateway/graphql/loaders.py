"""Per-request DataLoaders (docs/ARCHITECTURE.md §4, §5).

Every edge a client can traverse goes through one of these, so the number of SQL statements per
request depends on the query's shape, never on the number of rows. Each batch opens its own short
read session: sibling resolvers run concurrently and must not share one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from hoks_gateway.db.sessions import Database

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[AsyncSession, Sequence[K]], Awaitable[Mapping[K, V]]]


def one_loader(db: Database, fetch: Fetch[K, V]) -> DataLoader[K, V | None]:
    """key -> the one row with that key, or None."""

    async def batch(keys: list[K]) -> list[V | None]:
        async with db.read() as session:
            found = await fetch(session, keys)
        return [found.get(key) for key in keys]

    return DataLoader(batch)


def many_loader(db: Database, fetch: Fetch[K, list[V]]) -> DataLoader[K, list[V]]:
    """key -> every row that points at it (a one-to-many edge)."""

    async def batch(keys: list[K]) -> list[list[V]]:
        async with db.read() as session:
            found = await fetch(session, keys)
        return [found.get(key, []) for key in keys]

    return DataLoader(batch)


def audited(fetch: Fetch[K, V], mark: Callable[[Any], None]) -> Fetch[K, V]:
    """`fetch`, reporting every record it returns to `mark` (one-to-one or one-to-many)."""

    async def run(session: AsyncSession, keys: Sequence[K]) -> Mapping[K, V]:
        found = await fetch(session, keys)
        for value in found.values():
            for record in value if isinstance(value, list) else (value,):
                mark(record)
        return found

    return run


def group_by(rows: Iterable[V], key: Callable[[V], K]) -> dict[K, list[V]]:
    grouped: dict[K, list[V]] = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped
