"""Bearer tokens: what is accepted, and how everything else is refused (401, 423)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import httpx
from joserfc.jwk import ECKey
from sqlalchemy import text

from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.db.sessions import Database
from tests.auth.helpers import (
    MovableClock,
    bearer,
    error_codes,
    mint,
    post_graphql,
    running,
    settings_for,
    write_key,
)
from tests.factories import Factory

ME = "{ me { kind oid privileges { organisationOid privileges } } }"
STAFF = Principal(PrincipalKind.STAFF, "1.2.246.562.24.92634157188")


def _public_pem(private_key: Path) -> bytes:
    return ECKey.import_key(private_key.read_bytes()).as_pem(private=False)


def _assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="hoks-gateway"') and 'error="invalid_token"' in challenge
    body = response.json()
    assert "data" not in body and error_codes(body) == ["UNAUTHENTICATED"]


async def test_valid_token_names_the_principal(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    settings = settings_for(database_url, key_path)
    org = "1.2.246.562.10.12345678901"
    staff = Principal(PrincipalKind.STAFF, STAFF.id, {org: frozenset({Privilege.READ, Privilege.WRITE})})
    async with running(settings, clock) as client:
        response = await post_graphql(client, ME, token=mint(settings, staff, clock=clock))
    assert response.status_code == 200
    assert response.json()["data"]["me"] == {
        "kind": "STAFF",
        "oid": STAFF.id,
        "privileges": [{"organisationOid": org, "privileges": ["READ", "WRITE"]}],
    }


async def test_expired_token(database_url: str, key_path: Path, clock: MovableClock) -> None:
    settings = settings_for(database_url, key_path)
    token = mint(settings, STAFF, clock=clock, ttl_s=60)
    async with running(settings, clock) as client:
        assert (await post_graphql(client, ME, token=token)).status_code == 200
        clock.advance(seconds=60 + settings.token_leeway_s + 1)
        expired = await post_graphql(client, ME, token=token)
    _assert_invalid_token(expired)
    assert "expired" in expired.headers["WWW-Authenticate"]


async def test_tampered_token(database_url: str, key_path: Path, clock: MovableClock) -> None:
    settings = settings_for(database_url, key_path)
    header, payload, signature = mint(settings, STAFF, clock=clock).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["kind"] = "ADMIN"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    async with running(settings, clock) as client:
        _assert_invalid_token(await post_graphql(client, ME, token=f"{header}.{forged}.{signature}"))
        _assert_invalid_token(
            await post_graphql(client, ME, token=f"{header}.{payload}.{signature[:-4]}AAAA")
        )
        _assert_invalid_token(await post_graphql(client, ME, token="not-a-jwt"))


async def test_token_signed_by_another_key(
    database_url: str, key_path: Path, clock: MovableClock, tmp_path: Path
) -> None:
    settings = settings_for(database_url, key_path)
    stranger = settings_for(database_url, write_key(tmp_path / "other.pem"))
    async with running(settings, clock) as client:
        _assert_invalid_token(await post_graphql(client, ME, token=mint(stranger, STAFF, clock=clock)))


async def test_unsigned_and_symmetric_tokens_are_refused(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    settings = settings_for(database_url, key_path)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "x",
        "kind": "ADMIN",
        "exp": int(clock().timestamp()) + 600,
    }
    head = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    # HS256 keyed with the public key's PEM: the classic algorithm-confusion forgery (built by
    # hand, since joserfc itself refuses to make such a key).
    public_pem = _public_pem(key_path)
    hs_head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
    mac = hmac.new(public_pem, f"{hs_head}.{body}".encode(), hashlib.sha256).digest()
    confused = f"{hs_head}.{body}." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    async with running(settings, clock) as client:
        _assert_invalid_token(await post_graphql(client, ME, token=f"{head}.{body}."))
        _assert_invalid_token(await post_graphql(client, ME, token=confused))


async def test_wrong_audience_or_issuer(database_url: str, key_path: Path, clock: MovableClock) -> None:
    settings = settings_for(database_url, key_path)
    other_audience = settings_for(database_url, key_path, jwt_audience="someone-else")
    other_issuer = settings_for(database_url, key_path, jwt_issuer="https://evil.example")
    async with running(settings, clock) as client:
        _assert_invalid_token(await post_graphql(client, ME, token=mint(other_audience, STAFF, clock=clock)))
        _assert_invalid_token(await post_graphql(client, ME, token=mint(other_issuer, STAFF, clock=clock)))


async def test_public_key_file_verifies_an_identity_providers_tokens(
    database_url: str, key_path: Path, clock: MovableClock, tmp_path: Path
) -> None:
    provider_key = write_key(tmp_path / "idp.pem")
    public = tmp_path / "idp.pub.pem"
    public.write_bytes(_public_pem(provider_key))
    gateway = settings_for(database_url, key_path, jwt_public_key_path=public)
    token = mint(settings_for(database_url, provider_key), STAFF, clock=clock)
    async with running(gateway, clock) as client:
        assert (await post_graphql(client, ME, token=token)).json()["data"]["me"]["oid"] == STAFF.id


async def test_anonymous_callers_get_public_data_and_a_challenge_for_the_rest(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    _, oppilaitos = await Factory(db).provider("Kainuun ammattiopisto")
    async with running(settings_for(database_url, key_path), clock) as client:
        public = await post_graphql(
            client, "query($o: ID!) { organisation(oid: $o) { oid } }", {"o": oppilaitos}
        )
        assert public.status_code == 200 and public.json()["data"]["organisation"] == {"oid": oppilaitos}
        introspection = await post_graphql(client, "{ __schema { queryType { name } } }")
        assert introspection.status_code == 200
        personal = await post_graphql(client, ME)
    assert personal.status_code == 401
    assert personal.headers["WWW-Authenticate"] == 'Bearer realm="hoks-gateway"'
    assert error_codes(personal.json()) == ["UNAUTHENTICATED"]


async def test_service_account_tokens(
    db: Database, database_url: str, key_path: Path, clock: MovableClock
) -> None:
    _, oppilaitos = await Factory(db).provider("Sataedu")
    accounts = ServiceAccounts(db, clock)
    read_write = frozenset({Privilege.READ, Privilege.WRITE})
    await accounts.add("sis", {oppilaitos: read_write}, "s3cret")
    settings = settings_for(database_url, key_path)
    async with running(settings, clock) as client:
        basic = base64.b64encode(b"sis:s3cret").decode()
        issued = await client.post(
            "/auth/token",
            content="grant_type=client_credentials",
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
        assert issued.json()["expires_in"] == settings.token_ttl_s
        token = issued.json()["access_token"]
        me = (await post_graphql(client, ME, token=token)).json()["data"]["me"]
        assert me["kind"] == "SERVICE" and me["privileges"][0]["privileges"] == ["READ", "WRITE"]

        # A privilege withdrawn after issue is no longer honoured by the old token.
        async with db.write() as session:
            await session.execute(
                text("UPDATE service_accounts SET privileges = CAST(:p AS jsonb)"),
                {"p": json.dumps({oppilaitos: ["READ"]})},
            )
        me = (await post_graphql(client, ME, token=token)).json()["data"]["me"]
        assert me["privileges"][0]["privileges"] == ["READ"]

        await accounts.remove("sis")
        _assert_invalid_token(await post_graphql(client, ME, token=token))
        gone = await client.post(
            "/auth/token",
            data={"grant_type": "client_credentials", "client_id": "sis", "client_secret": "s3cret"},
        )
        assert gone.status_code == 401
        # An account re-created under the same id does not revive the old one's tokens.
        clock.advance(seconds=1)
        await accounts.add("sis", {oppilaitos: read_write}, "s3cret")
        _assert_invalid_token(await post_graphql(client, ME, token=token))


async def test_token_endpoint_rejects_malformed_requests(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    async with running(settings_for(database_url, key_path), clock) as client:
        grant = await client.post("/auth/token", data={"grant_type": "password", "client_id": "x"})
        assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
        missing = await client.post("/auth/token", data={"grant_type": "client_credentials"})
        assert missing.status_code == 401
        json_body = await client.post("/auth/token", json={"grant_type": "client_credentials"})
        assert json_body.status_code == 400


async def test_no_signing_key_means_no_token_endpoint(
    database_url: str, tmp_path: Path, clock: MovableClock
) -> None:
    settings = settings_for(database_url, write_key(tmp_path / "k.pem"), token_signing_key_path=None)
    async with running(settings, clock) as client:
        response = await client.post(
            "/auth/token", data={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"}
        )
    assert response.status_code == 503


async def test_bearer_header_shapes(database_url: str, key_path: Path, clock: MovableClock) -> None:
    settings = settings_for(database_url, key_path)
    async with running(settings, clock) as client:
        empty = await client.post("/graphql", json={"query": ME}, headers={"Authorization": "Bearer "})
        _assert_invalid_token(empty)
        lower = mint(settings, STAFF, clock=clock)
        ok = await client.post("/graphql", json={"query": ME}, headers={"Authorization": f"bearer {lower}"})
        assert ok.status_code == 200
        assert (await client.post("/graphql", json={"query": ME}, headers=bearer(lower))).status_code == 200
