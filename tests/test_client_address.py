"""The client address that rate limits and sign-in back-off count (client_address.py)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from hoks_gateway.client_address import client_address


def _app_scope(host: str | None) -> dict[str, object]:
    return {"type": "http", "client": None if host is None else (host, 1234), "app": Starlette()}


@pytest.mark.parametrize(
    ("host", "counted_as"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        # One IPv6 client commonly holds a /64: its addresses count together.
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::2", "2001:db8:1:2::/64"),
        ("not-an-address", "unknown"),
        (None, "unknown"),
    ],
)
def test_client_addresses_as_limits_count_them(host: str | None, counted_as: str) -> None:
    assert client_address(_app_scope(host)) == counted_as
