"""GraphQL over HTTP: media types, status codes, CSRF and body-size refusals.

- `application/graphql-response+json` when the client accepts it (request errors: 400 and no
  `data`), else `application/json` (legacy: 200), as the GraphQL-over-HTTP spec asks.
- A POST must be `application/json`. The "simple" types a browser may send cross-site without a
  CORS preflight (text/plain, form-urlencoded, multipart) are refused with 415, so a forged form
  can never run a mutation. GET runs queries only (a mutation is 405, Allow: POST).
- Every refusal is GraphQL-shaped (`errors` with a code, no `data`), in the negotiated media type.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from cross_web import HTTPException
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from hoks_gateway.auth.responses import headers_for
from hoks_gateway.body_limit import declared_over, limited
from hoks_gateway.db import metrics
from hoks_gateway.errors import (
    DatabaseFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    GatewayError,
    IdempotencyKeyInFlight,
    NotFound,
    PlanBusy,
    QueryTimeout,
    RetryLater,
)
from hoks_gateway.graphql.masking import client_error
from hoks_gateway.observability import requests

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
RATE_LIMITED = "RATE_LIMITED"
JSON = "application/json"
ALLOWED_METHODS = ("GET", "POST")
# The codes a client should retry, with the seconds it should wait first.
RETRY_AFTER = {
    error.code: error.retry_after_s
    for error in (
        DatabaseUnavailable,
        DatabaseReadOnly,
        DatabaseFull,
        QueryTimeout,
        PlanBusy,
        IdempotencyKeyInFlight,
    )
}


class HTTPRefusal(GatewayError):
    """Refused by the HTTP layer before any GraphQL work; may carry response headers."""

    def __init__(self, message: str, *, headers: Mapping[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(message, **extensions)
        self.http_headers = dict(headers or {})


class BadRequest(HTTPRefusal):
    code = "BAD_REQUEST"
    status = 400


class MethodNotAllowed(HTTPRefusal):
    code = "METHOD_NOT_ALLOWED"
    status = 405


class RequestTooLarge(HTTPRefusal):
    code = "REQUEST_TOO_LARGE"
    status = 413


class UnsupportedMediaType(HTTPRefusal):
    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415


def _accepted(accept: str) -> dict[str, float]:
    """Media range -> q, from an Accept header."""
    found: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            found[media.lower()] = max(q, found.get(media.lower(), 0.0))
    return found


@functools.lru_cache(maxsize=64)
def prefers_graphql_response(accept: str | None) -> bool:
    """True when the client takes application/graphql-response+json at least as gladly as JSON.
    (Remembered for the few Accept values clients send: parsing one cost more than a small
    view's execution.)"""
    if not accept:
        return False  # the spec's legacy rule: no Accept means application/json
    ranges = _accepted(accept)
    wanted = ranges.get(GRAPHQL_RESPONSE_JSON, 0.0)
    return wanted > 0 and wanted >= ranges.get(JSON, 0.0)


def media_type_for(accept: str | None) -> str:
    return GRAPHQL_RESPONSE_JSON if prefers_graphql_response(accept) else JSON


def media_type(request: Request) -> str:
    return media_type_for(request.headers.get("accept"))


def is_request_error(result: ExecutionResult) -> bool:
    """Refused before execution began (parse, validation, variables, limits): no `data` at all.

    Execution errors always carry a `path`; graphql-core's variable coercion errors and every
    pre-execution error do not.
    """
    errors = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)


def _headers(error: GatewayError) -> dict[str, str]:
    headers = headers_for(error)
    if isinstance(error, HTTPRefusal):
        headers.update(error.http_headers)
    if isinstance(error, RetryLater):
        headers["Retry-After"] = str(error.retry_after_s)
    return headers


def refusal(error: GatewayError, request: Request | None = None) -> JSONResponse:
    requests.errors([error.code])
    body: dict[str, Any] = {"errors": [{"message": error.message, "extensions": error.extensions}]}
    request_metrics = metrics.reported()
    if request_metrics is not None:
        body["extensions"] = {"metrics": request_metrics.as_extension()}
    return JSONResponse(
        body,
        status_code=error.status,
        headers=_headers(error),
        media_type=JSON if request is None else media_type(request),
    )


def _from_http_exception(error: HTTPException) -> GatewayError:
    if error.status_code == 405:
        return MethodNotAllowed(error.reason, headers={"Allow": ", ".join(ALLOWED_METHODS)})
    if error.status_code == 404:
        return NotFound("Nothing here: GraphiQL is off; send GraphQL requests with POST or GET.")
    return BadRequest(error.reason)


