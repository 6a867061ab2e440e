"""Rate limits: GraphQL requests per principal, token requests per address."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from hoks_gateway.auth.principal import Principal
from hoks_gateway.client_address import client_address
from hoks_gateway.db.faults import cannot_write
from hoks_gateway.graphql.http import RATE_LIMITED, HTTPRefusal, refusal
from hoks_gateway.observability import prometheus
from hoks_gateway.ratelimit.limiter import RateLimiter, Verdict
from hoks_gateway.settings import Settings


class RateLimited(HTTPRefusal):
    code = RATE_LIMITED
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
    return f"address:{client_address(scope)}", "requests from this address"


async def rate_limited(scope: Scope, settings: Settings) -> Response | None:
    """The refusal of a request over its window's limit, else None (and the request counted).

    Runs after authentication: a signed-in caller is counted by who they are (wherever they
    connect from), an anonymous one by client address."""
    rule = _rule(scope, settings)
    if rule is None:
        return None
    name, bucket, what, limit = rule
    limiter: RateLimiter = scope["app"].state.rate_limiter
    try:
        verdict = await limiter.hit(bucket, limit)
    except Exception as error:
        if not cannot_write(error):
            raise
        # A read-only or full database cannot count: what it can still do (reads of public
        # data) is served uncounted, rather than nothing (docs/operations.md).
        return None
    if verdict.allowed:
        return None
    prometheus.RATE_LIMIT_REFUSALS.labels(name).inc()
    return refusal(RateLimited(verdict, what), Request(scope))


async def count_documents(scope: Scope, settings: Settings, documents: int) -> None:
    """A batch counts as many requests as it has documents: the ones beyond the request itself
    (counted by `rate_limited`) are counted here, in the caller's bucket, and a batch that does not
    fit in the window is refused as a whole (RATE_LIMITED, nothing done)."""
    rule = _rule(scope, settings)
    if rule is None or documents <= 1:
        return
    name, bucket, _, limit = rule
    limiter: RateLimiter = scope["app"].state.rate_limiter
    try:
        verdict = await limiter.hit(bucket, limit, documents - 1)
    except Exception as error:
        if not cannot_write(error):
            raise
        return  # uncounted, as a request is when the database takes no writes
    if not verdict.allowed:
        prometheus.RATE_LIMIT_REFUSALS.labels(name).inc()
        raise RateLimited(verdict, f"documents ({documents} in this batch; each counts as a request)")


def _rule(scope: Scope, settings: Settings) -> tuple[str, str, str, int] | None:
    """(the limit's name, bucket, what is counted, limit) of a request, or None."""
    path = scope.get("path", "")
    if path == "/graphql" and settings.rate_limit_requests > 0:
        return ("graphql", *_bucket(scope), settings.rate_limit_requests)
    if path == "/auth/token" and settings.rate_limit_token_requests > 0:
        what = "token requests from this address"
        return "token", f"token:{client_address(scope)}", what, settings.rate_limit_token_requests
    return None
