"""Sign-in back-off per (client id, client address), counted in PostgreSQL before any hashing.

An account-wide lock let anyone who knew a client id lock a provider's transfers out, and it
confirmed which ids exist (unknown ids never locked). Here wrong secrets count per client id *and*
address: another address, and the tokens already issued, are never affected. After
`max_failures` wrong secrets a pair waits `first_backoff`, doubling with every further one up to
`longest_backoff`; a pair without a wrong secret for `longest_backoff` starts afresh.

Every attempt is reserved first, counted as a failure by one atomic `INSERT ... ON CONFLICT DO
UPDATE ... WHERE not waiting`: concurrent guesses serialize on the pair's row, and only those that
got a reservation are hashed at all. A correct secret then forgets the pair. Client ids are kept
as digests, so that an id of any length or content is counted like any other, known or not
(docs/operations.md, "Sign-in back-off").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Delete,
    Float,
    Select,
    and_,
    case,
    delete,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert

from hoks_gateway.auth.clock import Clock
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import SignInThrottle as _T
from hoks_gateway.db.tables import Timestamp
from hoks_gateway.errors import SignInThrottled
from hoks_gateway.observability import prometheus


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int = 5
    first_backoff: dt.timedelta = dt.timedelta(seconds=1)
    longest_backoff: dt.timedelta = dt.timedelta(minutes=15)


def client_key(client_id: str) -> str:
    """The digest a client id is counted under (SQL: `encode(sha256(convert_to(id, 'UTF8')), 'hex')`)."""
    return hashlib.sha256(client_id.encode("utf-8", "surrogatepass")).hexdigest()


def _reservation(
    client_id: str, address: str, now: dt.datetime, policy: ThrottlePolicy
) -> Select[int | None, dt.datetime | None]:
    """One statement: count the attempt unless the pair waits; (its count or None, the pair's
    wait as read before)."""
    # A pair quiet for the longest back-off starts afresh.
    stale = _T.last_failure_at <= now - policy.longest_backoff
    count = case((stale, 1), else_=_T.failures + 1)
    values = {"client_key": client_key(client_id), "address": address, "last_failure_at": now}
    insertion = insert(_T).values(**values, failures=1, blocked_until=_wait_after(literal(1), now, policy))
    upsert = insertion.on_conflict_do_update(
        index_elements=[_T.client_key, _T.address],
        set_={"failures": count, "last_failure_at": now, "blocked_until": _wait_after(count, now, policy)},
        where=or_(_T.blocked_until.is_(None), _T.blocked_until <= now),
    )
    reserved = upsert.returning(_T.failures).cte("reserved")
    pair = and_(_T.client_key == values["client_key"], _T.address == address)
    return select(
        select(reserved.c.failures).scalar_subquery(),
        select(_T.blocked_until).where(pair).scalar_subquery(),
    )


def _wait_after(count: ColumnElement[int], now: dt.datetime, policy: ThrottlePolicy) -> ColumnElement[Any]:
    """When a pair may next be tried after `count` failures (NULL: at once)."""
    doublings = func.least(count - policy.max_failures, 40)
    first, longest = policy.first_backoff.total_seconds(), policy.longest_backoff.total_seconds()
    seconds = func.least(literal(longest, Float), literal(first, Float) * func.power(2, doublings))
    wait = literal(now, Timestamp) + func.make_interval(0, 0, 0, 0, 0, 0, seconds)
    return case((count >= policy.max_failures, wait), else_=null())


@dataclass(slots=True)
class SignInThrottle:
    db: Database
    clock: Clock
    policy: ThrottlePolicy = ThrottlePolicy()
    _pruned_at: dt.datetime | None = field(default=None, init=False)

    async def reserve(self, client_id: str, address: str) -> None:
        """Count this attempt as a failure before its secret is checked, or SignInThrottled while
        the pair waits (nothing is checked then)."""
        now = self.clock()
        forget_before = now - self.policy.longest_backoff
        async with self.db.write() as session:
            row = (await session.execute(_reservation(client_id, address, now, self.policy))).one()
            if self._pruned_at is None or now - self._pruned_at >= self.policy.longest_backoff:
                # Pairs nobody has tried for the longest back-off hold nothing: at most one
                # delete per process and period keeps the table to the pairs in play.
                self._pruned_at = now
                await session.execute(delete(_T).where(_T.last_failure_at <= forget_before))
        reserved, blocked_until = row
        if reserved is None:
            prometheus.LOCKOUT_REFUSALS.inc()
            # The row read may predate the concurrent reservation that refused this one.
            wait = (blocked_until - now).total_seconds() if blocked_until is not None else 0.0
            raise throttled(max(1, math.ceil(wait)))

    async def forget(self, client_id: str, address: str) -> None:
        """A correct secret: the pair's count starts afresh."""
        async with self.db.write() as session:
            await session.execute(
                delete(_T).where(_T.client_key == client_key(client_id), _T.address == address)
            )


def every_address(client_id: str) -> Delete:
    """An administrator's unlock: every address of the client id starts afresh."""
    return delete(_T).where(_T.client_key == client_key(client_id))


def throttled(retry_after_s: int) -> SignInThrottled:
    return SignInThrottled(
        "Too many wrong client secrets for this client id from this address: wait before signing "
        f"in again (retry after {retry_after_s} s), or ask an administrator to unlock the account.",
        retry_after_s=retry_after_s,
    )
