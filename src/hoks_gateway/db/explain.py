"""EXPLAIN of a SQLAlchemy statement on a raw asyncpg connection (benches and plan tests)."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from sqlalchemy import ClauseElement
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql.compiler import SQLCompiler


def compiled(statement: ClauseElement) -> tuple[str, list[Any]]:
    """The statement's SQL with `$n` placeholders and its parameters in order."""
    query = statement.compile(dialect=asyncpg_dialect())  # type: ignore[no-untyped-call]
    assert isinstance(query, SQLCompiler)
    # Expanded: `IN` lists of constants (`status NOT IN (...)`) become one `$n` per value.
    expanded = query.construct_expanded_state(query.construct_params())
    return expanded.statement, [expanded.parameters[name] for name in expanded.positiontup or []]


async def explain(
    conn: asyncpg.Connection, statement: ClauseElement, *, analyze: bool = False
) -> dict[str, Any]:
    """The plan as PostgreSQL's JSON: {"Plan": {...}, "Execution Time": ...}."""
    sql, params = compiled(statement)
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    raw = await conn.fetchval(f"EXPLAIN ({options}) {sql}", *params)
    plan: dict[str, Any] = (raw if isinstance(raw, list) else json.loads(raw))[0]
    return plan


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a plan, depth first."""
    found = [plan]
    for child in plan.get("Plans", []):
        found += nodes(child)
    return found
