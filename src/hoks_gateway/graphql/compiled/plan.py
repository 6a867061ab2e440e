"""Plans: per object type and selection, every field with how it gets and completes its value.

A plan is built from graphql-core's own field collection (fragments, aliases, merging, `@skip`
and `@include` under the request's variables), once per operation and per value of the variables
those directives read; nested plans are built the first time a value of their type is completed.
"""

from __future__ import annotations

import datetime as dt
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
from strawberry import ID
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryMaybe, StrawberryOptional
from strawberry.types.field import StrawberryField

from hoks_gateway.graphql.checks import CallerCheck
from hoks_gateway.graphql.edges import LOADED, Loaded


class Strategy(IntEnum):
    TYPENAME = 0
    ATTRIBUTE = 1
    """A strawberry field without a resolver: the source's attribute."""
    DIRECT = 2
    """A synchronous resolver without arguments or extensions: called directly."""
    LOADED = 3
    """An edge through a DataLoader (graphql/edges.py): one batch per level for all its keys."""
    CALLED = 4
    """A root query field's resolver with arguments that strawberry would pass as graphql-core
    coerced them (scalars), whose extensions only check the caller (graphql/checks.py): the
    checks, then the resolver, called directly."""
    GENERIC = 5
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
    """DIRECT: fn(source, info); CALLED: fn(source, info, **arguments); GENERIC: the graphql-core
    resolve function."""
    wants_info: bool = False
    checks: tuple[CallerCheck, ...] = ()
    """CALLED: the field's extensions, each checking the caller before the resolver runs."""
    arguments: tuple[tuple[str, str], ...] = ()
    """CALLED: (GraphQL name, Python name) of each argument."""
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
    return _resolver_call(definition)


def _resolver_call(definition: StrawberryField) -> tuple[Callable[..., Any], bool] | None:
    """(fn(source, info, **arguments), whether it reads info): the resolver called as strawberry
    calls it, its reserved parameters (self, root, parent, info) filled in; None for generators."""
    resolver = definition.base_resolver
    assert resolver is not None
    function = cast(Callable[..., Any], resolver.wrapped_func)
    if inspect.isasyncgenfunction(function) or inspect.isgeneratorfunction(function):
        return None
    as_self = resolver.self_parameter is not None
    root_names = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def call(source: Any, info: Any, **arguments: Any) -> Any:
        kwargs = dict.fromkeys(root_names, source)
        if info_name is not None:
            kwargs[info_name] = info
        if arguments:
            kwargs.update(arguments)
        return function(source, **kwargs) if as_self else function(**kwargs)

    return call, info_name is not None


# Argument types strawberry passes on as graphql-core coerced them (strawberry/types/arguments.py,
# `convert_argument`: a leaf that is not an enum or a relay GlobalID is returned as it is).
_PASSED_AS_COERCED = frozenset({str, int, float, bool, ID, dt.date, dt.datetime})


def _called(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, definition: GraphQLField, field: StrawberryField
) -> tuple[Callable[..., Any], tuple[CallerCheck, ...], tuple[tuple[str, str], ...]] | None:
    """A root query field's resolver to call directly (Strategy.CALLED), with its checks and its
    arguments' names; None when strawberry would do more than pass the coerced arguments on."""
    if parent_type is not schema.query_type or field.base_resolver is None:
        return None
    if not all(isinstance(extension, CallerCheck) for extension in field.extensions):
        return None
    names: list[tuple[str, str]] = []
    for graphql_name, argument in definition.args.items():
        strawberry_argument = argument.extensions.get("strawberry-definition")
        if not isinstance(strawberry_argument, StrawberryArgument):
            return None
        argument_type = strawberry_argument.type
        if isinstance(argument_type, StrawberryOptional) and not isinstance(argument_type, StrawberryMaybe):
            argument_type = argument_type.of_type
        if argument_type not in _PASSED_AS_COERCED:
            return None
        names.append((graphql_name, strawberry_argument.python_name))
    made = _resolver_call(field)
    if made is None:
        return None
    checks = tuple(cast(CallerCheck, extension) for extension in field.extensions)
    return made[0], checks, tuple(names)


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
    if not isinstance(strawberry_field, StrawberryField):
        plan.call = definition.resolve
        return plan
    if plan.has_arguments:
        called = _called(schema, parent_type, definition, strawberry_field)
        if called is None:
            plan.call = definition.resolve
        else:
            plan.strategy = Strategy.CALLED
            plan.call, plan.checks, plan.arguments = called
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
