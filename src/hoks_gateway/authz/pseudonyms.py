"""Stable learner pseudonyms for analysts: an HMAC of the OID under a server-side secret.

The same OID always maps to the same pseudonym (so analysts can count and join), and without
the secret a pseudonym cannot be mapped back or recomputed from a guessed OID.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

PREFIX = "pseudonym:"


@dataclass(frozen=True, slots=True)
class Pseudonymiser:
    secret: bytes

    def learner_oid(self, oid: str) -> str:
        digest = hmac.new(self.secret, oid.encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:32]


def pseudonymiser_for(secret: bytes | None) -> Pseudonymiser | None:
    """Analysts' pseudonyms under the server secret (authz/secret.py); None without one."""
    return None if secret is None else Pseudonymiser(secret)
