"""ASGI middleware: resolves the request's Principal before any route runs."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from hoks_gateway.auth.authenticator import Authenticator
from hoks_gateway.auth.responses import graphql_error_response
from hoks_gateway.errors import AccountLocked, Unauthenticated


class AuthenticationMiddleware:
    """Sets `request.state.principal` (None when anonymous) and `organisation_tree`.

    A presented token that fails verification is answered here with 401 (423 for a locked
    service account): a caller who sent credentials must learn they were refused, not silently
    get the anonymous view.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticator: Authenticator = scope["app"].state.authenticator
        try:
            principal, tree = await authenticator.authenticate(Headers(scope=scope).get("authorization"))
        except (Unauthenticated, AccountLocked) as error:
            await graphql_error_response(error)(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        # The service-account check read the scope's organisation tree too (graphql/view.py).
        state["organisation_tree"] = tree
        await self.app(scope, receive, send)
