"""The root fields an operation selects, through its inline fragments and fragment spreads."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

FragmentSelections = Callable[[str], SelectionSetNode | None]
"""A fragment's selection set by its name (None for an unknown one)."""


def root_field_nodes(selections: SelectionSetNode, fragment: FragmentSelections) -> Iterator[FieldNode]:
    """Every field node at the root of `selections`, each fragment spread followed once."""
    yield from _fields(selections, fragment, set())


def _fields(
    selections: SelectionSetNode, fragment: FragmentSelections, seen: set[str]
) -> Iterator[FieldNode]:
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragment, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            spread = fragment(selection.name.value)
            if spread is not None:
                yield from _fields(spread, fragment, seen)
