"""HTTP answers for authentication failures: GraphQL-shaped bodies, RFC 6750 / 9110 headers."""

from __future__ import annotations

from starlette.responses import JSONResponse

from hoks_gateway.auth.tokens import InvalidToken
from hoks_gateway.errors import GatewayError, SignInThrottled, Unauthenticated
from hoks_gateway.observability import requests

REALM = "hoks-gateway"


def challenge(error: Unauthenticated | None = None) -> str:
    """The WWW-Authenticate value: which scheme to use and, for a rejected token, why."""
    if isinstance(error, InvalidToken):
        return f'Bearer realm="{REALM}", error="invalid_token", error_description="{error.message}"'
    return f'Bearer realm="{REALM}"'


def headers_for(error: GatewayError) -> dict[str, str]:
    if isinstance(error, SignInThrottled):
        return {"Retry-After": str(error.retry_after_s)}
    if isinstance(error, Unauthenticated):
        return {"WWW-Authenticate": challenge(error)}
    return {}


def graphql_error_response(error: GatewayError) -> JSONResponse:
    """A request refused before execution: `errors` only, no `data` (GraphQL over HTTP)."""
    requests.errors([error.code])
    body = {"errors": [{"message": error.message, "extensions": error.extensions}]}
    return JSONResponse(body, status_code=error.status, headers=headers_for(error))
