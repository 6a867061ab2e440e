"""Bearer token -> Principal, once per request (the gateway's auth backend)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.auth.tokens import InvalidToken, TokenVerifier
from hoks_gateway.authz.scope import OrganisationTree


@dataclass(frozen=True, slots=True)
class Authenticator:
    verifier: TokenVerifier
    accounts: ServiceAccounts

    async def principal(self, authorization: str | None) -> Principal | None:
        """None for a caller without a bearer token; InvalidToken (401)."""
        principal, _ = await self.authenticate(authorization)
        return principal

    async def authenticate(
        self, authorization: str | None
    ) -> tuple[Principal | None, OrganisationTree | None]:
        """principal(), and for a service account the organisation tree its scope is made of,
        read by the same statement as the account check (None: resolve_scope reads it)."""
        if not authorization:
            return None, None
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer":
            # Basic credentials belong to POST /auth/token; elsewhere they identify nobody.
            return None, None
        token = credentials.strip()
        if not token:
            raise InvalidToken("The bearer token is empty.")
        verified = await self.verifier.verify(token)
        principal = verified.principal
        if principal.kind is not PrincipalKind.SERVICE:
            return principal, None
        # A service account is checked on every request: removed accounts stop at once,
        # and privileges withdrawn since the token was issued are no longer honoured. The tree is
        # read for the token's organisations, a superset of the intersection's.
        current, tree = await self.accounts.check_token_reaching(
            principal.id, verified.issued_at, list(principal.privileges)
        )
        checked = Principal(principal.kind, principal.id, _intersection(principal.privileges, current))
        return checked, tree


def _intersection(
    a: Mapping[str, frozenset[Privilege]], b: Mapping[str, frozenset[Privilege]]
) -> dict[str, frozenset[Privilege]]:
    both = {oid: a[oid] & b[oid] for oid in a.keys() & b.keys()}
    return {oid: held for oid, held in both.items() if held}
