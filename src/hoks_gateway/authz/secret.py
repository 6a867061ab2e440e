"""The server secret, and the keys derived from it, one per purpose (HKDF-SHA256, RFC 5869).

The secret is HOKS_PSEUDONYM_SECRET; in demo mode without one, a random secret kept under the
data dir, so that a demo's pseudonyms and cursors survive a restart. Every purpose (analysts'
pseudonyms, list cursors) gets a key of its own from it, named by its HKDF `info`: a key of one
purpose says nothing about another's, and a new purpose needs no new setting.

Without a secret (not demo, HOKS_PSEUDONYM_SECRET unset) there is none to derive from: analysts
are refused, and cursors are sealed with a key made at start-up for this process only
(graphql/cursors.py).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hoks_gateway.settings import Settings


def _demo_secret(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


def server_secret(settings: Settings) -> bytes | None:
    """HOKS_PSEUDONYM_SECRET; in demo mode a secret kept under the data dir; else None."""
    if settings.pseudonym_secret is not None:
        return settings.pseudonym_secret.get_secret_value().encode()
    if settings.demo:
        return _demo_secret(settings.demo_pseudonym_secret_path)
    return None


def derive(secret: bytes, purpose: str, length: int = 32) -> bytes:
    """The key of `purpose` (e.g. "cursors"): the same for the same secret, in every process."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=f"hoks-gateway/{purpose}".encode()
    ).derive(secret)
