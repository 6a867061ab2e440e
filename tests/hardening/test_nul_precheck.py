"""The NUL check looks for a NUL only in variables whose JSON shows one (graphql/input_checks.py):
that shortcut must never let a NUL through that the walk over the value would find."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hoks_gateway.graphql.input_checks import _may_hold_nul, _nul_path

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
