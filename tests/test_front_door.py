"""`GET /` points to the endpoints; `GET /schema.graphql` serves the SDL when introspection is on;
browser frontends on other origins are let in only when HOKS_CORS_ORIGINS names them."""

from __future__ import annotations

from pathlib import Path

from hoks_gateway.graphql.export import sdl
from tests.client import bearer, gateway

FRONTEND = "https://hoks.example.fi"
PREFLIGHT = {
    "Origin": FRONTEND,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, x-hoks-read-after",
}
ME = {"query": "{ me { kind } }"}


async def test_index_names_every_endpoint(database_url: str) -> None:
    async with gateway(database_url) as client:
        page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for path in ("/graphql", "/schema.graphql", "/healthz", "/readyz", "/auth/token"):
        assert f'href="{path}"' in page.text
    assert "<script" not in page.text


async def test_schema_is_served_when_introspection_is_on(database_url: str) -> None:
    async with gateway(database_url, introspection=True) as client:
        served = await client.get("/schema.graphql")
    assert served.status_code == 200
    assert served.text == sdl()
    assert "type Query" in served.text


async def test_schema_follows_introspection_off(database_url: str) -> None:
    async with gateway(database_url, introspection=False) as client:
        refused = await client.get("/schema.graphql")
        page = await client.get("/")
    assert refused.status_code == 404
    assert "HOKS_INTROSPECTION" in refused.text
    assert "off, as introspection is" in page.text


async def test_no_cross_origin_access_unless_configured(database_url: str) -> None:
    async with gateway(database_url) as client:
        preflight = await client.options("/graphql", headers=PREFLIGHT)
        simple = await client.post("/graphql", json=ME, headers={"Origin": FRONTEND})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_configured_origin_passes_preflight_and_reads_answers(
    database_url: str, tmp_path: Path
) -> None:
    async with gateway(database_url, cors_origins=[FRONTEND], demo=True, data_dir=tmp_path) as client:
        preflight = await client.options("/graphql", headers=PREFLIGHT)
        answer = await client.post("/graphql", json=ME, headers={"Origin": FRONTEND, **bearer(tmp_path)})
        refused = await client.post(
            "/graphql", json=ME, headers={"Origin": FRONTEND, "Authorization": "Bearer not-a-token"}
        )
        stranger = await client.options("/graphql", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONTEND
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key", "x-hoks-read-after"):
        assert header in allowed
    # Tokens are headers, not cookies: credentialed (cookie) requests are never allowed.
    assert "access-control-allow-credentials" not in preflight.headers
    assert answer.json() == {"data": {"me": {"kind": "ADMIN"}}}
    assert answer.headers["access-control-allow-origin"] == FRONTEND
    # A refusal must be readable by the frontend too, or it cannot tell the user to sign in again.
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == FRONTEND
    assert "www-authenticate" in refused.headers["access-control-expose-headers"].lower()
    assert stranger.status_code == 400
    assert "access-control-allow-origin" not in stranger.headers
