"""Database URLs: users write libpq-style URLs, SQLAlchemy wants its driver named."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL, make_url


def async_url(url: str) -> URL:
    """`postgresql://...` (or `postgres://`) as an asyncpg URL for SQLAlchemy."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed.set(drivername="postgresql+asyncpg")


def with_database(url: str, database: str) -> str:
    """The same server, another database."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def driver_connect_arguments(
    url: str, connect_timeout_s: float, command_timeout_s: float, statement_timeout_ms: int
) -> dict[str, Any]:
    """asyncpg's connect arguments, the same for every pool of the gateway."""
    arguments: dict[str, Any] = {"timeout": connect_timeout_s}
    if command_timeout_s > 0:
        # The driver's own bound on every statement: statement_timeout needs a server that
        # answers, and a frozen or partitioned one never does (docs/operations.md).
        arguments["command_timeout"] = command_timeout_s
    if statement_timeout_ms > 0:
        # Set once per connection by the server, so no request pays a SET statement for it.
        arguments["server_settings"] = {"statement_timeout": str(statement_timeout_ms)}
    query = make_url(url).query
    if "sslmode" not in query and "ssl" not in query:
        # asyncpg's default is sslmode=prefer: every new connection first asks the server for
        # TLS, an extra round trip wherever TLS is off. TLS is used when the URL asks for it.
        arguments["ssl"] = False
    return arguments