async def answer(request: Request, run: Callable[[Request], Awaitable[Response]]) -> Response:
    """Runs the view; whatever it refuses or fails with becomes a GraphQL-shaped answer."""
    try:
        return await run(request)
    except HTTPException as error:
        return refusal(_from_http_exception(error), request)
    except Exception as error:  # masked: a GatewayError passes, anything else is INTERNAL with an id
        return refusal(client_error(error, f"{request.method} {request.url.path}"), request)


class SubResponse(Response):
    """Strawberry's per-request response stub, remembering the request for negotiation."""

    def __init__(self, request: Request | WebSocket) -> None:
        super().__init__()
        self.status_code = None  # type: ignore[assignment]  # strawberry's "not set"
        del self.headers["content-length"]
        self.accept = request.headers.get("accept")
        self.max_response_bytes: int = request.app.state.settings.max_response_bytes


def negotiate(
    response: Response,
    response_data: GraphQLHTTPResponse | Sequence[GraphQLHTTPResponse],
    accept: str | None,
) -> Response:
    """Media type and status of an executed request's response."""
    graphql_response = prefers_graphql_response(accept)
    response.headers["content-type"] = media_type_for(accept)
    if not isinstance(response_data, Mapping):
        return response
    errors = response_data.get("errors") or []
    codes = {e.get("extensions", {}).get("code") for e in errors if isinstance(e, dict)}
    requests.errors(codes)
    if "data" not in response_data and graphql_response:
        # A request error, unless the server failed after execution (e.g. its read audit).
        response.status_code = 500 if "INTERNAL" in codes else 400
    # With graphql-response+json a non-null `data` must be 2xx (the spec); legacy JSON clients
    # get 503 whenever the database failed them, so that their retry logic sees it. No `data` at
    # all (a failed read audit withholds it) is 503 too, not the 400 of a bad request.
    retry_after = [RETRY_AFTER[code] for code in codes if code in RETRY_AFTER]
    if retry_after and (response_data.get("data") is None or not graphql_response):
        response.status_code = 503
        response.headers["Retry-After"] = str(max(retry_after))
    limited = [
        e for e in errors if isinstance(e, dict) and e.get("extensions", {}).get("code") == RATE_LIMITED
    ]
    if limited and response_data.get("data") is None:
        # A batch whose documents did not fit in the rate-limit window: 429, as a request over it.
        response.status_code = 429
        response.headers["Retry-After"] = str(limited[0]["extensions"]["retryAfterSeconds"])
    return response


def check_document_size(request: Request, request_data: GraphQLRequestData) -> None:
    limit: int = request.app.state.settings.max_query_bytes
    if request_data.query is not None and len(request_data.query.encode()) > limit:
        raise RequestTooLarge(f"The GraphQL document is larger than the limit of {limit} bytes.")


def content_type(headers: Headers) -> str:
    """The media type a request's body is sent as, without its parameters."""
    return headers.get("content-type", "").split(";")[0].strip().lower()


def mutation_over_get() -> MethodNotAllowed:
    return MethodNotAllowed("Mutations must be sent with POST.", headers={"Allow": "POST"})


class GraphQLHTTP:
    """The /graphql endpoint's HTTP checks, in front of the strawberry view."""

    def __init__(self, view: ASGIApp, *, max_body_bytes: int) -> None:
        self.view = view
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.view(scope, receive, send)
            return
        request = Request(scope)
        error = self._check(request)
        if error is not None:
            await refusal(error, request)(scope, receive, send)
            return
        try:
            await self.view(scope, limited(receive, self.max_body_bytes, self._too_large), send)
        except RequestTooLarge as too_large:  # pragma: no cover - the view answers it itself
            await refusal(too_large, request)(scope, receive, send)

    def _check(self, request: Request) -> GatewayError | None:
        if request.method not in ALLOWED_METHODS:
            return MethodNotAllowed(
                f"{request.method} is not supported: use POST, or GET for queries.",
                headers={"Allow": ", ".join(ALLOWED_METHODS)},
            )
        if request.method != "POST":
            return None
        media = content_type(request.headers)
        if media != JSON:
            return UnsupportedMediaType(
                f"POST a JSON body with Content-Type: {JSON} (got {media or 'none'}). "
                "Form and plain-text bodies are refused: browsers send them cross-site (CSRF)."
            )
        if declared_over(request.headers, self.max_body_bytes):
            return self._too_large()
        return None

    def _too_large(self) -> RequestTooLarge:
        return RequestTooLarge(f"The request body is larger than the limit of {self.max_body_bytes} bytes.")
