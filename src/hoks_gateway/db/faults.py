"""Telling a database fault from a bug (docs/operations.md).

A restart, failover, frozen server or exhausted pool is not the client's fault and not a defect in
the gateway: it is answered 503 DATABASE_UNAVAILABLE (retry shortly), where anything else
unexpected is INTERNAL. So are the conditions under which PostgreSQL takes no writes: a read-only
server is DATABASE_READ_ONLY and a full disk DATABASE_FULL, each a 503 with Retry-After and
without a traceback in the log. A statement cancelled by statement_timeout is QUERY_TIMEOUT
(ask for less), unless it was waiting for another write's lock: then it is PLAN_BUSY.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg.exceptions as pg
from sqlalchemy import event
from sqlalchemy import exc as sa
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

from hoks_gateway.errors import (
    DatabaseFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    PlanBusy,
    QueryTimeout,
    RetryLater,
)

_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, socket gone, connect or command timeout (TimeoutError is an OSError)
    pg.PostgresConnectionError,
    pg.CannotConnectNowError,
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.TooManyConnectionsError,
    sa.TimeoutError,  # no pooled connection came free in time
)
_LOCK_WAIT_ENDED = (pg.QueryCanceledError, pg.LockNotAvailableError)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapper around the driver's error
        todo += [current.__cause__, current.__context__, orig if isinstance(orig, BaseException) else None]


def database_fault(error: BaseException) -> RetryLater | None:
    """The client-facing error for a database fault anywhere in `error`'s chain, else None."""
    chain = list(_chain(error))
    # What PostgreSQL said wins over how the connection ended up (a read-only server's
    # connection is discarded, and so is marked invalidated).
    for cause in chain:
        if isinstance(cause, pg.ReadOnlySQLTransactionError):
            return DatabaseReadOnly(
                "The database is read-only (maintenance or failover); nothing was written. Retry later.",
            )
        if isinstance(cause, pg.DiskFullError):
            return DatabaseFull("The database's disk is full; nothing was written. Retry later.")
        if isinstance(cause, pg.LockNotAvailableError):
            return _busy("A row this request changes")
        if isinstance(cause, pg.QueryCanceledError):
            return QueryTimeout("The query took too long and was cancelled; ask for less at once.")
    for cause in chain:
        if isinstance(cause, _OUTAGES) or (isinstance(cause, sa.DBAPIError) and cause.connection_invalidated):
            return DatabaseUnavailable("The database is unavailable; nothing was done. Retry shortly.")
    return None


# A standby cancels a statement that conflicts with the WAL it replays (a row version it still
# needed was vacuumed on the primary): 40001, or 40P01 for a buffer-pin deadlock, 57P04 when the
# database was dropped. Read anywhere else, the same statement succeeds.
_RECOVERY_CONFLICTS = (pg.SerializationError, pg.DeadlockDetectedError, pg.DatabaseDroppedError)


def replica_failed(error: BaseException) -> bool:
    """A read replica could not answer a statement that the primary can: it is down, restarting
    or frozen (the command timeout), or it cancelled the statement for a recovery conflict."""
    return any(isinstance(cause, _OUTAGES + _RECOVERY_CONFLICTS) for cause in _chain(error))


def cannot_write(error: BaseException) -> bool:
    """The database is up but takes no writes (read-only, disk full)."""
    return isinstance(database_fault(error), DatabaseReadOnly | DatabaseFull)


def _busy(what: str) -> PlanBusy:
    return PlanBusy(f"{what} was being changed by another write for too long; nothing was done. Retry.")


@asynccontextmanager
async def waiting_for_lock(what: str, *, busy: RetryLater | None = None) -> AsyncIterator[None]:
    """Statements here wait for a lock that another write may hold (SELECT ... FOR UPDATE): ended
    by statement_timeout (or lock_timeout) the request was not too big, the row was busy
    (PLAN_BUSY, or `busy` when the caller words it itself)."""
    try:
        yield
    except sa.DBAPIError as error:
        if any(isinstance(cause, _LOCK_WAIT_ENDED) for cause in _chain(error)):
            raise (busy or _busy(what)) from error
        raise


@dataclass(slots=True)
class FaultWatch:
    """Watches an engine's errors: discards connections that cannot be trusted any more, and
    remembers when the disk was last found full (for /readyz)."""

    full_for_s: float
    """How long after a DATABASE_FULL /readyz keeps saying so, unless a write commits first."""
    _full_at: float | None = field(default=None, init=False)

    def install(self, engine: AsyncEngine) -> None:
        event.listen(engine.sync_engine, "handle_error", self._on_error)

    def disk_full(self) -> bool:
        return self._full_at is not None and time.monotonic() - self._full_at < self.full_for_s

    def committed(self) -> None:
        """A write transaction committed: the disk has room again."""
        self._full_at = None

    def noted(self, error: BaseException) -> RetryLater | None:
        """The fault in `error` (database_fault), a full disk remembered: for the engine's
        errors and those of a write on the primary's asyncpg pool (Database.autocommit)."""
        fault = database_fault(error)
        if isinstance(fault, DatabaseFull):
            self._full_at = time.monotonic()
        return fault

    def _on_error(self, context: ExceptionContext) -> None:
        fault = self.noted(context.original_exception)
        if isinstance(fault, DatabaseFull):
            return
        if isinstance(context.original_exception, TimeoutError):
            # The command timeout: the server did not answer (frozen, partitioned). The
            # connection may still deliver the late answer, so it is never used again.
            context.is_disconnect = True
            context.invalidate_pool_on_disconnect = False
        elif isinstance(fault, DatabaseReadOnly):
            # A standby after failover, or a server set read-only: every pooled connection is
            # replaced, so that writes reach a writable server as soon as there is one again.
            context.is_disconnect = True
            context.invalidate_pool_on_disconnect = True
