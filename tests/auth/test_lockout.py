"""Service-account lockout: counted in the database, timed by the injected clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.cli import main
from hoks_gateway.db.sessions import Database
from tests.auth.helpers import MovableClock, error_codes, mint, post_graphql, running, settings_for
from tests.factories import Factory

SECRET = "correct horse battery staple"
UNLOCK = (
    "mutation($id: String!) { unlockServiceAccount(clientId: $id) { clientId failedAttempts lockedUntil } }"
)


async def _token_request(client: httpx.AsyncClient, secret: str, client_id: str = "sis") -> httpx.Response:
    return await client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


async def _account(db: Database, clock: MovableClock) -> str:
    _, oppilaitos = await Factory(db).provider("Lounais-Suomen koulutuskuntayhtymä")
    await ServiceAccounts(db, clock).add("sis", {oppilaitos: frozenset({Privilege.READ})}, SECRET)
    return oppilaitos


async def _lock(client: httpx.AsyncClient) -> httpx.Response:
    for _ in range(4):
        assert (await _token_request(client, "wrong")).status_code == 401
    return await _token_request(client, "wrong")


async def test_fifth_failure_locks_for_fifteen_minutes(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    async with running(settings_for(database_url, key_path), clock) as client:
        wrong = await _token_request(client, "wrong")
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        assert "WWW-Authenticate" in wrong.headers
        for _ in range(3):
            assert (await _token_request(client, "wrong")).status_code == 401

        locked = await _token_request(client, "wrong")
        assert locked.status_code == 423
        assert locked.headers["Retry-After"] == "900"

        # Locked means locked: the right secret does not help, and the secret is not even checked.
        clock.advance(minutes=14, seconds=59)
        still = await _token_request(client, SECRET)
        assert still.status_code == 423 and still.headers["Retry-After"] == "1"

        clock.advance(seconds=1)
        fresh = await _token_request(client, SECRET)
        assert fresh.status_code == 200, fresh.text
        assert fresh.json()["token_type"] == "Bearer"


async def test_success_resets_the_count(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    async with running(settings_for(database_url, key_path), clock) as client:
        for _ in range(4):
            await _token_request(client, "wrong")
        assert (await _token_request(client, SECRET)).status_code == 200
        for _ in range(4):
            assert (await _token_request(client, "wrong")).status_code == 401
    account = await ServiceAccounts(db, clock).get("sis")
    assert account is not None and account.failed_attempts == 4 and account.locked_until is None


async def test_concurrent_failures_are_all_counted(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    """The count is one UPDATE ... RETURNING per failure, so parallel workers cannot lose any."""
    await _account(db, clock)
    accounts = ServiceAccounts(db, clock)
    results = await asyncio.gather(
        *(accounts.authenticate("sis", "wrong") for _ in range(4)), return_exceptions=True
    )
    assert all(isinstance(r, Exception) for r in results)
    account = await accounts.get("sis")
    assert account is not None and account.failed_attempts == 4


async def test_policy_is_configurable(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    settings = settings_for(database_url, key_path, lockout_max_failures=2, lockout_duration_s=60)
    async with running(settings, clock) as client:
        assert (await _token_request(client, "wrong")).status_code == 401
        locked = await _token_request(client, "wrong")
        assert locked.status_code == 423 and locked.headers["Retry-After"] == "60"


async def test_tokens_of_a_locked_account_get_423(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    async with running(settings_for(database_url, key_path), clock) as client:
        token = (await _token_request(client, SECRET)).json()["access_token"]
        assert (await post_graphql(client, "{ me { kind } }", token=token)).status_code == 200
        assert (await _lock(client)).status_code == 423
        refused = await post_graphql(client, "{ me { kind } }", token=token)
        assert refused.status_code == 423
        assert refused.headers["Retry-After"] == "900"
        assert error_codes(refused.json()) == ["ACCOUNT_LOCKED"]


async def test_admin_unlocks_with_the_mutation(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    settings = settings_for(database_url, key_path)
    admin = mint(settings, Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789"), clock=clock)
    async with running(settings, clock) as client:
        await _lock(client)
        body = (await post_graphql(client, UNLOCK, {"id": "sis"}, token=admin)).json()
        assert body["data"]["unlockServiceAccount"] == {
            "clientId": "sis",
            "failedAttempts": 0,
            "lockedUntil": None,
        }
        assert (await _token_request(client, SECRET)).status_code == 200
        unknown = (await post_graphql(client, UNLOCK, {"id": "nobody"}, token=admin)).json()
        assert error_codes(unknown) == ["NOT_FOUND"]


async def test_cli_unlocks(
    db: Database, database_url: str, key_path: Path, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _account(db, clock)
    async with running(settings_for(database_url, key_path), clock) as client:
        await _lock(client)
        monkeypatch.setenv("HOKS_DATABASE_URL", database_url)
        # The CLI runs its own event loop, so it gets a thread.
        assert await asyncio.to_thread(main, ["service-account", "unlock", "sis"]) == 0
        assert (await _token_request(client, SECRET)).status_code == 200
