"""Shared by the data commands: running against the configured (or embedded), migrated
database, and reporting refused input."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from hoks_gateway.db.bootstrap import database_server
from hoks_gateway.db.sessions import Database
from hoks_gateway.errors import GatewayError
from hoks_gateway.settings import Settings


def report_refusal(prefix: str, error: GatewayError) -> None:
    """A refused input on stderr: the error, then every violation by path and rule (never values)."""
    print(f"{prefix}: refused ({error.code}): {error.message}", file=sys.stderr)
    for violation in error.extra.get("violations", []):
        path = violation["path"] or "(document)"
        print(f"    {path}: {violation['message']} [{violation['rule']}]", file=sys.stderr)


def run_on_database(settings: Settings, action: Callable[[Database], Awaitable[int]]) -> int:
    """`action`'s exit status; ConfigurationError (exit 2) when the database is unusable."""
    # Imported here: the command modules are imported by hoks_gateway.cli itself.
    from hoks_gateway.cli import _require_migrated

    async def run(url: str) -> int:
        db = Database.connect(url, pool_size=2, max_overflow=0)
        try:
            return await action(db)
        finally:
            await db.dispose()

    with database_server(settings) as url:
        _require_migrated(url)
        return asyncio.run(run(url))


def run_reporting_errors(settings: Settings, action: Callable[[Database], Awaitable[None]]) -> int:
    """`action` on the database: exit 0, or 1 with the gateway error's message as one line."""

    async def run(db: Database) -> int:
        try:
            await action(db)
        except GatewayError as exc:
            print(f"hoks-gateway: error: {exc.message}", file=sys.stderr)
            return 1
        return 0

    return run_on_database(settings, run)
