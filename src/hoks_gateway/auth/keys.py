"""Signing and verification keys: PEM files, the demo key, and a cached JWKS document."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, Key, KeySet, RSAKey

from hoks_gateway.auth.clock import Clock
from hoks_gateway.errors import ConfigurationError

log = logging.getLogger("hoks_gateway.auth")

_KEY_TYPES = ("EC", "RSA", "OKP")


@dataclass(frozen=True, slots=True)
class SigningKey:
    key: Key
    algorithm: str

    @property
    def kid(self) -> str:
        return self.key.kid or self.key.thumbprint()

    def public_jwk(self) -> Key:
        return JWKRegistry.import_key(self.key.as_dict(private=False), self.key.key_type, {"kid": self.kid})


def _import_pem(path: Path) -> Key:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read key file {path} ({exc.strerror})") from exc
    for key_type in _KEY_TYPES:
        try:
            return JWKRegistry.import_key(data, key_type)
        except (JoseError, ValueError, TypeError):
            continue
    raise ConfigurationError(f"{path} holds no PEM key of a supported type (EC P-256, RSA)")


def _algorithm_for(key: Key) -> str:
    if isinstance(key, ECKey) and key.curve_name == "P-256":
        return "ES256"
    if isinstance(key, RSAKey):
        return "RS256"
    raise ConfigurationError("signing keys must be EC P-256 (ES256) or RSA (RS256)")


def load_signing_key(path: Path) -> SigningKey:
    key = _import_pem(path)
    if not key.is_private:
        raise ConfigurationError(f"{path} holds a public key; the gateway needs the private key to sign")
    return SigningKey(key, _algorithm_for(key))


def demo_signing_key(path: Path) -> SigningKey:
    """The demo key under the data dir, created (owner-only) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ECKey.generate_key("P-256", private=True).as_pem(private=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        log.info("created a demo signing key at %s", path)
    return load_signing_key(path)


def load_public_key(path: Path) -> Key:
    key = _import_pem(path)
    return JWKRegistry.import_key(key.as_dict(private=False), key.key_type, {"kid": key.thumbprint()})


class KeySource(Protocol):
    async def key_set(self, *, refresh: bool = False) -> KeySet:
        """The keys tokens may be signed with; `refresh` asks for a fresh copy (unknown kid)."""
        ...


@dataclass(frozen=True, slots=True)
class StaticKeys:
    keys: KeySet

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        return self.keys


@dataclass(slots=True)
class JwksKeys:
    """The identity provider's JWKS, fetched on demand and kept for `cache_s`.

    A token with an unknown kid triggers one early refetch (key rotation), at most once a minute
    so that garbage tokens cannot make the gateway hammer the provider.
    """

    url: str
    cache_s: int
    clock: Clock
    extra: Sequence[Key] = ()
    _keys: KeySet | None = None
    _fetched_at: dt.datetime | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        async with self._lock:
            now = self.clock()
            age = None if self._fetched_at is None else (now - self._fetched_at).total_seconds()
            if age is None or age > self.cache_s or (refresh and age > 60):
                fetched = await self._fetch()
                if fetched is not None:
                    self._keys, self._fetched_at = fetched, now
            # Unreachable provider and nothing cached: only the gateway's own key can verify.
            return self._keys if self._keys is not None else KeySet(list(self.extra))

    async def _fetch(self) -> KeySet | None:
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                fetched = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            log.warning("cannot fetch the JWKS from %s (%s)", self.url, type(exc).__name__)
            return None
        return KeySet([*fetched.keys, *self.extra])
