"""How much work the spec's field-merging rule has with an operation, counted before it runs.

OverlappingFieldsCanBeMerged (graphql-core's validation) compares every two field selections
that answer the same response key at the same place of the response, and the selections below
them: `{ me { oid } me { oid } … }` with the pair 1,240 times made 1.5 million comparisons,
1.2 s of CPU per request within every other limit (graphql-core stops at its own budget of
500,000 units, which it spends first). Counting the pairs takes one pass over the operation with
its fragments spread in place; the walk of graphql/limits.py has already bounded how many
selections that is (`max_fields`), so this pass is bounded too.

Selections in fragments on other types are counted as if they could merge: graphql-core compares
them too, so the count stays an upper bound of its work.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


class _Key:
    """One response key at one place: how many selections answer it, and what they select."""

    __slots__ = ("below", "selections")

    def __init__(self) -> None:
        self.selections = 0
        self.below: dict[str, _Key] = {}


class _Cycle(Exception):
    pass


def merge_pairs(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> int | None:
    """Pairs of field selections that answer the same response key at the same place; None when
    a fragment spreads itself (NoFragmentCycles refuses the document; spreading it on would
    never end, or take exponentially long)."""
    top: dict[str, _Key] = {}
    try:
        _collect(operation.selection_set, top, fragments, set())
    except _Cycle:
        return None
    return _pairs(top)


def _collect(
    selection_set: SelectionSetNode,
    into: dict[str, _Key],
    fragments: Mapping[str, FragmentDefinitionNode],
    spreading: set[str],
) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            key = into.setdefault((selection.alias or selection.name).value, _Key())
            key.selections += 1
            if selection.selection_set is not None:
                _collect(selection.selection_set, key.below, fragments, spreading)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, into, fragments, spreading)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if name in spreading:
                raise _Cycle(name)
            if fragment is not None:  # an unknown one is the standard rules' to report
                spreading.add(name)
                _collect(fragment.selection_set, into, fragments, spreading)
                spreading.discard(name)


def _pairs(keys: dict[str, _Key]) -> int:
    total = 0
    stack = list(keys.values())
    while stack:
        key = stack.pop()
        total += key.selections * (key.selections - 1) // 2
        stack.extend(key.below.values())
    return total
