"""Auth objects from Settings: which keys sign, which keys verify, how sign-ins back off."""

from __future__ import annotations

import datetime as dt

from joserfc.jwk import Key, KeySet

from hoks_gateway.auth.clock import Clock
from hoks_gateway.auth.keys import (
    JwksKeys,
    KeySource,
    SigningKey,
    StaticKeys,
    demo_signing_key,
    load_public_key,
    load_signing_key,
)
from hoks_gateway.auth.throttle import ThrottlePolicy
from hoks_gateway.auth.tokens import TokenIssuer, TokenVerifier
from hoks_gateway.settings import Settings


def gateway_signing_key(settings: Settings) -> SigningKey | None:
    """The key the gateway signs its own tokens with; None when it may issue none."""
    if settings.token_signing_key_path is not None:
        return load_signing_key(settings.token_signing_key_path)
    if settings.demo:
        return demo_signing_key(settings.demo_signing_key_path)
    return None


def token_issuer(settings: Settings, clock: Clock, key: SigningKey | None = None) -> TokenIssuer | None:
    key = key or gateway_signing_key(settings)
    if key is None:
        return None
    return TokenIssuer(key, settings.jwt_issuer, settings.jwt_audience, clock)


def token_verifier(settings: Settings, clock: Clock, own: SigningKey | None) -> TokenVerifier:
    """Tokens verify against the identity provider's keys and the gateway's own signing key."""
    static: list[Key] = [] if own is None else [own.public_jwk()]
    if settings.jwt_public_key_path is not None:
        static.append(load_public_key(settings.jwt_public_key_path))
    keys: KeySource = (
        JwksKeys(settings.jwks_url, settings.jwks_cache_s, clock, static)
        if settings.jwks_url
        else StaticKeys(KeySet(static))
    )
    return TokenVerifier(
        keys,
        settings.jwt_issuer,
        settings.jwt_audience,
        tuple(settings.jwt_algorithms),
        settings.token_leeway_s,
        clock,
        settings.max_token_lifetime_s,
        None if own is None else own.kid,
    )


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        settings.lockout_max_failures,
        dt.timedelta(seconds=settings.lockout_backoff_s),
        dt.timedelta(seconds=settings.lockout_duration_s),
    )
