"""Shared by the read-graph and report tests: principals and a gateway that answers as them."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from tests.client import bearer, gateway, graphql

ADMIN = Principal(PrincipalKind.ADMIN, "1.2.246.562.24.79405180789")
ANALYST = Principal(PrincipalKind.ANALYST, "1.2.246.562.24.69366181772")
STAFF_OID = "1.2.246.562.24.92634157188"

Ask = Callable[..., Awaitable[dict[str, Any]]]


def staff(*organisations: str, oid: str = STAFF_OID) -> Principal:
    return Principal(PrincipalKind.STAFF, oid, {o: frozenset({Privilege.READ}) for o in organisations})


def learner(oid: str) -> Principal:
    return Principal(PrincipalKind.LEARNER, oid)


@asynccontextmanager
async def asking(database_url: str, data_dir: Path) -> AsyncIterator[Ask]:
    """`ask(principal, query, **variables)` -> the response body (with extensions.metrics).

    Organisations are read every time, so that statement counts do not depend on what earlier
    requests left in the organisation cache (tests/read_graph/test_organisation_cache.py)."""
    async with gateway(
        database_url, data_dir=data_dir, demo=True, debug_metrics=True, organisation_cache_s=0
    ) as client:

        async def ask(principal: Principal, query: str, **variables: Any) -> dict[str, Any]:
            return await graphql(client, query, variables, headers=bearer(data_dir, principal))

        yield ask


def cursor_content(cursor: str) -> bytes:
    """What a client can read out of a cursor: its base64 decoded (cursors were base64 of JSON)."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        return cursor.encode()


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def sql(body: dict[str, Any]) -> int:
    count: int = body["extensions"]["metrics"]["sqlStatements"]
    return count
