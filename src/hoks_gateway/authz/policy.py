"""Write-side checks: may this caller act on a study right of that organisation?"""

from __future__ import annotations

from hoks_gateway.auth.principal import PrincipalKind, Privilege
from hoks_gateway.authz.scope import Scope
from hoks_gateway.errors import Forbidden, NoAccessToStudyRight, Unauthenticated


def require_privilege(scope: Scope, organisation_oid: str, privilege: Privilege) -> None:
    """Pass, or raise the error eHOKS gives that kind of caller (§3: 401 to services, 403 to staff).

    The caller must already be able to see the object (its scope decides "not found" first);
    this decides whether seeing it is enough for `privilege`.
    """
    kind = scope.kind
    if kind is None:
        raise Unauthenticated("Sign in: this operation needs a bearer token.")
    if kind is PrincipalKind.ADMIN or organisation_oid in scope.reachable(privilege):
        return
    if kind is PrincipalKind.SERVICE:
        raise NoAccessToStudyRight(
            f"The service account has no {privilege.value} privilege on the study right's organisation."
        )
    raise Forbidden(f"{privilege.value} privilege on the organisation is required.")
