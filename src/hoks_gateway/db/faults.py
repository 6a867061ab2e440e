"""Telling a database outage from a bug.

A restart, failover or exhausted pool is not the client's fault and not a defect in the gateway:
it is answered 503 DATABASE_UNAVAILABLE (retry shortly), where anything else unexpected is
INTERNAL. A statement cancelled by statement_timeout is QUERY_TIMEOUT.
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg.exceptions as pg
from sqlalchemy import exc as sa

from hoks_gateway.errors import DatabaseUnavailable, GatewayError

_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, socket gone, connect timeout (TimeoutError is an OSError)
    pg.PostgresConnectionError,
    pg.CannotConnectNowError,
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.TooManyConnectionsError,
    sa.TimeoutError,  # no pooled connection came free in time
)


class QueryTimeout(GatewayError):
    code = "QUERY_TIMEOUT"
    status = 503


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


def database_fault(error: BaseException) -> GatewayError | None:
    """The client-facing error for a database fault anywhere in `error`'s chain, else None."""
    for cause in _chain(error):
        if isinstance(cause, pg.QueryCanceledError):
            return QueryTimeout("The query took too long and was cancelled; ask for less at once.")
        if isinstance(cause, _OUTAGES) or (isinstance(cause, sa.DBAPIError) and cause.connection_invalidated):
            return DatabaseUnavailable("The database is unavailable; nothing was done. Retry shortly.")
    return None
