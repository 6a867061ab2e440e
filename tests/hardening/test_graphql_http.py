"""GraphQL over HTTP: media types, request errors without `data`, GET, CSRF and size refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.client import gateway

GRAPHQL_RESPONSE = "application/graphql-response+json"
NEW = {"Accept": GRAPHQL_RESPONSE}
LEGACY = {"Accept": "application/json"}


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(database_url, debug_metrics=True) as client:
        yield client


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_media_type_follows_accept(client: httpx.AsyncClient) -> None:
    for accept, media in [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (f"application/json;q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.1", "application/json"),
    ]:
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"].startswith(media), accept
        assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("request_body", "code"),
    [
        ({"query": "{"}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "query($id: ID!) { __typename }", "variables": {"id": None}}, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_request_errors_are_400_without_data_when_graphql_response_is_accepted(
    client: httpx.AsyncClient, request_body: dict[str, Any], code: str
) -> None:
    new = await client.post("/graphql", json=request_body, headers=NEW)
    assert new.status_code == 400 and new.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in new.json() and codes(new.json()) == [code]
    legacy = await client.post("/graphql", json=request_body, headers=LEGACY)
    assert legacy.status_code == 200 and "data" not in legacy.json() and codes(legacy.json()) == [code]


async def test_get_runs_queries_but_never_mutations(client: httpx.AsyncClient) -> None:
    query = await client.get("/graphql", params={"query": "{ __typename }"}, headers=NEW)
    assert query.status_code == 200 and query.json()["data"] == {"__typename": "Query"}
    mutation = await client.get(
        "/graphql", params={"query": 'mutation { unlockServiceAccount(clientId: "x") { clientId } }'}
    )
    assert mutation.status_code == 405 and mutation.headers["Allow"] == "POST"
    assert codes(mutation.json()) == ["METHOD_NOT_ALLOWED"]
    assert mutation.json()["extensions"]["metrics"]["sqlStatements"] == 0


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
async def test_simple_request_content_types_are_refused(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    """A browser sends these cross-site without a CORS preflight: they must never execute."""
    headers = {"Content-Type": content_type} if content_type else {}
    body = b'{"query": "mutation { unlockServiceAccount(clientId: \\"x\\") { clientId } }"}'
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 415 and codes(response.json()) == ["UNSUPPORTED_MEDIA_TYPE"]
    assert response.json()["extensions"]["metrics"]["sqlStatements"] == 0


async def test_other_methods_are_405(client: httpx.AsyncClient) -> None:
    response = await client.put("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405 and response.headers["Allow"] == "GET, POST"


async def test_bodies_over_the_limit_are_413_declared_or_streamed(database_url: str) -> None:
    big = b'{"query": "{ __typename }", "variables": {"pad": "' + b"x" * 5000 + b'"}}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    async with gateway(database_url, max_body_bytes=4096) as client:
        declared = await client.post("/graphql", content=big, headers={"Content-Type": "application/json"})
        streamed = await client.post(
            "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
        )
        small = await client.post("/graphql", json={"query": "{ __typename }"})
    for response in (declared, streamed):
        assert response.status_code == 413 and codes(response.json()) == ["REQUEST_TOO_LARGE"]
        assert "4096 bytes" in response.json()["errors"][0]["message"]
    assert small.status_code == 200


async def test_malformed_bodies_get_graphql_shaped_400s(client: httpx.AsyncClient) -> None:
    for content in [
        b'{ "not a JSON',
        b'{"query": 1}',
        b'{"query": "{ __typename }", "variables": []}',
        b"[]",
    ]:
        response = await client.post(
            "/graphql", content=content, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, content
        assert codes(response.json()) == ["BAD_REQUEST"], content


async def test_introspection_and_suggestions_only_in_demo_mode(database_url: str, tmp_path: Any) -> None:
    introspect = {"query": "{ __schema { queryType { name } } }"}
    typo = {"query": '{ organisatio(oid: "1") { oid } }'}
    async with gateway(database_url) as production:
        refused = (await production.post("/graphql", json=introspect, headers=NEW)).json()
        quiet = (await production.post("/graphql", json=typo)).json()
    async with gateway(database_url, demo=True, data_dir=tmp_path) as demo:
        allowed = (await demo.post("/graphql", json=introspect)).json()
        helpful = (await demo.post("/graphql", json=typo)).json()
    assert codes(refused) == ["INTROSPECTION_DISABLED"]
    assert "Did you mean" not in quiet["errors"][0]["message"]
    assert allowed["data"]["__schema"]["queryType"]["name"] == "Query"
    assert "Did you mean 'organisation'?" in helpful["errors"][0]["message"]
