"""Plans: per object type and selection, every field with how it gets and completes its value.

A plan is built from graphql-core's own field collection (fragments, aliases, merging, `@skip`
and `@include` under the request's variables), once per operation and per value of the variables
those directives read; nested plans are built the first time a value of their type is completed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, cast

from graphql import (
    DirectiveNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    GroupedFieldSet,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues
from graphql.type.introspection import TypeNameMetaFieldDef
from strawberry.types.field import StrawberryField

from hoks_gateway.graphql.edges import LOADED, Loaded


class Strategy(IntEnum):
    TYPENAME = 0
    ATTRIBUTE = 1
    """A strawberry field without a resolver: the source's attribute."""
    DIRECT = 2
    """A synchronous resolver without arguments or extensions: called directly."""
    LOADED = 3
    """An edge through a DataLoader (graphql/edges.py): one batch per level for all its keys."""
    GENERIC = 4
    """Anything else: strawberry's resolver with a full resolve info, as graphql-core calls it."""


@dataclass(slots=True, eq=False)
class Completion:
    """How a field's value becomes response data: the layers of its GraphQL type."""

    nullable: bool
    list_of: Completion | None = None
    leaf: Callable[[Any], Any] | None = None
    """Scalar or enum: the type's output coercion."""
    named: Any = None
    """The scalar or enum type itself (error messages name it)."""
    composite: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType | None = None


@dataclass(slots=True, eq=False)
class FieldPlan:
    key: str
    name: str
    parent_type: GraphQLObjectType
    definition: GraphQLField
    details: list[FieldDetails]
    strategy: Strategy
    completion: Completion
    python_name: str = ""
    call: Callable[..., Any] | None = None
    """DIRECT: fn(source, info); GENERIC: the graphql-core resolve function."""
    wants_info: bool = False
    loaded: Loaded | None = None
    children: dict[str, ObjectPlan] = field(default_factory=dict)
    """Plans of the object values this field returns, by runtime type name."""

    @property
    def nodes(self) -> list[FieldNode]:
        return [d.node for d in self.details]

    @property
    def has_arguments(self) -> bool:
        return bool(self.definition.args or self.details[0].node.arguments)


@dataclass(slots=True, eq=False)
class ObjectPlan:
    type: GraphQLObjectType
    fields: list[FieldPlan]
    keys: tuple[str, ...]
    projector: Callable[[Any, Any], dict[str, Any]] | None = None
    """The selection as one function, when it is pure (graphql/compiled/codegen.py)."""
    impure: bool = False
    """Known to have no projector: some field needs a loader or strawberry's resolver."""
    staged: Staged | None = None
    """An impure selection's pure part as one function, and the rest (graphql/compiled/codegen.py)."""
    unstaged: bool = False
    """Known to have no pure part worth a function."""


@dataclass(frozen=True, slots=True)
class Staged:
    """An impure selection split in two: `stage(source, run)` makes the object's response dict with
    every key, the pure fields filled in; `rest` holds the fields left for the level loop."""

    stage: Callable[[Any, Any], dict[str, Any]]
    rest: ObjectPlan


@dataclass(frozen=True, slots=True)
class Operation:
    """What plans are built from: one operation of a parsed document."""

    schema: GraphQLSchema
    fragments: dict[str, FragmentDetails]
    operation: OperationDefinitionNode


