"""Stable learner pseudonyms for analysts: an HMAC of the OID under a server-side secret.

The same OID always maps to the same pseudonym (so analysts can count and join), and without
the secret a pseudonym cannot be mapped back or recomputed from a guessed OID.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from hoks_gateway.settings import Settings

PREFIX = "pseudonym:"


@dataclass(frozen=True, slots=True)
class Pseudonymiser:
    secret: bytes

    def learner_oid(self, oid: str) -> str:
        digest = hmac.new(self.secret, oid.encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:32]


def _demo_secret(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


def pseudonymiser_for(settings: Settings) -> Pseudonymiser | None:
    """From HOKS_PSEUDONYM_SECRET; in demo mode a secret kept under the data dir; else None."""
    if settings.pseudonym_secret is not None:
        return Pseudonymiser(settings.pseudonym_secret.get_secret_value().encode())
    if settings.demo:
        return Pseudonymiser(_demo_secret(settings.demo_pseudonym_secret_path))
    return None
