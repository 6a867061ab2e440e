"""The ASGI application: routes, lifespan, health checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from hoks_gateway.db import metrics
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.schema import schema
from hoks_gateway.graphql.view import GraphQLView
from hoks_gateway.settings import Settings


class MetricsMiddleware:
    """With HOKS_DEBUG_METRICS on, every request counts its SQL statements and database time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = metrics.current.set(metrics.RequestMetrics())
        try:
            await self.app(scope, receive, send)
        finally:
            metrics.current.reset(token)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    db: Database = request.app.state.db
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "not ready"
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(settings: Settings) -> Starlette:
    if settings.database_url is None:
        raise ValueError("create_app needs settings.database_url; the CLI starts the embedded server")
    url = settings.database_url

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = Database.connect(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            connect_timeout_s=settings.db_connect_timeout_s,
        )
        app.state.db = db
        try:
            yield
        finally:
            await db.dispose()

    graphql = GraphQLView(schema, graphql_ide="graphiql" if settings.graphiql_enabled else None)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
        middleware=[Middleware(MetricsMiddleware)] if settings.debug_metrics else [],
    )
    app.state.settings = settings
    return app


def app_from_environment() -> Starlette:
    """Factory for uvicorn workers: settings from HOKS_* variables (the parent set the URL)."""
    return create_app(Settings())
