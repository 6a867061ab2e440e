"""Who the client is, for rate limits and sign-in back-off.

Behind a reverse proxy every request arrives from the proxy's address, so per-address limits
become one bucket shared by every client. X-Forwarded-For says who the proxy served, but anyone
can send it: it is read only from the proxies in HOKS_TRUSTED_PROXIES, and the client is the
rightmost address in it that is not one of them (each proxy appends the address it was connected
from; what a client wrote itself stands to the left). uvicorn's ProxyHeadersMiddleware does
exactly that reading, in front of every other layer, so everything after it sees the client's
address in `scope["client"]`; uvicorn's own handling of the headers (which trusts 127.0.0.1 by
default) is turned off (workers.py, LEFT_TO_THE_GATEWAY) so that only this list decides.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.middleware import Middleware
from starlette.types import Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hoks_gateway.settings import Settings

UNKNOWN = "unknown"
# One IPv6 client commonly holds a whole /64: counting its addresses apart would let it pick a
# fresh one for every request.
_IPV6_PREFIX = 64


def behind_proxies(settings: Settings) -> list[Middleware]:
    """The forwarded-header reading, when trusted proxies are configured (outermost layer)."""
    if not settings.trusted_proxies:
        return []
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)]


def client_address(scope: Scope) -> str:
    """The client's address as limits count it: an IPv4 address, an IPv6 /64, or `unknown` when
    the connection (or a trusted proxy) named no address."""
    client: Any = scope.get("client")
    try:
        address = ipaddress.ip_address(str(client[0])) if client else None
    except ValueError:
        address = None
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, _IPV6_PREFIX), strict=False))
    return str(address)
