"""Rows appended by one statement in autocommit on the read pool's primary (db/reads.py).

The audit rows of a read are written when the request has been answered, before the answer is
sent, and need no transaction around them (docs/ARCHITECTURE.md, audit). Through an ORM session
that insert cost more client CPU than the reads it recorded; here it is one prepared statement
for any number of rows: every column goes in as one array and `unnest` makes the rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from hoks_gateway.db.reads import Reads

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

_LENGTH = re.compile(r"\(\d+\)")

_statements: dict[tuple[str, tuple[str, ...]], str] = {}


def _statement(table: Table, columns: tuple[str, ...]) -> str:
    key = (table.name, columns)
    sql = _statements.get(key)
    if sql is None:
        # The arrays are cast without a length: a value too long for its column is refused by the
        # insert's assignment, never cut short by an explicit cast.
        arrays = ", ".join(
            f"${n}::{_LENGTH.sub('', table.c[column].type.compile(dialect=_DIALECT))}[]"
            for n, column in enumerate(columns, start=1)
        )
        names = ", ".join(columns)
        # Names from the table's own metadata; every value is a parameter.
        sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608
        _statements[key] = sql
    return sql


async def append(reads: Reads, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same columns) into `table` in one autocommit statement."""
    if not rows:
        return
    columns = tuple(rows[0])
    await reads.primary.execute(_statement(table, columns), [[row[c] for row in rows] for c in columns])
