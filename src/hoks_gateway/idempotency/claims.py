"""An idempotency key claimed inside a write's transaction, and the sweep of expired keys.

`begin` is the transaction's first statement: it inserts the (principal, key) row. When another
transaction holds the same key uncommitted (the first request is still running), PostgreSQL makes
the insert wait for it: once that one commits, this one finds its row and replays its outcome;
if it rolled back, this one owns the key and writes. A wait longer than the statement timeout is
IDEMPOTENCY_KEY_IN_FLIGHT (retry). `finish` stores the outcome in the same transaction, so the row
commits with the write or not at all. A refused write rolls back and stores nothing: its retry is
judged again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import text

from hoks_gateway.auth.principal import Principal
from hoks_gateway.db.faults import waiting_for_lock
from hoks_gateway.db.sessions import Database, Statements
from hoks_gateway.errors import IdempotencyKeyInFlight, IdempotencyKeyReused

# An expired row (not yet swept) is taken over as if it were not there.
_CLAIM = text(
    """
    INSERT INTO idempotency_keys (principal_kind, principal_id, key, operation, request_hash,
                                  created_at, expires_at)
    VALUES (:kind, :id, :key, :operation, :hash, :now, :expires)
    ON CONFLICT (principal_kind, principal_id, key) DO UPDATE
        SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, outcome = NULL,
            created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
        WHERE idempotency_keys.expires_at <= EXCLUDED.created_at
    RETURNING true
    """
)
_FIRST = text(
    "SELECT operation, request_hash, outcome, created_at FROM idempotency_keys "
    "WHERE principal_kind = :kind AND principal_id = :id AND key = :key"
)
_FINISH = text(
    "UPDATE idempotency_keys SET outcome = CAST(:outcome AS jsonb) "
    "WHERE principal_kind = :kind AND principal_id = :id AND key = :key"
)
_SWEEP = text(
    "WITH gone AS (DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY("
    "SELECT ctid FROM idempotency_keys WHERE expires_at <= :now LIMIT :batch)) RETURNING 1) "
    "SELECT count(*) FROM gone"
)
SWEEP_BATCH = 5000

log = logging.getLogger(__name__)


class Replayed(Exception):
    """Raised by `Claim.begin` when the key's write has committed before: the transaction rolls
    back (it wrote nothing) and the first outcome is answered instead."""

    def __init__(self, outcome: Mapping[str, Any]) -> None:
        super().__init__("replayed")
        self.outcome = outcome


@dataclass(slots=True)
class Claim:
    """One mutation's idempotency key, for the write transaction that mutation opens."""

    principal: Principal
    key: str
    operation: str
    """The mutation's coordinate (`Mutation.createHoks`)."""
    request_hash: str
    now: dt.datetime
    ttl: dt.timedelta
    stored: bool = field(default=False, init=False)
    """The outcome was stored: set once `finish` ran (checked after the mutation)."""

    @property
    def _row(self) -> dict[str, str]:
        return {"kind": self.principal.kind.value, "id": self.principal.id, "key": self.key}

    async def begin(self, session: Statements) -> None:
        """Claim the key as the transaction's first statement; Replayed when it was used before
        for the same request, IdempotencyKeyReused for another."""
        in_flight = IdempotencyKeyInFlight(
            f"The first request with idempotency key {self.key!r} is still running; nothing was "
            "done. Send the same request again to get its outcome."
        )
        async with waiting_for_lock(f"idempotency key {self.key!r}", busy=in_flight):
            claimed = (
                await session.execute(
                    _CLAIM,
                    {
                        **self._row,
                        "operation": self.operation,
                        "hash": self.request_hash,
                        "now": self.now,
                        "expires": self.now + self.ttl,
                    },
                )
            ).first()
        if claimed is not None:
            return
        first = (await session.execute(_FIRST, self._row)).one()
        if first.operation != self.operation or first.request_hash != self.request_hash:
            raise IdempotencyKeyReused(
                f"Idempotency key {self.key!r} was used at {first.created_at.isoformat()} for another "
                f"request ({first.operation.removeprefix('Mutation.')} with other arguments): send a "
                "new request with a new key, or this one again with exactly its first arguments.",
            )
        if first.outcome is None:
            raise RuntimeError(
                f"{first.operation} committed idempotency key {self.key!r} without its outcome"
            )
        raise Replayed(first.outcome)

    async def finish(self, session: Statements, outcome: Mapping[str, Any]) -> None:
        """Store the write's outcome, in its transaction (orjson: dataclasses, dates and UUIDs)."""
        encoded = orjson.dumps(outcome, default=_uuid)
        await session.execute(_FINISH, {**self._row, "outcome": encoded.decode()})
        self.stored = True


def _uuid(value: object) -> str:
    # asyncpg's own UUID subclass, which orjson does not take for a uuid.UUID.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


async def begin(session: Statements, claim: Claim | None) -> None:
    """`claim.begin`, for writes that may run without a key."""
    if claim is not None:
        await claim.begin(session)


async def finish(session: Statements, claim: Claim | None, outcome: Mapping[str, Any]) -> None:
    """`claim.finish`, for writes that may run without a key."""
    if claim is not None:
        await claim.finish(session, outcome)


async def sweep(db: Database, now: dt.datetime) -> int:
    """Delete the keys expired at `now`, in batches of their own transactions; how many."""
    removed = 0
    while True:
        async with db.statement() as session:
            count: int = (await session.execute(_SWEEP, {"now": now, "batch": SWEEP_BATCH})).scalar_one()
        removed += count
        if count < SWEEP_BATCH:
            return removed


SWEEP_EVERY_S = 600.0


async def keep_swept(db: Database, clock: Callable[[], dt.datetime], every_s: float = SWEEP_EVERY_S) -> None:
    """Sweep expired keys every `every_s` seconds until cancelled (each worker of each replica
    does; deleting the same expired rows twice is harmless). A failed sweep (the database down or
    read-only) waits for the next; keys past expiry count as absent until then anyway."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await sweep(db, clock())
        except Exception as error:
            log.warning(
                "sweeping expired idempotency keys failed (%s); next try in %.0f s",
                type(error).__name__,
                every_s,
            )
