"""The ASGI application: routes, lifespan, health checks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hoks_gateway import front, heap
from hoks_gateway.auth.authenticator import Authenticator
from hoks_gateway.auth.client_secrets import SecretChecker
from hoks_gateway.auth.clock import Clock, system_clock
from hoks_gateway.auth.config import gateway_signing_key, throttle_policy, token_issuer, token_verifier
from hoks_gateway.auth.service_accounts import ServiceAccounts, SignIns
from hoks_gateway.auth.throttle import SignInThrottle
from hoks_gateway.auth.token_endpoint import token_endpoint
from hoks_gateway.authz.pseudonyms import pseudonymiser_for
from hoks_gateway.authz.secret import server_secret
from hoks_gateway.client_address import behind_proxies
from hoks_gateway.db.freshness import READ_AFTER
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphiql import assets as graphiql_assets
from hoks_gateway.graphql.compiled.shared import SharedAnswers
from hoks_gateway.graphql.cursors import CursorSeal
from hoks_gateway.graphql.http import GraphQLHTTP
from hoks_gateway.graphql.limits import Limits
from hoks_gateway.graphql.schema import schema
from hoks_gateway.graphql.trusted_documents import TrustedDocuments
from hoks_gateway.graphql.view import GraphQLView
from hoks_gateway.idempotency import claims
from hoks_gateway.idempotency.extension import HEADER as IDEMPOTENCY_KEY
from hoks_gateway.observability import tracing
from hoks_gateway.observability.prometheus import Sampler
from hoks_gateway.organisations.cache import OrganisationCache
from hoks_gateway.pipeline import GatewayLayer
from hoks_gateway.ratelimit.limiter import RateLimiter
from hoks_gateway.settings import Settings


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


# A standby, or a server set read-only (default_transaction_read_only), takes no writes.
_READ_ONLY = text("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'")


async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and can take writes (docs/operations.md). Read replicas
    are reported as last checked; they do not decide readiness, as the primary serves reads
    whenever none can."""
    db: Database = request.app.state.db
    replicas: dict[str, object] = {"replicas": db.reads.replica_states()} if db.reads.replicated else {}
    try:
        async with db.read() as session:
            read_only = await session.scalar(_READ_ONLY)
            if read_only:
                # Checked again on a new connection next time: the setting a connection started
                # with, or the standby it reached, may be gone by then.
                await (await session.connection()).invalidate()
    except Exception as exc:  # any failure to reach the database means "not ready"
        return _not_ready(type(exc).__name__, replicas)
    if read_only:
        return _not_ready("read-only", replicas)
    if db.faults.disk_full():
        return _not_ready("disk-full", replicas)
    return JSONResponse({"status": "ok", "database": "ok", **replicas})


def _not_ready(database: str, replicas: dict[str, object]) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "database": database, **replicas}, status_code=503)


def create_app(settings: Settings, *, clock: Clock = system_clock) -> Starlette:
    """The gateway. `clock` is what token lifetimes and account lockout read as "now"."""
    if settings.database_url is None:
        raise ValueError("create_app needs settings.database_url; the CLI starts the embedded server")
    url = settings.database_url
    # Keys load here, not in the lifespan, so that a bad key file fails start-up with its message.
    signing_key = gateway_signing_key(settings)
    verifier = token_verifier(settings, clock, signing_key)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = Database.connect(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            connect_timeout_s=settings.db_connect_timeout_s,
            pool_timeout_s=settings.db_pool_timeout_s,
            command_timeout_s=settings.db_command_timeout_s,
            statement_timeout_ms=settings.db_statement_timeout_ms,
            replica_urls=settings.database_replica_urls,
            replica_max_lag_ms=settings.replica_max_lag_ms,
        )
        db.reads.start()
        app.state.db = db
        app.state.rate_limiter = RateLimiter(db, clock, settings.rate_limit_window_s)
        app.state.trusted_documents = TrustedDocuments(db, clock)
        policy = throttle_policy(settings)
        accounts = ServiceAccounts(db, clock, policy)
        app.state.authenticator = Authenticator(verifier, accounts)
        checker = SecretChecker(settings.secret_check_concurrency)
        app.state.sign_ins = SignIns(accounts, SignInThrottle(db, clock, policy), checker)
        tasks = [asyncio.create_task(claims.keep_swept(db, clock))]
        if settings.metrics_port is not None:
            tasks.append(asyncio.create_task(Sampler(db.pools, db.reads.servers).run()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            checker.close()
            await db.dispose()
            tracing.shutdown()

    graphql = GraphQLView(schema, graphql_ide="graphiql" if settings.graphiql_enabled else None)
    app = Starlette(
        routes=[
            Route("/", front.index),
            Route("/schema.graphql", front.schema_sdl),
            Route("/graphql", GraphQLHTTP(graphql, max_body_bytes=settings.max_body_bytes)),
            Route("/auth/token", token_endpoint, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *graphiql_assets.routes(enabled=settings.graphiql_enabled),
        ],
        lifespan=lifespan,
        middleware=[
            *behind_proxies(settings),
            *_traced(),
            *_cors(settings),
            Middleware(GatewayLayer, settings=settings),
        ],
    )
    app.state.settings = settings
    app.state.limits = Limits.from_settings(settings)
    app.state.clock = clock
    app.state.token_issuer = token_issuer(settings, clock, signing_key)
    secret = server_secret(settings)
    app.state.pseudonymiser = pseudonymiser_for(secret)
    app.state.cursor_seal = CursorSeal.for_secret(secret)
    app.state.organisations = OrganisationCache(settings.organisation_cache_s)
    app.state.shared_answers = (
        SharedAnswers(settings.shared_content_bytes) if settings.shared_content_bytes > 0 else None
    )
    return app


def _traced() -> list[Middleware]:
    """The OpenTelemetry server span around everything, when an OTLP endpoint is configured."""
    return [Middleware(tracing.Traced)] if tracing.enabled() else []


def _cors(settings: Settings) -> list[Middleware]:
    """Cross-origin browser frontends, when configured (outermost, so refusals carry the headers
    too and a browser can read them). Bearer tokens travel in the Authorization header, never in
    cookies, so credentialed requests (cookies) are not allowed: a frontend sends its token
    itself, and `*` stays a safe wildcard."""
    if not settings.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            # A retry of a mutation from a browser frontend carries its Idempotency-Key
            # (docs/API.md); without it here the preflight refuses the retry.
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept",
                "X-Request-Id",
                READ_AFTER,
                IDEMPOTENCY_KEY,
            ],
            expose_headers=["Retry-After", "WWW-Authenticate", READ_AFTER],
            allow_credentials=False,
            max_age=600,
        )
    ]


def app_from_environment() -> Starlette:
    """Factory for uvicorn workers: settings from HOKS_* variables (the parent set the URL)."""
    app = create_app(Settings())
    heap.settle()
    return app
