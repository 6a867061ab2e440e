"""Signed tokens with claims the gateway cannot use are refused with 401, never a 500; an identity
provider's token must say when it was issued and may live at most HOKS_MAX_TOKEN_LIFETIME_S."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from hoks_gateway.auth.keys import SigningKey, load_signing_key
from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.settings import Settings
from tests.auth.helpers import MovableClock, error_codes, mint, post_graphql, running, settings_for, write_key

ME = "{ me { kind oid } }"
STAFF_OID = "1.2.246.562.24.92634157188"


def sign(key: SigningKey, claims: dict[str, Any]) -> str:
    return jwt.encode({"alg": key.algorithm, "kid": key.kid}, claims, key.key, algorithms=[key.algorithm])


def claims(settings: Settings, clock: MovableClock, **changes: Any) -> dict[str, Any]:
    now = int(clock().timestamp())
    usual = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": STAFF_OID,
        "iat": now,
        "exp": now + 300,
        "kind": "ADMIN",
    }
    return {k: v for k, v in (usual | changes).items() if v is not None}


@pytest.fixture
def provider_pem(tmp_path: Path) -> Path:
    return write_key(tmp_path / "idp.pem")


@pytest.fixture
def provider_key(provider_pem: Path) -> SigningKey:
    return load_signing_key(provider_pem)


@pytest.fixture
def settings(database_url: str, key_path: Path, provider_pem: Path, tmp_path: Path) -> Settings:
    public = tmp_path / "idp.pub.pem"
    public.write_bytes(ECKey.import_key(provider_pem.read_bytes()).as_pem(private=False))
    return settings_for(database_url, key_path, jwt_public_key_path=public, max_token_lifetime_s=3600)


def assert_refused(response: httpx.Response, reason: str = "The token is invalid.") -> None:
    assert response.status_code == 401, response.text
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert f'error_description="{reason}"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": ["ADMIN"]},  # the registry's allowed values let a list of them through
        {"kind": ["STAFF", "ADMIN"]},
        {"sub": f"{STAFF_OID}\x00"},
        {"kind": "STAFF", "privileges": {"1.2.246.562.10.1\x00": ["READ"]}},
        {"kind": "STAFF", "privileges": {"1.2.246.562.10.12345678901": [["READ"]]}},
        {"iat": -(10**20)},  # before the year 1: no datetime can hold it
    ],
    ids=["kind a list", "kind a list of two", "NUL in sub", "NUL in an organisation", "a nested list", "iat"],
)
async def test_unusable_claims_are_an_invalid_token(
    settings: Settings, provider_key: SigningKey, clock: MovableClock, changes: dict[str, Any]
) -> None:
    token = sign(provider_key, claims(settings, clock, **changes))
    async with running(settings, clock) as client:
        assert_refused(await post_graphql(client, ME, token=token))


async def test_an_identity_providers_token_lives_at_most_the_limit(
    settings: Settings, provider_key: SigningKey, clock: MovableClock
) -> None:
    now = int(clock().timestamp())
    at_limit = sign(provider_key, claims(settings, clock, iat=now - 600, exp=now - 600 + 3600))
    too_long = sign(provider_key, claims(settings, clock, exp=now + 3601))
    unknown = sign(provider_key, claims(settings, clock, iat=None))
    async with running(settings, clock) as client:
        accepted = await post_graphql(client, ME, token=at_limit)
        assert accepted.status_code == 200 and accepted.json()["data"]["me"]["kind"] == "ADMIN"
        assert_refused(
            await post_graphql(client, ME, token=too_long),
            "The token lives 3601 s (exp - iat); this gateway accepts at most 3600 s.",
        )
        assert_refused(
            await post_graphql(client, ME, token=unknown),
            "The token does not say when it was issued (iat); it is required.",
        )


async def test_the_limit_is_a_setting(
    settings: Settings, provider_key: SigningKey, clock: MovableClock
) -> None:
    now = int(clock().timestamp())
    day = sign(provider_key, claims(settings, clock, exp=now + 86_400))
    async with running(settings.model_copy(update={"max_token_lifetime_s": 86_400}), clock) as client:
        assert (await post_graphql(client, ME, token=day)).status_code == 200


async def test_the_gateways_own_tokens_keep_their_lifetime(settings: Settings, clock: MovableClock) -> None:
    # `hoks-gateway token` mints working-day tokens with the gateway's key (demo_token_ttl_s).
    token = mint(settings, Principal(PrincipalKind.ADMIN, STAFF_OID), clock=clock, ttl_s=12 * 3600)
    async with running(settings, clock) as client:
        assert (await post_graphql(client, ME, token=token)).status_code == 200
