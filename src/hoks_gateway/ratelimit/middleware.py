"""ASGI middleware: counts GraphQL requests per principal and token requests per address.

It sits inside the authentication middleware, so the principal is known: a signed-in caller is
counted by who they are (wherever they connect from), an anonymous one by client address.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from hoks_gateway.auth.principal import Principal
from hoks_gateway.graphql.http import HTTPRefusal, refusal
from hoks_gateway.ratelimit.limiter import RateLimiter, Verdict
from hoks_gateway.settings import Settings


class RateLimited(HTTPRefusal):
    code = "RATE_LIMITED"
    status = 429

    def __init__(self, verdict: Verdict, what: str) -> None:
        super().__init__(
            f"Too many {what}: the limit is {verdict.limit} per window; retry after "
            f"{verdict.retry_after_s} s.",
            headers={"Retry-After": str(verdict.retry_after_s)},
            retryAfterSeconds=verdict.retry_after_s,
        )


def _bucket(scope: Scope) -> tuple[str, str]:
    """(bucket, what is counted) for a request."""
    principal: Principal | None = scope.get("state", {}).get("principal")
    if principal is not None:
        return f"principal:{principal.kind.value}:{principal.id}", "requests from this principal"
    return f"address:{_address(scope)}", "requests from this address"


def _address(scope: Scope) -> str:
    client: Any = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self._rule(scope)
        if rule is not None:
            bucket, what, limit = rule
            limiter: RateLimiter = scope["app"].state.rate_limiter
            verdict = await limiter.hit(bucket, limit)
            if not verdict.allowed:
                await refusal(RateLimited(verdict, what), Request(scope))(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _rule(self, scope: Scope) -> tuple[str, str, int] | None:
        path = scope.get("path", "")
        if path == "/graphql" and self.settings.rate_limit_requests > 0:
            return (*_bucket(scope), self.settings.rate_limit_requests)
        if path == "/auth/token" and self.settings.rate_limit_token_requests > 0:
            what = "token requests from this address"
            return f"token:{_address(scope)}", what, self.settings.rate_limit_token_requests
        return None
