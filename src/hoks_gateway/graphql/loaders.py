"""Per-request DataLoaders (docs/ARCHITECTURE.md §4, §5).

Every edge a client can traverse goes through one of these, so the number of SQL statements per
request depends on the query's shape, never on the number of rows. Each batch opens its own short
read (db/reads.py): sibling resolvers run concurrently and each batch takes its own pooled
connection for its one statement.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader

from hoks_gateway.db.reads import Reads
from hoks_gateway.db.sessions import Database

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[Reads, Sequence[K]], Awaitable[Mapping[K, V]]]


def one_loader(db: Database, fetch: Fetch[K, V]) -> DataLoader[K, V | None]:
    """key -> the one row with that key, or None."""

    async def batch(keys: list[K]) -> list[V | None]:
        found = await fetch(db.reads, keys)
        return [found.get(key) for key in keys]

    return DataLoader(batch)


def many_loader(db: Database, fetch: Fetch[K, list[V]]) -> DataLoader[K, list[V]]:
    """key -> every row that points at it (a one-to-many edge)."""

    async def batch(keys: list[K]) -> list[list[V]]:
        found = await fetch(db.reads, keys)
        return [found.get(key, []) for key in keys]

    return DataLoader(batch)


def audited(fetch: Fetch[K, V], mark: Callable[[Any], None]) -> Fetch[K, V]:
    """`fetch`, reporting every record it returns to `mark` (one-to-one or one-to-many)."""

    async def run(reads: Reads, keys: Sequence[K]) -> Mapping[K, V]:
        found = await fetch(reads, keys)
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
