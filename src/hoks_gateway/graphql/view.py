"""The GraphQL HTTP endpoint: strawberry's ASGI view with our context and error masking."""

from __future__ import annotations

import re
import secrets
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from hoks_gateway.auth.principal import Principal
from hoks_gateway.auth.responses import challenge
from hoks_gateway.authz.scope import resolve_scope
from hoks_gateway.db import metrics
from hoks_gateway.db.sessions import Database
from hoks_gateway.errors import Unauthenticated
from hoks_gateway.graphiql import page as graphiql_page
from hoks_gateway.graphql import http, response_limit
from hoks_gateway.graphql.context import Context
from hoks_gateway.graphql.document_cache import cached_refusal
from hoks_gateway.graphql.masking import format_errors
from hoks_gateway.graphql.trusted_documents import TrustedDocuments
from hoks_gateway.settings import Settings


class GraphQLView(GraphQL[Context, None]):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        response = await http.answer(Request(scope, receive=receive), self.run)
        await response(scope, receive, send)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page, every asset served by the gateway: strawberry's loads them from a CDN.
        return graphiql_page.response()

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return await context_for(request)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        decoded = orjson.loads(data)
        # strawberry reads the body's fields without asking whether it is an object; a batch (a
        # list) it refuses itself.
        if not isinstance(decoded, dict | list):
            got = _JSON_KINDS.get(type(decoded), "a value")
            raise HTTPException(400, f'Send a JSON object, {{"query": "…", "variables": {{…}}}}; got {got}.')
        return decoded

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        assert isinstance(sub_response, http.SubResponse)  # get_sub_response makes it
        # Nothing of ours sets the sub-response's status or headers: the answer is made of the
        # data and the request's Accept alone, as direct.py makes it.
        return graphql_response(response_data, sub_response.accept, sub_response.max_response_bytes)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET that names a trusted document by hash is a query, not a browser wanting GraphiQL.
        named = "documentId" in request.query_params or "extensions" in request.query_params
        return not named and super().should_render_graphql_ide(request)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        return http.SubResponse(request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        http.check_document_size(request, request_data)
        state = request.app.state
        trusted: TrustedDocuments = state.trusted_documents
        request_data = await trusted.resolve(
            request, request_data, context.authz.kind, required=state.settings.trusted_documents == "require"
        )
        refused = cached_refusal(state, request_data.query, request_data.variables)
        if refused is not None:
            return ExecutionResult(data=None, errors=refused)
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            if request_adapter.method == "GET" and isinstance(error.__cause__, InvalidOperationTypeError):
                raise http.mutation_over_get() from error
            raise

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        return response_data(result, request.app.state.settings)


async def context_for(request: Request | WebSocket) -> Context:
    """The request's GraphQL context: its principal's scope, a fresh audit trail and loaders."""
    state = request.app.state
    db: Database = state.db
    principal: Principal | None = getattr(request.state, "principal", None)
    return Context(
        db=db,
        request=request if isinstance(request, Request) else None,
        authz=await resolve_scope(
            db, principal, state.pseudonymiser, tree=getattr(request.state, "organisation_tree", None)
        ),
        clock=state.clock,
        request_id=request_id(request),
        compiled_execution=state.settings.compiled_execution,
        view_reads=state.settings.view_reads,
        cursor_seal=state.cursor_seal,
        organisations=state.organisations,
        # An HTTP answer is written by orjson (graphql_response); a WebSocket's by strawberry.
        shared_answers=state.shared_answers if isinstance(request, Request) else None,
    )


def response_data(result: ExecutionResult, settings: Settings) -> GraphQLHTTPResponse:
    """An executed (or refused) request's answer, its errors masked."""
    # A request refused before execution has no `data` entry at all (GraphQL over HTTP).
    data: dict[str, Any] = {} if http.is_request_error(result) else {"data": result.data}
    if result.errors:
        data["errors"] = format_errors(result.errors, suggestions=settings.field_suggestions_enabled)
    extensions = dict(result.extensions or {})
    request_metrics = metrics.reported()
    if request_metrics is not None:
        extensions["metrics"] = request_metrics.as_extension()
    if extensions:
        data["extensions"] = extensions
    return data  # type: ignore[return-value]


def graphql_response(
    data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], accept: str | None, max_response_bytes: int
) -> Response:
    """The HTTP answer of `data`: media type and status negotiated, refused when too large."""
    # orjson serialises a 50-row student list (~45 KB) several times faster than json.dumps.
    response = Response(orjson.dumps(data), media_type=http.JSON)
    http.negotiate(response, data, accept)
    if _needs_credentials(data):
        # Personal data asked for without a token: HTTP says so too (RFC 6750 §3).
        response.status_code = Unauthenticated.status
        response.headers["WWW-Authenticate"] = challenge()
    return response_limit.capped(response, accept, max_response_bytes)


_JSON_KINDS = {str: "a string", int: "a number", float: "a number", bool: "a boolean", type(None): "null"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id(request: Request | WebSocket) -> str:
    """The caller's X-Request-Id when it is a sane token (so logs correlate), else a fresh one;
    the one the pipeline already chose when it did (pipeline.py)."""
    chosen: str | None = request.scope.get("state", {}).get("request_id")
    if chosen is not None:
        return chosen
    given = request.headers.get("x-request-id", "")
    # 128 random bits as 32 hex digits, as uuid4().hex was, without making a UUID of them.
    return given if _REQUEST_ID.match(given) else secrets.token_hex(16)


def _needs_credentials(response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> bool:
    results = response_data if isinstance(response_data, list) else [response_data]
    for result in results:
        for error in result.get("errors") or []:
            extensions = error.get("extensions") if isinstance(error, dict) else None
            if isinstance(extensions, dict) and extensions.get("code") == Unauthenticated.code:
                return True
    return False
