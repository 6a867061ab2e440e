"""Where a write's statements run: inside a transaction on SQLAlchemy's engine, or each on its own
on the primary's asyncpg pool (hoks/service.py).

A create without an idempotency key is two statements: the registry lookup it is judged against,
then the one statement that writes plan, revision and audit event. Under READ COMMITTED a
transaction around the two adds nothing (the lookup locks nothing, and each statement reads its
own snapshot), and the write alone is atomic; so such a create runs them on their own, with no
BEGIN or COMMIT and none of the engine's per-statement work (bench/README.md, "A single create as
one statement"). Under a key, and for a batch (its refusals, savepoints and outcome), the same
statements run in one transaction.

Either way a statement is built once per key (`built`) and its rows are mappings by column name.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

from hoks_gateway.db.sessions import Database
from hoks_gateway.observability import prometheus

Row = Mapping[Any, Any]
"""A row's values by column name (SQLAlchemy's RowMapping or asyncpg's Record)."""
Build = Callable[[], Any]
"""Makes a statement (a SQLAlchemy Core construct), once per key."""

_statements: dict[Hashable, Executable] = {}


def built(key: Hashable, build: Build) -> Executable:
    """The statement `build` makes, built once per `key`: the caller's kind, on which alone the
    scope's predicates depend. Every run passes the scope's values (`Scope.parameters`), so the
    values a statement was built with are never used, and SQLAlchemy keeps a statement's cache
    key on it: a reused one is not walked again on every write."""
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = build()
    return statement


class Statements(Protocol):
    async def rows(self, key: Hashable, build: Build, values: Mapping[str, Any]) -> Sequence[Row]:
        """A statement that reads."""

    async def write(self, key: Hashable, build: Build, values: Mapping[str, Any]) -> Sequence[Row]:
        """The statement that writes (and its audit rows, `audit_rows`)."""

    def audit_rows(self, rows: int) -> None:
        """The write wrote `rows` audit events (counted once they are committed)."""


@dataclass(frozen=True, slots=True)
class InTransaction:
    connection: AsyncConnection

    async def rows(self, key: Hashable, build: Build, values: Mapping[str, Any]) -> Sequence[Row]:
        return (await self.connection.execute(built(key, build), values)).mappings().all()

    write = rows

    def audit_rows(self, rows: int) -> None:
        prometheus.audit_rows_written(self.connection.info, rows)


@dataclass(frozen=True, slots=True)
class OnTheirOwn:
    db: Database

    async def rows(self, key: Hashable, build: Build, values: Mapping[str, Any]) -> Sequence[Row]:
        return await self.db.reads.fetch_primary(("write", key), lambda: _clause(built(key, build)), values)

    async def write(self, key: Hashable, build: Build, values: Mapping[str, Any]) -> Sequence[Row]:
        return await self.db.autocommit(("write", key), lambda: _clause(built(key, build)), values)

    def audit_rows(self, rows: int) -> None:
        prometheus.audit_rows_appended(rows)  # committed with the statement


def _clause(statement: Executable) -> ClauseElement:
    assert isinstance(statement, ClauseElement)
    return statement
