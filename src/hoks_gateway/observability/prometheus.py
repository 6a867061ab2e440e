"""Prometheus metrics (docs/operations.md, "Observing").

Recorded only when HOKS_METRICS_PORT is set, and served on that port alone, never on the public
one. Under `serve --workers N` every worker writes its values to files in one directory
(prometheus-client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR) and the parent serves their
sum (`serve_metrics`), so a scrape sees the whole gateway whichever worker answered a request.

Labels are bounded by the code, never by what a client sends: routes are the gateway's own, the
root field is one of the schema's (or `several`), error codes are the gateway's.

The hot path costs a few dictionary look-ups and counter increments per request (measured in
docs/operations.md); pool and replica figures are sampled once a second instead of per request.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client import multiprocess as multiprocess_mode

from hoks_gateway.db.metrics import PoolUse, RequestMetrics, ServerUse
from hoks_gateway.observability.requests import RequestRecord

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
SAMPLE_INTERVAL_S = 1.0

_ROUTES = frozenset(("/graphql", "/auth/token", "/healthz", "/readyz", "/", "/schema.graphql"))
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_STATEMENT_BUCKETS = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128)
_DB_TIME_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)

REQUESTS = Counter(
    "hoks_requests",
    "HTTP requests on the public port, by route, GraphQL operation kind and root field, and status.",
    ["route", "operation", "root_field", "status"],
)
DURATION = Histogram(
    "hoks_request_duration_seconds",
    "Time from a request's arrival to its last response byte handed to the server.",
    ["route", "operation", "root_field"],
    buckets=_LATENCY_BUCKETS,
)
SQL_STATEMENTS = Histogram(
    "hoks_request_sql_statements",
    "SQL statements a request ran (its own; the rate limiter's bookkeeping is not counted).",
    ["route"],
    buckets=_STATEMENT_BUCKETS,
)
DB_SECONDS = Histogram(
    "hoks_request_db_seconds",
    "Time a request's statements spent in the database, summed.",
    ["route"],
    buckets=_DB_TIME_BUCKETS,
)
ERRORS = Counter("hoks_errors", "Error codes in answers (extensions.code), once per answer.", ["code"])
RATE_LIMIT_REFUSALS = Counter("hoks_rate_limit_refusals", "Requests refused 429 by a rate limit.", ["limit"])
LOCKOUT_REFUSALS = Counter(
    "hoks_lockout_refusals",
    "Sign-ins refused unchecked because their client id and address wait out a back-off.",
)
SECRET_CHECKS = Counter(
    "hoks_secret_checks", "Argon2 checks of client secrets (decoys for unknown client ids included)."
)
AUDIT_ROWS = Counter("hoks_audit_rows", "Audit events committed to the database.")
POOL_CONNECTIONS = Gauge(
    "hoks_db_pool_connections",
    "Connections of the gateway's pools: open, and in use by a request.",
    ["pool", "state"],
    multiprocess_mode="livesum",
)
POOL_WAITS = Counter(
    "hoks_db_pool_waits", "Times a request found every connection of a pool in use and had to wait.", ["pool"]
)
DB_READS = Counter("hoks_db_reads", "Statements of the read pool, by the server that ran them.", ["server"])
REPLICA_LAG = Gauge(
    "hoks_db_replica_lag_seconds",
    "How far each read replica is behind the primary, as last measured.",
    ["replica"],
    multiprocess_mode="livemax",
)
REPLICA_FAILOVERS = Counter(
    "hoks_db_replica_failovers",
    "Reads a replica failed (down, frozen, a recovery conflict) that the primary then answered.",
    ["replica"],
)
REPLICA_FIT = Gauge(
    "hoks_db_replica_fit",
    "1 while a replica takes reads (up and within HOKS_REPLICA_MAX_LAG_MS), else 0.",
    ["replica"],
    multiprocess_mode="livemin",
)

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_OTHER = "OTHER"


class RequestMetricsRecorder:
    """Records finished requests; label children are looked up once per label set."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}
        self._by_route: dict[str, tuple[Any, Any]] = {}
        self._errors: dict[str, Any] = {}

    def request(
        self, path: str, record: RequestRecord, database: RequestMetrics | None, status: int, seconds: float
    ) -> None:
        route = path if path in _ROUTES else "other"
        key = (route, record.operation, record.root_field, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                REQUESTS.labels(route, record.operation, record.root_field, str(status)),
                DURATION.labels(route, record.operation, record.root_field),
            )
        children[0].inc()
        children[1].observe(seconds)
        if database is not None:
            per_route = self._by_route.get(route)
            if per_route is None:
                per_route = self._by_route[route] = (SQL_STATEMENTS.labels(route), DB_SECONDS.labels(route))
            per_route[0].observe(database.sql_statements)
            per_route[1].observe(database.db_seconds)
        for code in dict.fromkeys(record.codes):
            self._error(code).inc()

    def _error(self, code: str) -> Any:
        child = self._errors.get(code)
        if child is None:
            # Codes are the gateway's own; anything else, or more than the code knows, is OTHER.
            label = code if _CODE.match(code) and len(self._errors) < 200 else _OTHER
            child = self._errors[code] = ERRORS.labels(label)
        return child


