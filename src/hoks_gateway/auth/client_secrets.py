"""Client secrets: generated at random, stored only as Argon2id hashes, checked off the event loop.

Argon2 is deliberately slow and memory-hard (64 MiB and four lanes a check with the library's
defaults): run on the event loop, or many at once, it stalls every other request of the worker.
A SecretChecker runs at most `concurrency` checks at a time, each in a thread of its own pool
whose CPU priority is lowered, so that GraphQL requests keep the cores when sign-ins pile up
(bench/token_storm.py, docs/operations.md "Sign-in back-off").
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets as _random
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hoks_gateway.observability import prometheus

_HASHER = PasswordHasher()
# Verified against when the client id is unknown, so that a miss costs as long as a wrong secret
# and response times do not reveal which client ids exist.
_DECOY = _HASHER.hash(_random.token_urlsafe(32))
# Added to the hashing threads' nice value (Linux: per thread, inherited by the lanes' threads).
_NICER = 10


def new_secret() -> str:
    return _random.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return _HASHER.hash(secret)


def _matches(secret_hash: str, secret: str) -> bool:
    try:
        return _HASHER.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def _lower_priority() -> None:
    """Runs in each hashing thread as it starts: the scheduler prefers the event loop's thread."""
    thread = threading.get_native_id()
    # Not Linux, or not allowed: the checks still run, at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + _NICER))


class SecretChecker:
    """Checks secrets against hashes, at most `concurrency` at once per process."""

    def __init__(self, concurrency: int = 1) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._threads = ThreadPoolExecutor(
            concurrency, thread_name_prefix="argon2", initializer=_lower_priority
        )

    async def matches(self, secret_hash: str | None, secret: str) -> bool:
        """Whether `secret` is the one hashed; None (an unknown client) costs the same and fails."""
        async with self._slots:
            prometheus.SECRET_CHECKS.inc()
            loop = asyncio.get_running_loop()
            matched = await loop.run_in_executor(self._threads, _matches, secret_hash or _DECOY, secret)
        return matched and secret_hash is not None

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
