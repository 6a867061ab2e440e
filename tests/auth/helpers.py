"""Shared by the auth and authz tests: a test key, a movable clock, an in-process gateway."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from joserfc.jwk import ECKey
from pydantic import SecretStr
from starlette.applications import Starlette

from hoks_gateway.app import create_app
from hoks_gateway.auth.clock import Clock
from hoks_gateway.auth.config import token_issuer
from hoks_gateway.auth.keys import load_signing_key
from hoks_gateway.auth.principal import Principal
from hoks_gateway.settings import Settings

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class MovableClock:
    """The Clock the gateway is given: tests move time instead of waiting for it."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def write_key(path: Path) -> Path:
    path.write_bytes(ECKey.generate_key("P-256", private=True).as_pem(private=True))
    return path


def settings_for(database_url: str, key_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": key_path.parent,
        "token_signing_key_path": key_path,
        "pseudonym_secret": SecretStr("pseudonym-test-secret"),
        "db_pool_size": 4,
        "db_max_overflow": 4,
    }
    return Settings(**(values | overrides))


def mint(settings: Settings, principal: Principal, *, clock: Clock, ttl_s: int = 600) -> str:
    key = load_signing_key(settings.token_signing_key_path) if settings.token_signing_key_path else None
    issuer = token_issuer(settings, clock, key)
    assert issuer is not None
    return issuer.issue(principal, ttl_s)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running(settings: Settings, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(settings, clock) as app, connected(app) as client:
        yield client


@asynccontextmanager
async def running_app(settings: Settings, clock: Clock) -> AsyncIterator[Starlette]:
    """The gateway with its lifespan started, for clients from several addresses (`connected`)."""
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def connected(app: Starlette, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connections come from `address`, as the ASGI server would report it."""
    transport = httpx.ASGITransport(app=app, client=(address, 50_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def post_graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> httpx.Response:
    headers = bearer(token) if token else {}
    return await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]
