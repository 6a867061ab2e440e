"""/healthz says the process is up; /readyz says whether the database answers."""

from __future__ import annotations

from tests.client import gateway


async def test_health_and_ready(database_url: str) -> None:
    async with gateway(database_url) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok"}


async def test_not_ready_without_database() -> None:
    async with gateway("postgresql://postgres@127.0.0.1:1/nowhere", db_connect_timeout_s=1) as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
