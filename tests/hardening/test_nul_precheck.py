"""The NUL check looks for a NUL only in variables whose JSON shows one (graphql/input_checks.py):
that shortcut must never let a NUL through that the walk over the value would find. Nor must the
one before it, over the request body the variables were decoded from (graphql/direct.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hoks_gateway.graphql.input_checks import _may_hold_nul, _nul_path, body_may_hold_nul

# Strings that hold NULs, escapes that look like one, and the rest of the BMP and beyond.
_TEXT = st.text(alphabet=st.sampled_from(["\x00", "\\", "u", "0", "a", "ä", "\n", "\U0001f600"]))
_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_a_value_the_walk_finds_a_nul_in_is_always_walked(value: Any) -> None:
    if _nul_path(value, "$v") is not None:
        assert _may_hold_nul(value)


def _bodies(value: Any) -> list[bytes]:
    """The request bodies a client may send for `value` that the gateway decodes (orjson refuses
    integers beyond 64 bits and json's `Infinity`): each spelling a common encoder gives."""
    request = {"query": "query($v: JSON) { me { kind } }", "variables": {"v": value}}
    spellings: list[Callable[[], bytes]] = [
        lambda: orjson.dumps(request),
        lambda: json.dumps(request).encode(),
        lambda: json.dumps(request, ensure_ascii=False).encode(),
        lambda: json.dumps(request, indent=1).encode(),
    ]
    bodies = []
    for spelled in spellings:
        try:
            body = spelled()
            orjson.loads(body)
        except (TypeError, orjson.JSONDecodeError):
            continue
        bodies.append(body)
    return bodies


@given(_JSON)
def test_a_body_that_decodes_to_a_nul_is_always_checked(value: Any) -> None:
    for body in _bodies(value):
        decoded = orjson.loads(body)["variables"]["v"]
        if _nul_path(decoded, "$v") is not None:
            assert body_may_hold_nul(body)


def test_a_body_holds_a_nul_only_as_the_escape() -> None:
    assert body_may_hold_nul(b'{"variables": {"v": "a\\u0000"}}')
    assert not body_may_hold_nul(b'{"variables": {"v": "a\\u0001"}}')
    for raw in (b'{"v": "a\x00"}', b'{"a\x00": 1}', b'{"v": "\\U0000"}'):
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(raw)
