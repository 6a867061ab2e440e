"""Reads on asyncpg, each statement compiled once (docs/performance.md, "Reads").

A loader batch through an ORM session cost more CPU than the database spent answering it: the
session, building the select, its cache key, expanding `IN` lists, compiling. Here a read is a
SQLAlchemy Core statement written as before, compiled once per shape to PostgreSQL's own
`$n` text (every list as one array parameter, `= ANY($n)`), and run on a connection of a plain
asyncpg pool, whose prepared-statement cache then skips the server's parse and plan as well.

Every value a statement needs is a named parameter given when it runs: the scope's OIDs too
(`Scope.parameters`). Values that happened to be in the statement when it was compiled are never
used, so a statement compiled for one caller can never carry that caller's values to another
(running a statement without one of its parameters is an error).

Writes made of several statements, and the reads inside their transactions, stay on SQLAlchemy's
engine (db/sessions.py), on the primary. A write that is one statement (a create without an
idempotency key, hoks/service.py) and the reads that must never lag (service accounts, the
registry a create is judged against) run here on the primary's pool (`fetch_primary`). Every
other read can be served by a read replica (`Reads`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from hoks_gateway.db.faults import replica_failed
from hoks_gateway.db.freshness import UNKNOWN_POSITION, RequestReads, Written, current
from hoks_gateway.db.metrics import PoolUse, ServerUse
from hoks_gateway.db.read_server import ReadServer
from hoks_gateway.db.replicas import Replica, ReplicaWatch
from hoks_gateway.db.urls import driver_connect_arguments
from hoks_gateway.lru import Lru

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

MAX_BUILT_SHAPES = 512
"""Compiled forms kept of statements built per request (searches, pages: a few shapes each)."""


@dataclass(frozen=True, slots=True)
class ReadStatement:
    sql: str
    names: tuple[str, ...]
    """The parameter of each `$n`, in order."""
    constants: Mapping[str, Any]
    """Values written into the statement's code itself (e.g. `status IN ('lasna', ...)`)."""

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        missing = [name for name in self.names if name not in values and name not in self.constants]
        if missing:
            raise KeyError(f"the statement needs parameters {missing}: {self.sql[:80]}…")
        return [values[name] if name in values else self.constants[name] for name in self.names]


def compile_read(statement: ClauseElement) -> ReadStatement:
    """Named parameters (`bindparam("ids")`, the scope's) are given when it runs; anonymous ones
    are literals of the code that builds the statement, the same for every run of its key. A
    request's values must therefore always be named parameters, never literals."""
    compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
    named = {name for name, bind in compiled.binds.items() if not bind.unique}
    # Constant `IN` lists of the code (`status NOT IN (...)`) are expanded into one parameter per
    # value; the named parameters get a placeholder while expanding, never used.
    expanded = compiled.construct_expanded_state(dict.fromkeys(named))
    names = tuple(expanded.positiontup or ())
    constants = {name: expanded.parameters[name] for name in names if name not in named}
    return ReadStatement(expanded.statement, names, constants)


