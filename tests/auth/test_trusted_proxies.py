"""Behind a reverse proxy, per-address limits count per real client (HOKS_TRUSTED_PROXIES).

Without it, every request arrives from the proxy's address: one bucket for everybody, so one
client's token requests used up everyone's. X-Forwarded-For is honoured only from the listed
proxies, and the client is the rightmost address in it that is not one of them.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from hoks_gateway.auth.principal import Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.db.sessions import Database
from hoks_gateway.settings import Settings
from tests.auth.helpers import MovableClock, connected, running_app, settings_for
from tests.factories import Factory

PROXY = "10.0.0.2"
OTHER_PROXY = "10.0.0.3"
OUTSIDER = "198.51.100.9"
SECRET = "s3cret"
WRONG = "wrong"


async def _token(client: httpx.AsyncClient, forwarded_for: str | None, secret: str = WRONG) -> httpx.Response:
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    data = {"grant_type": "client_credentials", "client_id": "sis", "client_secret": secret}
    return await client.post("/auth/token", data=data, headers=headers)


def _code(response: httpx.Response) -> str:
    """401 invalid_client (counted and checked), 429 RATE_LIMITED or 429 slow_down."""
    body = response.json()
    return str(body.get("error") or body["errors"][0]["extensions"]["code"])


def _limited(database_url: str, key_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "trusted_proxies": ["10.0.0.0/24"],
        "rate_limit_token_requests": 2,
        "rate_limit_window_s": 3600,
    }
    return settings_for(database_url, key_path, **(values | overrides))


async def test_token_requests_count_per_forwarded_client(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    async with running_app(_limited(database_url, key_path), clock) as app, connected(app, PROXY) as proxy:
        first = [_code(await _token(proxy, "203.0.113.5")) for _ in range(3)]
        assert first == ["invalid_client", "invalid_client", "RATE_LIMITED"]
        # Another client behind the same proxy has a window of its own.
        assert _code(await _token(proxy, "203.0.113.6")) == "invalid_client"
        # Through two proxies of the list: the client is still the address left of them.
        assert _code(await _token(proxy, f"203.0.113.7, {OTHER_PROXY}")) == "invalid_client"
        assert _code(await _token(proxy, f"203.0.113.7, {OTHER_PROXY}")) == "invalid_client"
        assert _code(await _token(proxy, "203.0.113.7")) == "RATE_LIMITED"


async def test_what_the_client_wrote_left_of_its_address_is_ignored(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    async with running_app(_limited(database_url, key_path), clock) as app, connected(app, PROXY) as proxy:
        spoofed = ["192.0.2.1, 203.0.113.5", "192.0.2.2, 203.0.113.5", "10.0.0.9, 203.0.113.5"]
        assert [_code(await _token(proxy, f)) for f in spoofed] == [
            "invalid_client",
            "invalid_client",
            "RATE_LIMITED",
        ]


async def test_forwarded_headers_from_anyone_else_are_ignored(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    async with (
        running_app(_limited(database_url, key_path), clock) as app,
        connected(app, OUTSIDER) as outsider,
    ):
        codes = [_code(await _token(outsider, f"203.0.113.{n}")) for n in range(3)]
    assert codes == ["invalid_client", "invalid_client", "RATE_LIMITED"]


async def test_without_trusted_proxies_the_connection_is_the_client(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    settings = _limited(database_url, key_path, trusted_proxies=[])
    async with running_app(settings, clock) as app, connected(app, PROXY) as proxy:
        codes = [_code(await _token(proxy, f"203.0.113.{n}")) for n in range(3)]
    assert codes == ["invalid_client", "invalid_client", "RATE_LIMITED"]


async def test_sign_in_back_off_counts_per_forwarded_client(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    _, oppilaitos = await Factory(db).provider("Sataedu")
    await ServiceAccounts(db, clock).add("sis", {oppilaitos: frozenset({Privilege.READ})}, SECRET)
    settings = _limited(database_url, key_path, rate_limit_token_requests=0)
    async with running_app(settings, clock) as app, connected(app, PROXY) as proxy:
        attacker = [_code(await _token(proxy, "203.0.113.66")) for _ in range(6)]
        assert attacker == ["invalid_client"] * 5 + ["slow_down"]
        provider = await _token(proxy, "198.51.100.7", SECRET)
        assert provider.status_code == 200, provider.text


async def test_graphql_rate_limit_counts_anonymous_callers_per_forwarded_client(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    settings = _limited(database_url, key_path, rate_limit_requests=1)
    query = {"query": "{ __typename }"}
    async with running_app(settings, clock) as app, connected(app, PROXY) as proxy:
        first = await proxy.post("/graphql", json=query, headers={"X-Forwarded-For": "203.0.113.5"})
        again = await proxy.post("/graphql", json=query, headers={"X-Forwarded-For": "203.0.113.5"})
        other = await proxy.post("/graphql", json=query, headers={"X-Forwarded-For": "203.0.113.6"})
    assert [first.status_code, again.status_code, other.status_code] == [200, 429, 200]


@pytest.mark.parametrize("wrong", ["*", "proxy.example", "10.0.0.0/33"])
def test_trusted_proxies_are_addresses_or_networks(wrong: str) -> None:
    with pytest.raises(ValidationError, match="a trusted proxy is an IP address or a network"):
        Settings(trusted_proxies=wrong)
