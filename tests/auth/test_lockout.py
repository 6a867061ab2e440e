"""Sign-in back-off per (client id, client address): counted in the database before any secret is
hashed, timed by the injected clock, and never a switch that others can throw.

An account-wide lock let anyone who knew a client id keep its provider out and refuse the tokens
it already held, confirmed which ids exist (unknown ids never locked), let 30 concurrent guesses
all be hashed, and let a correct secret through right after eight evaluated wrong ones.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.cli import main
from hoks_gateway.db.sessions import Database
from tests.auth.helpers import (
    MovableClock,
    connected,
    error_codes,
    mint,
    post_graphql,
    running,
    running_app,
    settings_for,
)
from tests.factories import Factory

SECRET = "correct horse battery staple"
PROVIDER = "198.51.100.7"
ATTACKER = "203.0.113.66"
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


async def _wrong(client: httpx.AsyncClient, times: int, client_id: str = "sis") -> list[int]:
    return [(await _token_request(client, "wrong", client_id)).status_code for _ in range(times)]


def _secret_checks() -> float:
    return REGISTRY.get_sample_value("hoks_secret_checks_total") or 0.0


def _answer(response: httpx.Response) -> tuple[Any, ...]:
    """What a client can tell from an answer, timing aside."""
    headers = ("Retry-After", "WWW-Authenticate", "Cache-Control")
    return (response.status_code, response.json(), *(response.headers.get(h) for h in headers))


async def test_wrong_secrets_back_off_and_even_the_right_one_waits(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    async with running(settings_for(database_url, key_path), clock) as client:
        wrong = await _token_request(client, "wrong")
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        assert "WWW-Authenticate" in wrong.headers
        assert await _wrong(client, 4) == [401] * 4

        # The fifth wrong secret starts a wait of a second: the right secret is not even checked.
        waiting = await _token_request(client, SECRET)
        assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "1"
        assert waiting.json()["error"] == "slow_down"
        clock.advance(seconds=1)
        assert (await _token_request(client, "wrong")).status_code == 401
        # The sixth doubles it.
        assert (await _token_request(client, SECRET)).headers["Retry-After"] == "2"
        clock.advance(seconds=1)
        still = await _token_request(client, SECRET)
        assert still.status_code == 429 and still.headers["Retry-After"] == "1"
        clock.advance(seconds=1)
        fresh = await _token_request(client, SECRET)
        assert fresh.status_code == 200, fresh.text
        assert fresh.json()["token_type"] == "Bearer"
        # The right secret forgot the count.
        assert await _wrong(client, 4) == [401] * 4


async def test_the_wait_doubles_up_to_the_longest_and_a_quiet_pair_starts_afresh(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    settings = settings_for(
        database_url, key_path, lockout_max_failures=2, lockout_backoff_s=10, lockout_duration_s=60
    )
    waits = []
    async with running(settings, clock) as client:
        assert await _wrong(client, 2) == [401, 401]
        for _ in range(4):
            refused = await _token_request(client, "wrong")
            waits.append(int(refused.headers["Retry-After"]))
            clock.advance(seconds=waits[-1])
            assert (await _token_request(client, "wrong")).status_code == 401
        assert waits == [10, 20, 40, 60]
        clock.advance(seconds=60)
        assert await _wrong(client, 2) == [401, 401]


async def test_wrong_secrets_from_another_address_never_hold_the_provider_back(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    async with (
        running_app(settings_for(database_url, key_path), clock) as app,
        connected(app, ATTACKER) as attacker,
        connected(app, PROVIDER) as provider,
    ):
        assert await _wrong(attacker, 12) == [401] * 5 + [429] * 7
        signed_in = await _token_request(provider, SECRET)
        assert signed_in.status_code == 200, signed_in.text


async def test_issued_tokens_keep_working_whatever_others_send(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    async with (
        running_app(settings_for(database_url, key_path), clock) as app,
        connected(app, PROVIDER) as provider,
        connected(app, ATTACKER) as attacker,
    ):
        token = (await _token_request(provider, SECRET)).json()["access_token"]
        assert await _wrong(attacker, 8) == [401] * 5 + [429] * 3
        # Even wrong secrets from the provider's own address (a NAT shared with others).
        assert await _wrong(provider, 8) == [401] * 5 + [429] * 3
        me = await post_graphql(provider, "{ me { kind } }", token=token)
        assert me.status_code == 200 and me.json()["data"]["me"] == {"kind": "SERVICE"}


async def test_unknown_and_known_client_ids_answer_alike(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    answers: dict[str, list[tuple[Any, ...]]] = {}
    checks: dict[str, float] = {}
    async with running(settings_for(database_url, key_path), clock) as client:
        for client_id in ("sis", "no-such-client"):
            before = _secret_checks()
            answers[client_id] = [_answer(await _token_request(client, "wrong", client_id)) for _ in range(7)]
            checks[client_id] = _secret_checks() - before
            clock.advance(minutes=20)
    assert answers["sis"] == answers["no-such-client"]
    assert [status for status, *_ in answers["sis"]] == [401] * 5 + [429] * 2
    # Each evaluated attempt costs one Argon2 check, against the account's hash or a decoy.
    assert checks == {"sis": 5, "no-such-client": 5}


async def test_client_ids_of_any_length_or_content_are_counted_like_unknown_ones(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    async with running(settings_for(database_url, key_path), clock) as client:
        unknown = [_answer(await _token_request(client, "wrong", "nobody")) for _ in range(6)]
        for client_id in ("x" * 3000, "sis\x00", "sïs ✓"):
            clock.advance(minutes=20)
            assert [_answer(await _token_request(client, "wrong", client_id)) for _ in range(6)] == unknown


async def test_concurrent_guesses_are_hashed_only_as_far_as_reserved(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    """Each attempt is counted by one atomic statement before its secret is hashed: of 30 guesses
    sent at once, the five that got a reservation are hashed, the rest are refused unchecked."""
    await _account(db, clock)
    before = _secret_checks()
    async with running(settings_for(database_url, key_path, db_pool_size=10), clock) as client:
        statuses = await asyncio.gather(*(_token_request(client, "wrong") for _ in range(30)))
    assert sorted(r.status_code for r in statuses) == [401] * 5 + [429] * 25
    assert _secret_checks() - before == 5
    async with db.read() as session:
        failures = await session.scalar(text("SELECT sum(failures) FROM sign_in_throttle"))
    assert failures == 5


async def test_accounts_show_their_back_off_and_the_admin_unlocks_every_address(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    await _account(db, clock)
    settings = settings_for(database_url, key_path)
    admin = mint(settings, Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789"), clock=clock)
    async with running_app(settings, clock) as app, connected(app, ATTACKER) as client:
        await _wrong(client, 6)
        account = await ServiceAccounts(db, clock).get("sis")
        assert account is not None and account.failed_attempts == 5
        assert account.locked_until is not None and (account.locked_until - clock()).total_seconds() == 1
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
        assert await _wrong(client, 6) == [401] * 5 + [429]
        monkeypatch.setenv("HOKS_DATABASE_URL", database_url)
        # The CLI runs its own event loop, so it gets a thread.
        assert await asyncio.to_thread(main, ["service-account", "unlock", "sis"]) == 0
        assert (await _token_request(client, SECRET)).status_code == 200
