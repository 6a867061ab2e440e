"""Resolving the request's Principal before any route runs."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

from hoks_gateway.auth.authenticator import Authenticator
from hoks_gateway.auth.responses import graphql_error_response
from hoks_gateway.errors import Unauthenticated


async def authenticate(scope: Scope) -> Response | None:
    """Sets `state.principal` (None when anonymous) and `state.organisation_tree`; answers the
    request itself (None otherwise) when a presented token is refused.

    A presented token that fails verification is answered with 401: a caller who sent credentials
    must learn they were refused, not silently get the anonymous view.
    """
    authenticator: Authenticator = scope["app"].state.authenticator
    try:
        principal, tree = await authenticator.authenticate(Headers(scope=scope).get("authorization"))
    except Unauthenticated as error:
        return graphql_error_response(error)
    state = scope.setdefault("state", {})
    state["principal"] = principal
    # The service-account check read the scope's organisation tree too (graphql/view.py).
    state["organisation_tree"] = tree
    return None
