"""The one ASGI layer in front of the routes: error masking, authentication, rate limits, the access
log and, when asked for, per-request SQL metrics and Prometheus metrics.

One layer instead of a middleware per concern: each nested middleware wrapped `send` and cost a
call frame per message, and a request passed through all of them in a fixed order anyway.
"""

from __future__ import annotations

import time

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoks_gateway import access_log, cache_control
from hoks_gateway.auth.middleware import authenticate
from hoks_gateway.db import freshness, metrics
from hoks_gateway.db.freshness import READ_AFTER, RequestReads, lsn_text, parse_lsn, principal_key
from hoks_gateway.db.sessions import Database
from hoks_gateway.errors import BadUserInput
from hoks_gateway.graphql.direct import DirectPost
from hoks_gateway.graphql.http import refusal
from hoks_gateway.graphql.masking import client_error
from hoks_gateway.graphql.view import request_id
from hoks_gateway.observability import requests, tracing
from hoks_gateway.observability.prometheus import RequestMetricsRecorder
from hoks_gateway.ratelimit.middleware import rate_limited
from hoks_gateway.settings import Settings


class GatewayLayer:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.recorder = RequestMetricsRecorder() if settings.metrics_port is not None else None
        self.count_sql = settings.debug_metrics or self.recorder is not None
        self.tracing = tracing.enabled()
        self.direct = DirectPost(app, settings) if settings.direct_post else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.perf_counter()
        database = metrics.RequestMetrics(report=self.settings.debug_metrics) if self.count_sql else None
        counting = metrics.current.set(database) if database is not None else None
        logging_access = access_log.enabled()
        record = requests.RequestRecord() if self.recorder is not None or logging_access else None
        recording = requests.current.set(record) if record is not None else None
        if self.tracing or logging_access:
            # Chosen here, so that the access log, the trace and the audit events share it.
            rid = request_id(Request(scope))
            scope.setdefault("state", {})["request_id"] = rid
            if self.tracing:
                tracing.tag_request(rid)
        status = 0
        private = cache_control.applies(scope)
        reads: RequestReads | None = None
        reading = None

        async def tracking(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if private:
                    message = cache_control.no_store(message)
                if reads is not None and reads.written is not None:
                    header = (READ_AFTER.lower().encode(), lsn_text(reads.written).encode())
                    message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            refused = await authenticate(scope) or await rate_limited(scope, self.settings)
            if refused is not None:
                await refused(scope, receive, tracking)
            else:
                reads = _request_reads(scope)
                reading = freshness.current.set(reads) if reads is not None else None
                if self.direct is not None and self.direct.applies(scope):
                    await self.direct(scope, receive, tracking)
                else:
                    await self.app(scope, receive, tracking)
        except Exception as error:
            # Whatever escapes a route is answered GraphQL-shaped and masked (a database outage in
            # the service-account check is 503, not Starlette's plain 500).
            if status:
                raise
            request = Request(scope)
            await refusal(client_error(error, f"{request.method} {request.url.path}"), request)(
                scope, receive, tracking
            )
        finally:
            seconds = time.perf_counter() - arrived
            if record is not None and self.recorder is not None:
                self.recorder.request(scope["path"], record, database, status, seconds)
            if logging_access:
                access_log.request(scope, status, seconds, record)
            if recording is not None:
                requests.current.reset(recording)
            if reading is not None:
                freshness.current.reset(reading)
            if counting is not None:
                metrics.current.reset(counting)


def _request_reads(scope: Scope) -> RequestReads | None:
    """What the request's reads must include, when the database has read replicas
    (db/freshness.py): the writes its principal made here lately, and those up to the position
    the client sends back in X-Hoks-Read-After."""
    db: Database = scope["app"].state.db
    if not db.reads.replicated:
        return None
    seen = 0
    given = Headers(scope=scope).get(READ_AFTER)
    if given is not None:
        parsed = parse_lsn(given)
        if parsed is None:
            raise BadUserInput(
                f"{READ_AFTER} must be the value a previous answer carried in it "
                "(a WAL position such as 0/16B3748), or left out."
            )
        seen = parsed
    principal = scope.get("state", {}).get("principal")
    key = None if principal is None else principal_key(principal.kind.value, principal.id)
    return db.reads.request(key, seen)
