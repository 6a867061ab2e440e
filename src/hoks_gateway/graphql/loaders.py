"""Per-request DataLoaders (ARCHITECTURE.md §4, §5).

Every edge a client can traverse goes through one of these, so the number of SQL statements per
request depends on the query's shape, never on the number of rows. Each batch opens its own short
read session: sibling resolvers run concurrently and must not share one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from hoks_gateway.db.sessions import Database

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[AsyncSession, Sequence[K]], Awaitable[dict[K, V]]]


class _Loader(DataLoader, Generic[K, V]):  # type: ignore[misc]  # aiodataloader ships no types
    def __init__(self, db: Database, fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[Any]]) -> None:
        super().__init__()
        self._db = db
        self._fetch = fetch

    async def _fetch_batch(self, keys: Sequence[K]) -> Any:
        async with self._db.read() as session:
            return await self._fetch(session, keys)

    async def get(self, key: K) -> V:
        result: V = await self.load(key)
        return result


class OneLoader(_Loader[K, V | None]):
    """key -> the one row with that key, or None."""

    async def batch_load_fn(self, keys: Sequence[K]) -> list[V | None]:
        found: dict[K, V] = await self._fetch_batch(keys)
        return [found.get(key) for key in keys]


class ManyLoader(_Loader[K, list[V]]):
    """key -> every row that points at it (one-to-many edge)."""

    async def batch_load_fn(self, keys: Sequence[K]) -> list[list[V]]:
        found: dict[K, list[V]] = await self._fetch_batch(keys)
        return [found.get(key, []) for key in keys]


def group_by(rows: Iterable[V], key: Callable[[V], K]) -> dict[K, list[V]]:
    grouped: dict[K, list[V]] = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped
