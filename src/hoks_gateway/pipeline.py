"""The one ASGI layer in front of the routes: error masking, authentication, rate limits and, when
asked for, per-request SQL metrics.

One layer instead of a middleware per concern: each nested middleware wrapped `send` and cost a
call frame per message, and a request passed through all of them in a fixed order anyway.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoks_gateway.auth.middleware import authenticate
from hoks_gateway.db import metrics
from hoks_gateway.graphql.http import refusal
from hoks_gateway.graphql.masking import client_error
from hoks_gateway.ratelimit.middleware import rate_limited
from hoks_gateway.settings import Settings


class GatewayLayer:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counting = metrics.current.set(metrics.RequestMetrics()) if self.settings.debug_metrics else None
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            refused = await authenticate(scope) or await rate_limited(scope, self.settings)
            if refused is not None:
                await refused(scope, receive, tracking)
            else:
                await self.app(scope, receive, tracking)
        except Exception as error:
            # Whatever escapes a route is answered GraphQL-shaped and masked (a database outage in
            # the service-account check is 503, not Starlette's plain 500).
            if started:
                raise
            request = Request(scope)
            await refusal(client_error(error, f"{request.method} {request.url.path}"), request)(
                scope, receive, send
            )
        finally:
            if counting is not None:
                metrics.current.reset(counting)
