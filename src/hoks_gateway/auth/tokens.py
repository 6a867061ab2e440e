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
    max_lifetime_s: int
    """The longest `exp - iat` of a token the gateway did not sign itself."""
    own_kid: str | None = None
    """The kid of the gateway's own signing key, if it has one."""
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
            keys = await self.keys.key_set()
            try:
                decoded = jwt.decode(token, keys, algorithms=list(self.algorithms))
            except InvalidKeyIdError:
                keys = await self.keys.key_set(refresh=True)
                decoded = jwt.decode(token, keys, algorithms=list(self.algorithms))
            self._registry().validate(decoded.claims)
            verified = _verified(decoded.claims)
        except ExpiredTokenError:
            raise InvalidToken("The token has expired.") from None
        except (JoseError, ValueError, TypeError, OverflowError, OSError):
            # The cause stays server-side: telling a forger which check failed only helps them.
            raise InvalidToken("The token is invalid.") from None
        if not self._own(keys, decoded.header):
            # Signed, so its issuer may learn why: the lifetime is the identity provider's setting.
            _check_lifetime(decoded.claims, self.max_lifetime_s)
        return verified, float(decoded.claims["exp"])

    def _own(self, keys: KeySet, header: dict[str, Any]) -> bool:
        """Signed with the gateway's own key (service-account and `hoks-gateway token` tokens)?
        The key is found as joserfc found it to verify the signature: by kid."""
        if self.own_kid is None:
            return False
        return keys.get_by_kid(header.get("kid"), {"alg": header["alg"]}).kid == self.own_kid

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


def _check_lifetime(claims: dict[str, Any], max_lifetime_s: int) -> None:
    """An identity provider's token must say when it was issued and live at most max_lifetime_s
    (HOKS_MAX_TOKEN_LIFETIME_S): a leaked long-lived token would otherwise stay good for ever."""
    issued, expires = claims.get("iat"), claims["exp"]
    if issued is None:
        raise InvalidToken("The token does not say when it was issued (iat); it is required.")
    lifetime = expires - issued
    if lifetime > max_lifetime_s:
        raise InvalidToken(
            f"The token lives {lifetime:.0f} s (exp - iat); this gateway accepts at most {max_lifetime_s} s."
        )


def _verified(claims: dict[str, Any]) -> VerifiedToken:
    kind, subject, raw = claims["kind"], claims["sub"], claims.get("privileges") or {}
    # The claims registry lets a list of allowed kinds through, and any string as `sub`; a NUL in
    # a text would only be refused by the database, by the audit insert after the request ran.
    well_formed = isinstance(raw, dict) and all(_text(oid) and isinstance(v, list) for oid, v in raw.items())
    if not isinstance(kind, str) or not _text(subject) or not well_formed:
        raise InvalidToken("The token is invalid.")
    principal_kind = PrincipalKind(kind)
    # An unknown privilege is a ValueError, answered as an invalid token by the caller.
    privileges = parse_privileges(raw) if principal_kind in ORGANISATION_KINDS else {}
    iat = claims.get("iat")
    issued_at = dt.datetime.fromtimestamp(iat, dt.UTC) if isinstance(iat, int | float) else None
    return VerifiedToken(Principal(principal_kind, subject, privileges), issued_at)


def _text(value: object) -> bool:
    return isinstance(value, str) and "\x00" not in value
