"""POST /auth/token: OAuth2 client credentials (RFC 6749 §4.4) for service accounts."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse

from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.auth.responses import headers_for
from hoks_gateway.auth.service_accounts import SignIns
from hoks_gateway.auth.tokens import TokenIssuer
from hoks_gateway.body_limit import read_body
from hoks_gateway.client_address import client_address
from hoks_gateway.errors import GatewayError, SignInThrottled, Unauthenticated
from hoks_gateway.observability import requests

_MAX_BODY = 4096
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class _OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def _oauth_error(
    error: str, description: str, status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={**_NO_STORE, **(headers or {})},
    )


def _oauth_code(error: GatewayError) -> str:
    if isinstance(error, Unauthenticated):
        return "invalid_client"
    if isinstance(error, SignInThrottled):
        # The OAuth registry's code for "retry more slowly" (RFC 8628 §3.5), with Retry-After.
        return "slow_down"
    return error.code.lower()


def _gateway_error(error: GatewayError) -> JSONResponse:
    requests.errors([error.code])
    oauth = _oauth_code(error)
    response = _oauth_error(oauth, error.message, error.status, headers_for(error))
    if isinstance(error, Unauthenticated):
        # RFC 6749 §5.2: a failed client authentication names the scheme the client may use.
        response.headers["WWW-Authenticate"] = 'Basic realm="hoks-gateway"'
    return response


def _too_large() -> _OAuthError:
    return _OAuthError(
        "invalid_request", f"The request body is larger than the limit of {_MAX_BODY} bytes.", 413
    )


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise _OAuthError("invalid_request", "Malformed Basic credentials.") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _OAuthError("invalid_request", "Malformed Basic credentials.")
    # RFC 6749 §2.3.1: both halves are form-urlencoded before Basic encoding.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


async def _credentials(request: Request) -> tuple[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise _OAuthError("invalid_request", "Send application/x-www-form-urlencoded parameters.")
    body = await read_body(request, _MAX_BODY, _too_large)
    form = dict(parse_qsl(body.decode("utf-8", errors="replace")))
    if form.get("grant_type") != "client_credentials":
        raise _OAuthError("unsupported_grant_type", "Only grant_type=client_credentials is supported.")
    basic = _basic_credentials(request.headers.get("authorization"))
    in_body = form.get("client_id"), form.get("client_secret")
    if basic is not None:
        if in_body[1] is not None:
            raise _OAuthError("invalid_request", "Authenticate with Basic or with the body, not both.")
        return basic
    client_id, secret = in_body
    if not client_id or secret is None:
        raise _OAuthError("invalid_client", "client_id and client_secret are required.", 401)
    return client_id, secret


async def token_endpoint(request: Request) -> JSONResponse:
    issuer: TokenIssuer | None = request.app.state.token_issuer
    if issuer is None:
        return _oauth_error(
            "temporarily_unavailable",
            "This gateway issues no tokens: configure HOKS_TOKEN_SIGNING_KEY_PATH.",
            503,
        )
    try:
        client_id, secret = await _credentials(request)
    except _OAuthError as error:
        return _oauth_error(error.error, error.description, error.status)
    sign_ins: SignIns = request.app.state.sign_ins
    ttl = request.app.state.settings.token_ttl_s
    try:
        account = await sign_ins.authenticate(client_id, secret, client_address(request.scope))
    except (Unauthenticated, SignInThrottled) as error:
        return _gateway_error(error)
    token = issuer.issue(Principal(PrincipalKind.SERVICE, account.client_id, account.privileges), ttl)
    return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": ttl}, headers=_NO_STORE)
