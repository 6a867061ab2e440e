"""The GraphQL HTTP endpoint: strawberry's ASGI view with our context and error masking."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from hoks_gateway.db import metrics
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.context import Context
from hoks_gateway.graphql.masking import format_errors


class GraphQLView(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        db: Database = request.app.state.db
        return Context(db=db, request=request if isinstance(request, Request) else None)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        data: dict[str, Any] = {"data": result.data}
        if result.errors:
            data["errors"] = format_errors(result.errors)
        extensions = dict(result.extensions or {})
        request_metrics = metrics.current.get()
        if request_metrics is not None:
            extensions["metrics"] = request_metrics.as_extension()
        if extensions:
            data["extensions"] = extensions
        return data  # type: ignore[return-value]
