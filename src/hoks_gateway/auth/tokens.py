"""Bearer JWTs: issuing the gateway's own, verifying anyone's against the configured keys.

Claims: `iss`, `aud`, `sub` (learner/staff OID or service client id), `iat`, `exp`, `jti`,
`kind` (a PrincipalKind) and, for staff and service accounts, `privileges`
({organisation OID: ["READ", "WRITE", "DELETE"]}).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from hoks_gateway.auth.clock import Clock
from hoks_gateway.auth.keys import KeySource, SigningKey
from hoks_gateway.auth.principal import (
    ORGANISATION_KINDS,
    Principal,
    PrincipalKind,
    parse_privileges,
    privileges_as_json,
)
from hoks_gateway.errors import Unauthenticated
from hoks_gateway.lru import Lru


class InvalidToken(Unauthenticated):
    """A bearer token that was presented and rejected (RFC 6750 `invalid_token`)."""


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    principal: Principal
    issued_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    key: SigningKey
    issuer: str
    audience: str
    clock: Clock

    def issue(self, principal: Principal, ttl_s: int) -> str:
        now = int(self.clock().timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": principal.id,
            "iat": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
            "kind": principal.kind.value,
        }
        if principal.kind in ORGANISATION_KINDS:
            claims["privileges"] = privileges_as_json(principal.privileges)
        header = {"alg": self.key.algorithm, "kid": self.key.kid}
        return jwt.encode(header, claims, self.key.key, algorithms=[self.key.algorithm])


MAX_VERIFIED_TOKENS = 4096
"""Tokens whose verification is remembered (a frontend sends the same token with every request)."""


@dataclass(frozen=True, slots=True)
class _Verified:
    verified: VerifiedToken
    expires: float
    keys: KeySet
    """The key set it was verified with: a rotated or refetched set verifies it again."""


@dataclass(frozen=True, slots=True)
class TokenVerifier:
    keys: KeySource
    issuer: str
    audience: str
    algorithms: Collection[str]
    leeway_s: int
    clock: Clock
    _seen: Lru[str, _Verified] = field(default_factory=lambda: Lru(MAX_VERIFIED_TOKENS))

    async def verify(self, token: str) -> VerifiedToken:
        """The token's principal; a token verified before is not checked again while it lives and
        its keys are the current ones (its signature and claims cannot change)."""
        keys = await self.keys.key_set()
        seen = self._seen.get(token)
        if seen is not None and seen.keys is keys:
            if self.clock().timestamp() <= seen.expires + self.leeway_s:
                return seen.verified
            raise InvalidToken("The token has expired.")
        verified, expires = await self._verify(token)
        self._seen.put(token, _Verified(verified, expires, keys))
        return verified

    async def _verify(self, token: str) -> tuple[VerifiedToken, float]:
        try:
            try:
                decoded = jwt.decode(token, await self.keys.key_set(), algorithms=list(self.algorithms))
            except InvalidKeyIdError:
                decoded = jwt.decode(
                    token, await self.keys.key_set(refresh=True), algorithms=list(self.algorithms)
                )
            self._registry().validate(decoded.claims)
        except ExpiredTokenError:
            raise InvalidToken("The token has expired.") from None
        except (JoseError, ValueError, TypeError):
            # The cause stays server-side: telling a forger which check failed only helps them.
            raise InvalidToken("The token is invalid.") from None
        return _verified(decoded.claims), float(decoded.claims["exp"])

    def _registry(self) -> JWTClaimsRegistry:
        return JWTClaimsRegistry(
            now=lambda: int(self.clock().timestamp()),
            leeway=self.leeway_s,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            sub={"essential": True},
            exp={"essential": True},
            kind={"essential": True, "values": [k.value for k in PrincipalKind]},
        )


def _verified(claims: dict[str, Any]) -> VerifiedToken:
    kind = PrincipalKind(claims["kind"])
    raw = claims.get("privileges") or {}
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise InvalidToken("The token is invalid.")
    try:
        privileges = parse_privileges(raw) if kind in ORGANISATION_KINDS else {}
    except ValueError:
        raise InvalidToken("The token is invalid.") from None
    iat = claims.get("iat")
    issued_at = dt.datetime.fromtimestamp(iat, dt.UTC) if isinstance(iat, int | float) else None
    return VerifiedToken(Principal(kind, str(claims["sub"]), privileges), issued_at)
