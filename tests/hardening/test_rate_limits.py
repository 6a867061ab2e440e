"""Rate limits: GraphQL requests per principal, token requests per client address, counted in
PostgreSQL so that every worker sees the same count; time comes from an injected clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from sqlalchemy import func, select

from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import RateLimitWindow
from tests.auth.helpers import MovableClock, error_codes, mint, post_graphql, running, settings_for, write_key

ME = "{ me { kind } }"
LEARNER = Principal(PrincipalKind.LEARNER, "1.2.246.562.24.10000000008")
STAFF = Principal(PrincipalKind.STAFF, "1.2.246.562.24.92634157188")
# A window boundary plus 20 s: the current window has 40 s left.
T0 = dt.datetime(2026, 11, 2, 9, 0, 20, tzinfo=dt.UTC)


def _assert_limited(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["Retry-After"] == str(retry_after)
    body = response.json()
    assert "data" not in body and error_codes(body) == ["RATE_LIMITED"]
    assert body["errors"][0]["extensions"]["retryAfterSeconds"] == retry_after
    assert "limit is 3 per window" in body["errors"][0]["message"]


async def test_graphql_requests_are_limited_per_principal(database_url: str, tmp_path: Path) -> None:
    clock = MovableClock(T0)
    settings = settings_for(database_url, write_key(tmp_path / "key.pem"), rate_limit_requests=3)
    learner, staff = (mint(settings, p, clock=clock) for p in (LEARNER, STAFF))
    async with running(settings, clock) as client:
        for _ in range(3):
            assert (await post_graphql(client, ME, token=learner)).status_code == 200
        _assert_limited(await post_graphql(client, ME, token=learner), retry_after=40)
        # Another principal has a count of its own.
        assert (await post_graphql(client, ME, token=staff)).status_code == 200
        clock.advance(seconds=39)
        _assert_limited(await post_graphql(client, ME, token=learner), retry_after=1)
        clock.advance(seconds=1)
        assert (await post_graphql(client, ME, token=learner)).status_code == 200


async def test_anonymous_callers_are_counted_by_address(database_url: str, tmp_path: Path) -> None:
    clock = MovableClock(T0)
    settings = settings_for(database_url, write_key(tmp_path / "key.pem"), rate_limit_requests=3)
    async with running(settings, clock) as client:
        for _ in range(3):
            assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200
        limited = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Accept": "application/graphql-response+json"},
        )
    _assert_limited(limited, retry_after=40)
    assert limited.headers["content-type"].startswith("application/graphql-response+json")


async def test_workers_share_one_count(database_url: str, tmp_path: Path) -> None:
    """Two app instances on one database stand for two uvicorn workers or two replicas."""
    clock = MovableClock(T0)
    settings = settings_for(database_url, write_key(tmp_path / "key.pem"), rate_limit_requests=3)
    token = mint(settings, LEARNER, clock=clock)
    async with running(settings, clock) as first, running(settings, clock) as second:
        assert (await post_graphql(first, ME, token=token)).status_code == 200
        assert (await post_graphql(second, ME, token=token)).status_code == 200
        assert (await post_graphql(first, ME, token=token)).status_code == 200
        _assert_limited(await post_graphql(second, ME, token=token), retry_after=40)


async def test_token_requests_are_limited_per_address(database_url: str, tmp_path: Path) -> None:
    clock = MovableClock(T0)
    settings = settings_for(database_url, write_key(tmp_path / "key.pem"), rate_limit_token_requests=3)
    form = {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}
    async with running(settings, clock) as client:
        for _ in range(3):
            assert (await client.post("/auth/token", data=form)).status_code == 401
        limited = await client.post("/auth/token", data=form)
        # The GraphQL endpoint has its own, separate count.
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200
    _assert_limited(limited, retry_after=40)


async def test_ended_windows_are_pruned(db: Database, database_url: str, tmp_path: Path) -> None:
    clock = MovableClock(T0)
    settings = settings_for(database_url, write_key(tmp_path / "key.pem"))
    async with running(settings, clock) as client:
        for _ in range(3):
            await client.post("/graphql", json={"query": "{ __typename }"})
            clock.advance(seconds=60)
    async with db.read() as session:
        windows = await session.scalar(select(func.count()).select_from(RateLimitWindow))
    assert windows == 1
