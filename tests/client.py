"""An HTTP client for the app in-process: the real ASGI stack, lifespan included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from hoks_gateway.app import create_app
from hoks_gateway.auth.demo import dev_token_issuer
from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.authz.pseudonyms import Identifier, Pseudonymiser
from hoks_gateway.authz.secret import server_secret
from hoks_gateway.settings import Settings

ADMIN = Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789")


@asynccontextmanager
async def gateway(database_url: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_app(database_url, **settings) as (client, _):
        yield client


@asynccontextmanager
async def gateway_app(
    database_url: str, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    """gateway(), and the app itself (its state: `app.state.db`)."""
    app = create_app(Settings(database_url=database_url, **settings))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        yield client, app


async def graphql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return body


def bearer(data_dir: Path, principal: Principal = ADMIN) -> dict[str, str]:
    """An Authorization header signed with the demo key under `data_dir` (demo mode)."""
    issuer = dev_token_issuer(Settings(data_dir=data_dir, demo=True))
    return {"Authorization": f"Bearer {issuer.issue(principal, 600)}"}


def pseudonyms(settings: Settings) -> Pseudonymiser:
    """The pseudonyms a gateway with these settings shows analysts (a demo one keeps its secret
    under its data dir): how an analyst names a learner, study right or plan."""
    secret = server_secret(settings)
    assert secret is not None, "analysts need a server secret"
    return Pseudonymiser.from_secret(secret)


def pseudonym(data_dir: Path, kind: Identifier, value: str | int) -> str:
    """The pseudonym of an identifier, as a demo gateway on `data_dir` shows it to analysts."""
    return pseudonyms(Settings(data_dir=data_dir, demo=True)).pseudonym(kind, str(value))
