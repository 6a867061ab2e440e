"""Client secrets: generated at random, stored only as Argon2id hashes."""

from __future__ import annotations

import asyncio
import secrets as _random

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# Verified against when the client id is unknown, so that a miss costs as long as a wrong secret
# and response times do not reveal which client ids exist.
_DECOY = _HASHER.hash(_random.token_urlsafe(32))


def new_secret() -> str:
    return _random.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return _HASHER.hash(secret)


def _matches(secret_hash: str, secret: str) -> bool:
    try:
        return _HASHER.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


async def secret_matches(secret_hash: str | None, secret: str) -> bool:
    """Argon2 is deliberately slow: it runs in a thread so the event loop keeps serving."""
    if secret_hash is None:
        await asyncio.to_thread(_matches, _DECOY, secret)
        return False
    return await asyncio.to_thread(_matches, secret_hash, secret)
