"""Which read replicas may serve, checked in the background (docs/operations.md, "Read replicas").

A replica's lag is measured against the primary, not by the replica's own clock nor by the time
of the last commit it replayed (that grows while the primary is idle). Each round first samples
the WAL position the primary has flushed, then asks every replica how far it has replayed. A
replica that has replayed what the primary had flushed at instant t is at most `now − t` behind,
and it serves while that stays within HOKS_REPLICA_MAX_LAG_MS. So a replica whose checks stop
succeeding, or every replica while the primary cannot be sampled, stops serving by itself once
that much time has passed, without anyone having to notice.

Checks run on a connection of their own per server (a busy read pool must not make a replica
look down) and give up after a short timeout; a read that fails on a replica marks it down at
once (db/reads.py), and only a check begun after that brings it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import asyncpg

from hoks_gateway.db.read_server import ReadServer

log = logging.getLogger(__name__)

_PRIMARY_FLUSHED = "SELECT pg_current_wal_flush_lsn()"
_REPLICA_REPLAYED = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()"
_HISTORY_S = 600.0
"""How far back lags are measured exactly; a replica further behind shows at least this."""


class ReplicaState(StrEnum):
    UNKNOWN = "unknown"
    """Not checked yet."""
    OK = "ok"
    LAGGING = "lagging"
    DOWN = "down"
    NOT_STANDBY = "not-standby"
    """It answers but is not replaying (promoted, or not a replica at all): never read from."""


@dataclass(slots=True)
class Replica(ReadServer):
    state: ReplicaState = ReplicaState.UNKNOWN
    replayed: int = 0
    """The WAL position it had replayed when last checked."""
    current_as_of: float | None = None
    """The latest instant (monotonic) whose flushed primary WAL it has replayed."""
    failed_at: float = -math.inf
    failovers: int = 0
    """Reads that failed here and were answered by the primary."""

    def lag_s(self, now: float) -> float:
        return math.inf if self.current_as_of is None else now - self.current_as_of

    def fit(self, now: float, max_lag_s: float) -> bool:
        return self.state in (ReplicaState.OK, ReplicaState.LAGGING) and self.lag_s(now) <= max_lag_s

    def report(self, now: float, max_lag_s: float) -> dict[str, object]:
        """Its state now (one that was fit at its last check lags once that check is too old),
        and how far behind it is at most, in milliseconds (null: never seen replaying)."""
        lag = self.lag_s(now)
        state = self.state
        if state is ReplicaState.OK and lag > max_lag_s:
            state = ReplicaState.LAGGING
        return {"status": state.value, "lag_ms": None if math.isinf(lag) else round(lag * 1000)}

    def failed(self) -> None:
        """A read found it down (or cancelled by a recovery conflict): skipped from now on."""
        self.state = ReplicaState.DOWN
        self.failed_at = time.monotonic()
        self.failovers += 1


@dataclass(slots=True)
class ReplicaWatch:
    primary: ReadServer
    replicas: list[Replica]
    max_lag_s: float
    interval_s: float
    timeout_s: float
    _samples: deque[tuple[float, int]] = field(init=False)
    """(instant before asking, the primary's flushed position then), oldest first."""
    _connections: dict[str, asyncpg.Connection] = field(default_factory=dict)
    _primary_unknown: bool = False
    _task: asyncio.Task[None] | None = None

    @classmethod
    def every(cls, primary: ReadServer, replicas: list[Replica], max_lag_s: float) -> ReplicaWatch:
        """Checked four times within the allowed lag (at most each second, at least each 50 ms);
        a check gives up after the allowed lag (at least 0.25 s, at most 2 s)."""
        interval = min(1.0, max(0.05, max_lag_s / 4))
        return cls(primary, replicas, max_lag_s, interval, min(2.0, max(0.25, max_lag_s)))

    def __post_init__(self) -> None:
        self._samples = deque(maxlen=math.ceil(_HISTORY_S / self.interval_s) + 1)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="replica-watch")

    async def _run(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self.interval_s)

    async def check(self) -> None:
        """One round: the primary's flushed position, then every replica's replayed one."""
        asked = time.monotonic()
        row = await self._ask(self.primary, _PRIMARY_FLUSHED)
        if row is not None:
            self._samples.append((asked, row[0]))
        if (row is None) != self._primary_unknown:
            self._primary_unknown = row is None
            if row is None:
                log.warning("the primary's WAL position cannot be read: replicas stop serving within the lag")
            else:
                log.info("the primary's WAL position is read again")
        await asyncio.gather(*(self._check(replica) for replica in self.replicas))

    async def _check(self, replica: Replica) -> None:
        asked = time.monotonic()
        row = await self._ask(replica, _REPLICA_REPLAYED)
        if asked < replica.failed_at:
            return  # a read failed on it while this check was under way: that is newer
        before = replica.state
        if row is None:
            replica.state = ReplicaState.DOWN
        elif not row[0] or row[1] is None:
            replica.state = ReplicaState.NOT_STANDBY
            replica.current_as_of = None
        else:
            self._replayed(replica, row[1])
        if replica.state != before:
            level = logging.INFO if replica.state is ReplicaState.OK else logging.WARNING
            log.log(level, "replica %s is %s (was %s)", replica.name, replica.state.value, before.value)

    def _replayed(self, replica: Replica, replayed: int) -> None:
        # A replica made again from an older backup has gone back: what it was known to hold no
        # longer holds.
        known = replica.current_as_of if replayed >= replica.replayed else None
        replica.replayed = replayed
        replica.current_as_of = self._current_as_of(replayed, known)
        fit = replica.lag_s(time.monotonic()) <= self.max_lag_s
        replica.state = ReplicaState.OK if fit else ReplicaState.LAGGING

    def _current_as_of(self, replayed: int, known: float | None) -> float | None:
        # The newest sample it has replayed; samples are few and a caught-up replica stops at
        # the first one looked at.
        for instant, flushed in reversed(self._samples):
            if flushed <= replayed:
                return instant if known is None else max(known, instant)
            if known is not None and instant <= known:
                break
        return known

    async def _ask(self, server: ReadServer, sql: str) -> Any:
        connection = self._connections.get(server.name)
        try:
            if connection is None or connection.is_closed():
                connection = await asyncpg.connect(
                    server.url, **{**server.connect_arguments, "timeout": self.timeout_s}
                )
                self._connections[server.name] = connection
            return await connection.fetchrow(sql, timeout=self.timeout_s)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            # Down, refusing, restarting or frozen; the change of state is logged, not each round.
            log.debug("database check of %s failed: %s", server.name, type(error).__name__)
            self._connections.pop(server.name, None)
            if connection is not None:
                connection.terminate()
            return None

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for connection in self._connections.values():
            connection.terminate()
        self._connections.clear()
