"""Every GraphQL answer and every token answer says `Cache-Control: no-store`: answers, refusals
of the view, and refusals made before it (authentication, rate limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.helpers import MovableClock, running, settings_for, write_key

ME = {"query": "{ me { kind } }"}
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def client(database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # Eight anonymous GraphQL requests per window, then 429.
    settings = settings_for(
        database_url, write_key(tmp_path / "key.pem"), rate_limit_requests=8, max_body_bytes=2000
    )
    async with running(settings, MovableClock()) as running_client:
        yield running_client


REQUESTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("an answer", "POST", "/graphql", {"json": {"query": "{ __typename }"}}),
    ("an answer to GET", "GET", "/graphql", {"params": {"query": "{ __typename }"}}),
    ("a personal field asked anonymously", "POST", "/graphql", {"json": ME}),
    ("a validation error", "POST", "/graphql", {"json": {"query": "{ nothingHere }"}}),
    ("a parse error", "POST", "/graphql", {"json": {"query": "{"}}),
    ("a refused token", "POST", "/graphql", {"json": ME, "headers": {"Authorization": "Bearer x.y.z"}}),
    ("a form body", "POST", "/graphql", {"data": {"query": "{ __typename }"}}),
    ("a body too large", "POST", "/graphql", {"content": b"{" + b" " * 3000 + b"}", "headers": JSON}),
    ("a method not allowed", "PUT", "/graphql", {"json": ME}),
    ("a token refused", "POST", "/auth/token", {"content": "grant_type=client_credentials", "headers": FORM}),
    ("a token request too large", "POST", "/auth/token", {"content": "a" * 5000, "headers": FORM}),
]


@pytest.mark.parametrize(("what", "method", "path", "request_kwargs"), REQUESTS, ids=[r[0] for r in REQUESTS])
async def test_no_answer_may_be_stored(
    client: httpx.AsyncClient, what: str, method: str, path: str, request_kwargs: dict[str, Any]
) -> None:
    response = await client.request(method, path, **request_kwargs)
    assert response.headers.get_list("Cache-Control") == ["no-store"], (what, response.status_code)


async def test_a_rate_limited_graphql_request_may_not_be_stored(client: httpx.AsyncClient) -> None:
    statuses = []
    for _ in range(10):
        response = await client.post("/graphql", json={"query": "{ __typename }"})
        statuses.append(response.status_code)
        assert response.headers.get_list("Cache-Control") == ["no-store"], response.status_code
    assert statuses[-1] == 429


async def test_other_paths_are_left_alone(client: httpx.AsyncClient) -> None:
    assert "Cache-Control" not in (await client.get("/healthz")).headers