def directive_variables(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]
) -> tuple[str, ...]:
    """The variables that `@skip`/`@include` read: they change which fields a plan has."""
    found: set[str] = set()

    class Directives(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            if node.name.value in ("skip", "include"):
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        found.add(argument.value.name.value)

    visit(operation, Directives())
    for details in fragments.values():
        visit(details.definition, Directives())
    return tuple(sorted(found))


def completion_of(return_type: GraphQLOutputType) -> Completion:
    nullable = True
    if isinstance(return_type, GraphQLNonNull):
        nullable, return_type = False, return_type.of_type
    if isinstance(return_type, GraphQLList):
        return Completion(nullable, list_of=completion_of(return_type.of_type))
    if isinstance(return_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
        return Completion(nullable, composite=return_type)
    coerce = return_type.coerce_output_value
    assert coerce is not None, f"{return_type} has no output coercion"
    if isinstance(return_type, GraphQLEnumType):
        coerce = _remembered(coerce)
    return Completion(nullable, leaf=coerce, named=return_type)


def _remembered(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An enum's output coercion, remembered per value: strawberry's searches the enum's values
    one by one, for every value of every response. Its answer for a value never changes."""
    known: dict[Any, Any] = {}

    def coerced(value: Any) -> Any:
        try:
            return known[value]
        except KeyError:
            name = known[value] = coerce(value)
            return name
        except TypeError:  # not hashable: not one of the enum's values, nothing to remember
            return coerce(value)

    return coerced


def _direct_call(definition: StrawberryField) -> tuple[Callable[..., Any], bool] | None:
    """(fn(source, info), whether it reads info) for a plain synchronous resolver, else None."""
    resolver = definition.base_resolver
    if resolver is None or resolver.is_async or definition.extensions or definition.arguments:
        return None
    function = cast(Callable[..., Any], resolver.wrapped_func)
    if inspect.isasyncgenfunction(function) or inspect.isgeneratorfunction(function):
        return None
    as_self = resolver.self_parameter is not None
    root_names = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def call(source: Any, info: Any) -> Any:
        kwargs = dict.fromkeys(root_names, source)
        if info_name is not None:
            kwargs[info_name] = info
        return function(source, **kwargs) if as_self else function(**kwargs)

    return call, info_name is not None


def field_plan(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, key: str, details: list[FieldDetails]
) -> FieldPlan | None:
    name = details[0].node.name.value
    if name == "__typename":
        return FieldPlan(
            key, name, parent_type, TypeNameMetaFieldDef, details, Strategy.TYPENAME, Completion(False)
        )
    definition = schema.get_field(parent_type, name)
    if definition is None:
        return None  # as graphql-core: an unknown field is left out
    plan = FieldPlan(
        key, name, parent_type, definition, details, Strategy.GENERIC, completion_of(definition.type)
    )
    strawberry_field = definition.extensions.get("strawberry-definition")
    if not isinstance(strawberry_field, StrawberryField) or plan.has_arguments:
        plan.call = definition.resolve
        return plan
    plan.python_name = strawberry_field.python_name
    loaded = strawberry_field.metadata.get(LOADED)
    if isinstance(loaded, Loaded) and not strawberry_field.extensions:
        plan.strategy, plan.loaded = Strategy.LOADED, loaded
    elif strawberry_field.is_basic_field:
        plan.strategy = Strategy.ATTRIBUTE
    elif (direct := _direct_call(strawberry_field)) is not None:
        plan.strategy = Strategy.DIRECT
        plan.call, plan.wants_info = direct
    else:
        plan.call = definition.resolve
    return plan


def object_plan(
    operation: Operation,
    variables: VariableValues,
    object_type: GraphQLObjectType,
    details: list[FieldDetails],
) -> ObjectPlan:
    """The plan of `object_type` selected by the field(s) `details`."""
    collected = collect_subfields(
        operation.schema, operation.fragments, variables, operation.operation, object_type, details
    )
    return _plan_of(operation.schema, object_type, collected.grouped_field_set)


def root_plan(operation: Operation, variables: VariableValues, root_type: GraphQLObjectType) -> ObjectPlan:
    collected = collect_fields(
        operation.schema, operation.fragments, variables, root_type, operation.operation
    )
    return _plan_of(operation.schema, root_type, collected.grouped_field_set)


def _plan_of(schema: GraphQLSchema, object_type: GraphQLObjectType, fields: GroupedFieldSet) -> ObjectPlan:
    plans = [
        plan
        for key, group in fields.items()
        if (plan := field_plan(schema, object_type, key, list(group))) is not None
    ]
    return ObjectPlan(object_type, plans, tuple(f.key for f in plans))