# --- audit rows: counted once their transaction committed ------------------------------------

_AUDIT_PENDING = "hoks_audit_rows_pending"


def audit_rows_written(session_info: MutableMapping[str, Any], rows: int) -> None:
    """`rows` audit events were inserted in the session's transaction (counted when it commits)."""
    session_info[_AUDIT_PENDING] = session_info.get(_AUDIT_PENDING, 0) + rows


def audit_rows_appended(rows: int) -> None:
    """`rows` audit events were inserted by a statement of their own (committed with it)."""
    if rows:
        AUDIT_ROWS.inc(rows)


def committed(session_info: MutableMapping[str, Any]) -> None:
    """The session's transaction committed: its audit events count."""
    rows = session_info.pop(_AUDIT_PENDING, 0)
    if rows:
        AUDIT_ROWS.inc(rows)


def rolled_back(session_info: MutableMapping[str, Any]) -> None:
    session_info.pop(_AUDIT_PENDING, None)


# --- pools and replicas: sampled ---------------------------------------------------------------


class Sampler:
    """Copies the pools' and replicas' own counters into the metrics, once a second."""

    def __init__(self, pools: Callable[[], Iterable[PoolUse]], servers: Callable[[], Iterable[ServerUse]]):
        self._pools = pools
        self._servers = servers
        self._waits: dict[str, int] = {}
        self._reads: dict[str, int] = {}
        self._failovers: dict[str, int] = {}

    def sample(self) -> None:
        for pool in self._pools():
            POOL_CONNECTIONS.labels(pool.name, "open").set(pool.open)
            POOL_CONNECTIONS.labels(pool.name, "in_use").set(pool.in_use)
            _add_growth(POOL_WAITS.labels(pool.name), self._waits, pool.name, pool.waits)
        for server in self._servers():
            _add_growth(DB_READS.labels(server.name), self._reads, server.name, server.reads)
            if server.replica:
                REPLICA_LAG.labels(server.name).set(server.lag_s)
                REPLICA_FIT.labels(server.name).set(1 if server.fit else 0)
                _add_growth(
                    REPLICA_FAILOVERS.labels(server.name), self._failovers, server.name, server.failovers
                )

    async def run(self, interval_s: float = SAMPLE_INTERVAL_S) -> None:
        while True:
            self.sample()
            await asyncio.sleep(interval_s)


def _add_growth(counter: Any, last: dict[str, int], name: str, total: int) -> None:
    # The pools count from zero when they are made; the counter keeps what it had.
    grown = total - last.get(name, 0)
    if grown > 0:
        counter.inc(grown)
    last[name] = total


# --- serving -----------------------------------------------------------------------------------


def serve_metrics(host: str, port: int) -> None:
    """Serves /metrics on host:port from a thread of this process: every worker's values when
    the workers write to a multiprocess directory, this process's own otherwise."""
    registry: CollectorRegistry = REGISTRY
    if os.environ.get(MULTIPROC_DIR):
        registry = CollectorRegistry()
        multiprocess_mode.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(port, addr=host, registry=registry)


class MultiprocessDirectory:
    """The directory the workers of `serve --workers N` write their values to: the operator's
    PROMETHEUS_MULTIPROC_DIR (emptied at start, as values of an earlier run would be added to
    this one's), else a fresh one under the temporary directory, removed at the end."""

    def __init__(self) -> None:
        given = os.environ.get(MULTIPROC_DIR)
        self._own = not given
        self.path = Path(given) if given else Path(tempfile.mkdtemp(prefix="hoks-metrics-"))
        self.path.mkdir(parents=True, exist_ok=True)
        for stale in self.path.glob("*.db"):
            stale.unlink()
        # Workers are fresh interpreters: they find it in the environment before the first metric.
        os.environ[MULTIPROC_DIR] = str(self.path)

    def worker_exited(self, pid: int) -> None:
        """A worker's live gauges (connections in use) stop counting when it is gone."""
        multiprocess_mode.mark_process_dead(pid, str(self.path))  # type: ignore[no-untyped-call]

    def remove(self) -> None:
        if self._own:
            shutil.rmtree(self.path, ignore_errors=True)
