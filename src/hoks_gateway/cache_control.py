"""`Cache-Control: no-store` on every answer that may carry personal data or a token.

GraphQL answers hold personal data and token answers hold bearer tokens: no browser, proxy or
CDN may keep a copy (RFC 9111 §5.2.2.5). Set once, where every response of those paths passes
(pipeline.py), so that refusals made before the route (authentication, rate limits) carry it too.
"""

from __future__ import annotations

from starlette.types import Message, Scope

PATHS = frozenset({"/graphql", "/auth/token"})
_HEADER = b"cache-control"


def applies(scope: Scope) -> bool:
    return scope.get("path") in PATHS


def no_store(start: Message) -> Message:
    """An `http.response.start` message with Cache-Control: no-store in place of any other."""
    headers = [(name, value) for name, value in start.get("headers", ()) if name.lower() != _HEADER]
    return {**start, "headers": [*headers, (_HEADER, b"no-store")]}
