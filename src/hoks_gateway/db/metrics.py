"""Per-request database metrics: SQL statements and time spent in the database; and what the
pools report about themselves.

A request sets a fresh RequestMetrics in a context variable; loader batches run in tasks created
from the request's task, so they share the same object and every statement they run is counted.
The pipeline sets one when HOKS_DEBUG_METRICS asks for `extensions.metrics` in the answer, or
when Prometheus metrics are on (observability/prometheus.py).
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(slots=True)
class RequestMetrics:
    report: bool = True
    """Shown to the client as `extensions.metrics` (HOKS_DEBUG_METRICS)."""
    started: float = field(default_factory=time.perf_counter)
    sql_statements: int = 0
    db_seconds: float = 0.0

    def as_extension(self) -> dict[str, float | int]:
        return {
            "sqlStatements": self.sql_statements,
            "dbMs": round(self.db_seconds * 1000, 3),
            "totalMs": round((time.perf_counter() - self.started) * 1000, 3),
        }


current: ContextVar[RequestMetrics | None] = ContextVar("hoks_request_metrics", default=None)


def reported() -> RequestMetrics | None:
    """The current request's metrics when the client is to see them."""
    metrics = current.get()
    return metrics if metrics is not None and metrics.report else None


@dataclass(frozen=True, slots=True)
class PoolUse:
    """A connection pool as it stands: its connections, and how often a request had to wait."""

    name: str
    open: int
    in_use: int
    waits: int
    """Since the pool was made."""


@dataclass(frozen=True, slots=True)
class ServerUse:
    """A server the read pool sends statements to (db/reads.py)."""

    name: str
    replica: bool
    reads: int
    """Statements run there since start."""
    fit: bool
    lag_s: float
    failovers: int = 0
    """Reads it failed (down, frozen, a recovery conflict) that the primary then answered."""


_STARTED = "hoks_metrics_started"


def instrument(engine: AsyncEngine) -> None:
    """Count statements and their time for whichever request is current."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        conn.info[_STARTED] = time.perf_counter()

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        metrics = current.get()
        if metrics is not None:
            metrics.sql_statements += 1
            metrics.db_seconds += time.perf_counter() - conn.info.pop(_STARTED, time.perf_counter())


def count_statement(seconds: float) -> None:
    """A statement run outside SQLAlchemy's engine (db/reads.py), for the current request."""
    metrics = current.get()
    if metrics is not None:
        metrics.sql_statements += 1
        metrics.db_seconds += seconds
