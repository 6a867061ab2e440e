"""POST /graphql straight to graphql-core, when nothing is left to check but the request itself.

Strawberry's view and its extension runner cost about as much as executing a small query
(bench/README.md, "Where the gateway's CPU goes"): for every request the view makes a request
adapter and a sub-response and reads the Content-Type with `email.message`, and the schema makes
five extension objects, a context manager around each of parse, validate and execute, and a
middleware manager. The usual request needs none of it: a JSON object whose document the caches
already hold parsed, within the limits for these variables' values and valid
(graphql/document_cache.py). `DirectPost` answers such a request itself, with the same pieces:
the input checks (graphql/input_checks.py), the request's context (`context_for`), graphql-core's
execute with the schema's executor, the read audit (`record_request_reads`), the answer, its
media type, status and size cap (`response_data`, `graphql_response`) and the masking of
whatever fails (`http.answer`).

Everything else goes to the route as it came, body included, and is answered as before: another
media type, a body over the limit or that is no JSON object of the expected fields, a batch,
a trusted document named by hash or HOKS_TRUSTED_DOCUMENTS=require, a text seen for the first
time, refused or over HOKS_MAX_QUERY_BYTES, a request the input checks refuse, an operation name
that names no operation, a subscription. (GET, GraphiQL and other paths never come here.)
tests/hardening/test_direct_post.py holds both ways equal, answer for answer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeGuard

import orjson
from graphql import DocumentNode, GraphQLError
from graphql import ExecutionResult as GraphQLResult
from graphql.execution import execute
from starlette.datastructures import Headers, State
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_first_operation, get_operation_type

from hoks_gateway.audit.extension import record_request_reads
from hoks_gateway.auth.principal import Principal
from hoks_gateway.body_limit import declared_over
from hoks_gateway.graphql import http
from hoks_gateway.graphql.document_cache import caches_of
from hoks_gateway.graphql.input_checks import body_may_hold_nul, problems
from hoks_gateway.graphql.limits import validation_rules
from hoks_gateway.graphql.schema import schema
from hoks_gateway.graphql.trusted_documents import EXEMPT
from hoks_gateway.graphql.view import context_for, graphql_response, response_data
from hoks_gateway.settings import Settings

PATH = "/graphql"
_RUNS_HERE = (OperationType.QUERY, OperationType.MUTATION)


@dataclass(frozen=True, slots=True)
class _Ready:
    """A request nothing is left to check of."""

    document: DocumentNode
    variables: dict[str, Any] | None
    operation_name: str | None
    """As strawberry names it (`_operation_name`)."""
    request_extensions: dict[str, Any] | None


class DirectPost:
    def __init__(self, route: ASGIApp, settings: Settings) -> None:
        self.route = route
        self.settings = settings

    @staticmethod
    def applies(scope: Scope) -> bool:
        return bool(scope["path"] == PATH and scope["method"] == "POST")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        settings = self.settings
        if http.content_type(headers) != http.JSON or declared_over(headers, settings.max_body_bytes):
            await self.route(scope, receive, send)
            return
        body, receive = await _read(receive, settings.max_body_bytes)
        state: State = scope["app"].state
        ready = None if body is None else self._ready(body, state, scope.get("state", {}).get("principal"))
        if ready is None:
            await self.route(scope, receive, send)
            return
        request = Request(scope, receive)

        async def run(request: Request) -> Response:
            return await self._answer(request, ready, headers.get("accept"))

        response = await http.answer(request, run)
        await response(scope, receive, send)

    def _ready(self, body: bytes, state: State, principal: Principal | None) -> _Ready | None:
        """What the route would run, when the caches know all of it to be runnable; else None."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict) or "documentId" in data:
            return None
        query, variables = data.get("query"), data.get("variables")
        operation_name, extensions = data.get("operationName"), data.get("extensions")
        if not (
            isinstance(query, str)
            and isinstance(variables, dict | None)
            and isinstance(operation_name, str | None)
            and isinstance(extensions, dict | None)
        ):
            return None
        if extensions and "persistedQuery" in extensions:
            return None
        settings = self.settings
        if settings.trusted_documents == "require" and (principal is None or principal.kind not in EXEMPT):
            return None
        caches = caches_of(state)
        if caches is None or len(query.encode()) > settings.max_query_bytes:
            return None
        limits = state.limits
        given = variables or {}
        document = caches.ready(query, limits, given, validation_rules(limits))
        if document is None or problems(
            document, query, given, operation_name, variables_may_hold_nul=body_may_hold_nul(body)
        ):
            return None
        try:
            kind = get_operation_type(document, operation_name)
        except RuntimeError:
            return None
        if kind not in _RUNS_HERE:
            return None
        return _Ready(document, variables, _operation_name(document, operation_name), extensions)

    async def _answer(self, request: Request, ready: _Ready, accept: str | None) -> Response:
        context = await context_for(request)
        # As strawberry's schema runs it: whatever escapes execution or the read audit is the
        # request's one error, its data withheld.
        try:
            executed = execute(
                schema._schema,
                ready.document,
                context_value=context,
                variable_values=ready.variables,
                operation_name=ready.operation_name,
                executor_class=schema.execution_context_class,
                is_awaitable=_is_awaitable,
                operation_extensions=ready.request_extensions,
            )
            if not isinstance(executed, GraphQLResult):
                executed = await executed
            await record_request_reads(context, ready.operation_name)
            result = ExecutionResult(data=executed.data, errors=executed.errors)
        except Exception as error:
            result = ExecutionResult(data=None, errors=[_graphql_error(error)])
        settings = self.settings
        return graphql_response(response_data(result, settings), accept, settings.max_response_bytes)


def _is_awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    # strawberry's: quicker than graphql-core's for the many plain values of a response.
    return optimized_is_awaitable(value)


def _graphql_error(error: Exception) -> GraphQLError:
    return error if isinstance(error, GraphQLError) else GraphQLError(str(error), original_error=error)


def _operation_name(document: DocumentNode, given: str | None) -> str | None:
    """The operation's name as strawberry's execution context gives it to graphql-core and the
    audit: the one the client sent, else the first operation's own (so a document of several
    operations runs its first when none is named)."""
    if given is not None:
        return given
    first = get_first_operation(document)
    return None if first is None or first.name is None else first.name.value


async def _read(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The whole body when it is at most `limit` bytes, else None; and a `receive` that gives the
    route every message read here again before the rest."""
    read: list[Message] = []
    size = 0
    body: bytes | None = None
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > limit:
            break
        if not message.get("more_body", False):
            body = message.get("body", b"") if len(read) == 1 else b"".join(m.get("body", b"") for m in read)
            break
    return body, _replaying(read, receive)


def _replaying(read: list[Message], receive: Receive) -> Receive:
    pending = deque(read)

    async def replay() -> Message:
        return pending.popleft() if pending else await receive()

    return replay
