"""Fixed-window request counters in PostgreSQL, shared by every worker and replica (§8).

Each request costs one autocommitted `INSERT ... ON CONFLICT DO UPDATE ... RETURNING hits` on the
(bucket, window) row; a process deletes windows that have ended at most once per window.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from hoks_gateway.auth.clock import Clock
from hoks_gateway.db import metrics
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import RateLimitWindow

_T = RateLimitWindow


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    hits: int
    limit: int
    retry_after_s: int


@dataclass(slots=True)
class RateLimiter:
    db: Database
    clock: Clock
    window_s: int = 60
    _pruned_before: dt.datetime | None = field(default=None, init=False)

    def window_start(self, now: dt.datetime) -> dt.datetime:
        seconds = int(now.timestamp()) // self.window_s * self.window_s
        return dt.datetime.fromtimestamp(seconds, dt.UTC)

    async def hit(self, bucket: str, limit: int, count: int = 1) -> Verdict:
        """Count `count` hits (requests, or a batch's documents) in `bucket`; allowed while the
        window's count is within `limit`."""
        now = self.clock()
        start = self.window_start(now)
        upsert = (
            insert(_T)
            .values(bucket=bucket, window_start=start, hits=count)
            .on_conflict_do_update(
                index_elements=[_T.bucket, _T.window_start], set_={"hits": _T.hits + count}
            )
            .returning(_T.hits)
        )
        # The limiter's bookkeeping is not the request's SQL: per-request statement counts
        # (extensions.metrics, bench) stay what the query itself costs.
        token = metrics.current.set(None)
        try:
            async with self.db.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                hits = (await conn.execute(upsert)).scalar_one()
                if self._pruned_before != start:
                    self._pruned_before = start
                    await conn.execute(delete(_T).where(_T.window_start < start))
        finally:
            metrics.current.reset(token)
        end = start + dt.timedelta(seconds=self.window_s)
        retry_after = max(1, math.ceil((end - now).total_seconds()))
        return Verdict(hits <= limit, hits, limit, retry_after)