class Reads:
    """The read pools of one database: its primary's, and those of its read replicas.

    With replicas, a request's reads go to one replica that is fit (up, within the allowed lag,
    and past the position the request must include: db/freshness.py), taken in turn, else to the
    primary. A replica that fails a read is marked down and the read is run again on the
    primary: reads change nothing, and the primary holds whatever the replica did. Reads made
    outside a request (commands) go to the primary.
    """

    def __init__(
        self,
        url: str,
        size: int,
        connect_timeout_s: float,
        command_timeout_s: float,
        statement_timeout_ms: int,
        replica_urls: Sequence[str] = (),
        replica_max_lag_ms: int = 2000,
    ) -> None:
        arguments = driver_connect_arguments(url, connect_timeout_s, command_timeout_s, statement_timeout_ms)
        self.primary = ReadServer("primary", url, size, arguments)
        self.replicas = [
            Replica(
                f"replica-{number}",
                replica,
                size,
                driver_connect_arguments(replica, connect_timeout_s, command_timeout_s, statement_timeout_ms),
            )
            for number, replica in enumerate(replica_urls, 1)
        ]
        self.max_lag_s = replica_max_lag_ms / 1000
        self._watch = (
            ReplicaWatch.every(self.primary, self.replicas, self.max_lag_s) if self.replicas else None
        )
        # Past the allowed lag (and a second for the primary to flush an asynchronous commit), a
        # fit replica has replayed any write.
        self.written = Written(keep_s=self.max_lag_s + 1.0)
        self._turn = 0
        self._statements: dict[Hashable, ReadStatement] = {}
        self._built: Lru[Hashable, SQLCompiler] = Lru(MAX_BUILT_SHAPES)

    @property
    def replicated(self) -> bool:
        return bool(self.replicas)

    def start(self) -> None:
        """Starts checking the replicas; none serves before its first check."""
        if self._watch is not None:
            self._watch.start()

    def request(self, principal: str | None, seen: int = 0) -> RequestReads:
        """The reads of a request by `principal` (None: anonymous) whose client has seen the
        writes up to WAL position `seen` (its X-Hoks-Read-After)."""
        return RequestReads(principal, max(seen, self.written.position(principal)))

    async def fetch(
        self, key: Hashable, build: Callable[[], ClauseElement], **values: Any
    ) -> list[asyncpg.Record]:
        """The rows of the statement `build` makes (compiled once for `key`), with `values`."""
        statement = self._compiled(key, build)
        return await self._run(statement.sql, statement.arguments(values))

    async def fetch_primary(
        self,
        key: Hashable,
        build: Callable[[], ClauseElement],
        values: Mapping[str, Any],
        server: ReadServer | None = None,
    ) -> list[asyncpg.Record]:
        """fetch, always on the primary: for the reads that must never lag (who may do what, the
        registry a write is judged against); or on `server`, the primary's pool of one-statement
        writes (Database.autocommit)."""
        statement = self._compiled(key, build)
        return await (server or self.primary).fetch(statement.sql, statement.arguments(values))

    def _compiled(self, key: Hashable, build: Callable[[], ClauseElement]) -> ReadStatement:
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = compile_read(build())
        return statement

    async def fetch_built(self, statement: ClauseElement) -> list[asyncpg.Record]:
        """The rows of a statement built for this request (its values in it): for statements
        whose shape depends on the request (searches, keyset pages). Its compiled form is kept
        by SQLAlchemy's cache key, which leaves the values out, as SQLAlchemy's engine does."""
        key = statement._generate_cache_key()
        if key is None:  # a construct SQLAlchemy cannot key: compiled every time
            expanded = cast(SQLCompiler, statement.compile(dialect=_DIALECT)).construct_expanded_state()
        else:
            compiled = self._built.get(key.key)
            if compiled is None:
                compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT, cache_key=key))
                self._built.put(key.key, compiled)
            values = compiled.construct_params(extracted_parameters=key.bindparams, escape_names=False)
            expanded = compiled.construct_expanded_state(values, escape_names=False)
        names = expanded.positiontup or ()
        return await self._run(expanded.statement, [expanded.parameters[name] for name in names])

    async def _run(self, sql: str, arguments: list[Any]) -> list[asyncpg.Record]:
        request = current.get() if self.replicas else None
        if request is None:
            return await self.primary.fetch(sql, arguments)
        if request.server is None:
            # Chosen and pinned before the first await: the request's concurrent loader batches
            # all find it set.
            request.server = self._choose(request.at_least)
        server = request.server
        if not isinstance(server, Replica):
            return await server.fetch(sql, arguments)
        try:
            return await server.fetch(sql, arguments)
        except Exception as error:
            if not replica_failed(error):
                raise
            server.failed()
            await server.forget_connections()
            request.server = self.primary
            return await self.primary.fetch(sql, arguments)

    def _choose(self, at_least: int) -> ReadServer:
        now = time.monotonic()
        fit = [r for r in self.replicas if r.fit(now, self.max_lag_s) and r.replayed >= at_least]
        if not fit:
            return self.primary
        self._turn += 1
        return fit[self._turn % len(fit)]

    async def committed(self) -> None:
        """A write of the current request has committed: its reads from now on, and its
        principal's for a while, include it (db/freshness.py)."""
        request = current.get() if self.replicas else None
        if request is None:
            return
        try:
            [(position,)] = await self.primary.fetch(_WRITTEN_UP_TO, [])
        except Exception:
            # The write has committed and its answer must say so; without its position the
            # primary serves this principal until any fit replica has it.
            position = UNKNOWN_POSITION
        request.wrote(position)
        if request.principal is not None:
            self.written.note(request.principal, position)

    def pools(self) -> list[PoolUse]:
        return [self.primary.use(), *(replica.use() for replica in self.replicas)]

    def servers(self) -> list[ServerUse]:
        now = time.monotonic()
        primary = ServerUse(self.primary.name, False, self.primary.reads, True, 0.0)
        return [
            primary,
            *(
                ServerUse(r.name, True, r.reads, r.fit(now, self.max_lag_s), r.lag_s(now), r.failovers)
                for r in self.replicas
            ),
        ]

    def replica_states(self) -> dict[str, dict[str, object]]:
        """Each replica as /readyz shows it: its state and how far behind it was last seen."""
        now = time.monotonic()
        return {r.name: r.report(now, self.max_lag_s) for r in self.replicas}

    async def close(self) -> None:
        if self._watch is not None:
            await self._watch.close()
        for server in (self.primary, *self.replicas):
            await server.close()


# The insert position lies past the commit record just written (the write and flush positions
# may not, under synchronous_commit = off).
_WRITTEN_UP_TO = "SELECT pg_current_wal_insert_lsn()"
