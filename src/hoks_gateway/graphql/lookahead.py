"""What a field's selection asks for below it, read from the operation before anything is loaded.

A view read (hoks/plan_view.py, learners/learner_view.py) reads every level a root field's
selection reaches in one statement instead of one loader batch per level; to read only those
levels it asks here which fields the selection holds at a path below the field. The answer
follows graphql-core's field collection: fragments and inline fragments whose type condition the
object meets, and `@skip`/`@include` under the request's variables (a field left out by a
directive is not asked for, so nothing is read, or audited, for it).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    VariableNode,
    is_abstract_type,
)
from graphql.execution.values import VariableValues

from hoks_gateway.lru import Lru

MAX_KEPT = 512
"""Answers kept per process: a few per document and path."""

_kept: Lru[tuple[Hashable, ...], tuple[Any, Any]] = Lru(MAX_KEPT)


def _key(info: GraphQLResolveInfo[Any], *what: Hashable) -> tuple[Hashable, ...]:
    """An answer depends on the field's nodes (of a parsed document the document caches keep),
    and, through @skip/@include, on the Boolean variables; the key holds ids, so the answer is
    kept with the nodes and operation it was made for, and only taken for those same objects."""
    given: Any = info.variable_values
    variables: Mapping[str, Any] = given.coerced if isinstance(given, VariableValues) else given
    flags = tuple(sorted((name, value) for name, value in variables.items() if isinstance(value, bool)))
    return (id(info.operation), *(id(node) for node in info.field_nodes), flags, *what)


def _remembered(info: GraphQLResolveInfo[Any], key: tuple[Hashable, ...]) -> Any:
    found = _kept.get(key)
    if found is None:
        return None
    made_for, answer = found
    # An id is only unique among living objects: the answer must be for these very objects.
    operation, nodes = made_for
    if operation is not info.operation or any(
        a is not b for a, b in zip(nodes, info.field_nodes, strict=True)
    ):
        return None
    return answer


def selected(info: GraphQLResolveInfo[Any], *path: str) -> frozenset[str]:
    """The names of the fields the current field's selection holds at `path` (field names, not
    aliases; nothing when some step of the path is not selected or not an object type)."""
    key = _key(info, "selected", *path)
    answer = _remembered(info, key)
    if answer is None:
        answer = _selected(info, path)
        _kept.put(key, ((info.operation, list(info.field_nodes)), answer))
    return answer  # type: ignore[no-any-return]


def _selected(info: GraphQLResolveInfo[Any], path: tuple[str, ...]) -> frozenset[str]:
    schema, fragments, variables = info.schema, info.fragments, info.variable_values
    object_type = _object_type(info.return_type)
    nodes: list[FieldNode] = list(info.field_nodes)
    for step in path:
        if object_type is None:
            return frozenset()
        nodes = [f for f in _fields(schema, fragments, variables, object_type, nodes) if f.name.value == step]
        if not nodes:
            return frozenset()
        object_type = _object_type(object_type.fields[step].type)
    if object_type is None:
        return frozenset()
    return frozenset(f.name.value for f in _fields(schema, fragments, variables, object_type, nodes))


def one_root_field(info: GraphQLResolveInfo[Any]) -> bool:
    """Whether the operation selects one root field only (`__typename` aside), under which the
    current field is: then the current field's reads are all the personal data the request
    reads of its learner, and may write their audit events themselves (audit/folded.py)."""
    key = _key(info, "one root field")
    answer = _remembered(info, key)
    if answer is None:
        answer = _one_root_field(info)
        _kept.put(key, ((info.operation, list(info.field_nodes)), answer))
    return answer  # type: ignore[no-any-return]


def _one_root_field(info: GraphQLResolveInfo[Any]) -> bool:
    root = info.schema.query_type
    if root is None or info.operation.operation is not OperationType.QUERY:
        return False
    keys = {
        (f.alias or f.name).value
        for f in _collect(
            info.schema,
            info.fragments,
            info.variable_values,
            root,
            info.operation.selection_set.selections,
            set(),
        )
        if f.name.value != "__typename"
    }
    return len(keys) == 1


def _object_type(t: GraphQLOutputType) -> GraphQLObjectType | None:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t if isinstance(t, GraphQLObjectType) else None


def _fields(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Any,
    object_type: GraphQLObjectType,
    parents: Iterable[FieldNode],
) -> Iterator[FieldNode]:
    seen: set[str] = set()
    for parent in parents:
        if parent.selection_set is not None:
            yield from _collect(
                schema, fragments, variables, object_type, parent.selection_set.selections, seen
            )


def _collect(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Any,
    object_type: GraphQLObjectType,
    selections: Iterable[object],
    seen: set[str],
) -> Iterator[FieldNode]:
    for selection in selections:
        if isinstance(selection, FieldNode):
            if _included(selection, variables):
                yield selection
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if _included(selection, variables) and (
                condition is None or _applies(schema, condition.name.value, object_type)
            ):
                yield from _collect(
                    schema, fragments, variables, object_type, selection.selection_set.selections, seen
                )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if name in seen or fragment is None or not _included(selection, variables):
                continue
            seen.add(name)
            if _applies(schema, fragment.type_condition.name.value, object_type):
                yield from _collect(
                    schema, fragments, variables, object_type, fragment.selection_set.selections, seen
                )


def _included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, variables: Any) -> bool:
    """`@skip` and `@include` as graphql-core applies them (validation has made `if` a Boolean)."""
    for directive in node.directives or ():
        name = directive.name.value
        if name in ("skip", "include"):
            flag = _if(directive, getattr(variables, "coerced", variables))
            if flag is (name == "skip"):
                return False
    return True


def _if(directive: DirectiveNode, variables: Mapping[str, Any]) -> bool | None:
    for argument in directive.arguments or ():
        if argument.name.value == "if":
            value = argument.value
            if isinstance(value, VariableNode):
                found = variables.get(value.name.value)
                return found if isinstance(found, bool) else None
            if isinstance(value, BooleanValueNode):
                return value.value
    return None


def _applies(schema: GraphQLSchema, condition: str, object_type: GraphQLObjectType) -> bool:
    if condition == object_type.name:
        return True
    named = schema.get_type(condition)
    return named is not None and is_abstract_type(named) and schema.is_sub_type(named, object_type)
