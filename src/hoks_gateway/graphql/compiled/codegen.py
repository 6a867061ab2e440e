"""Projectors: a pure selection compiled to one Python function (docs/performance.md).

Most of a plan is value objects: parts of the stored document whose fields are attributes or
plain functions of the part, nested a few levels deep. For such a selection (every field an
attribute, a synchronous resolver, `__typename`, an edge whose value a process-wide cache holds
(organisations), or an object or list of objects whose selection is pure too) the plan is turned
into the source of one function that builds the response dict in a single pass: no loop over
fields, no dispatch on strategies, scalars coerced inline.

The function is optimistic. Anything unusual (a null where the type says non-null, a value the
scalar refuses, a resolver that raises, a value that is not a list where a list is due) raises,
and the caller then completes that object the exact way (graphql/compiled/run.py), which gives
graphql-core's errors and null propagation. A projector never decides an error itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLBoolean, GraphQLID, GraphQLInt, GraphQLObjectType, GraphQLString
from graphql.execution.values import VariableValues
from graphql.pyutils import Undefined
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from hoks_gateway.graphql.compiled.plan import (
    Completion,
    FieldPlan,
    ObjectPlan,
    Operation,
    Staged,
    Strategy,
    object_plan,
)
from hoks_gateway.graphql.edges import NOT_KEPT, Loaded

Projector = Callable[[Any, Any], dict[str, Any]]
"""(source, run) -> the object's response dict; raises when the exact path must decide."""

_MAX_INT = 2**31


class _Unusual(Exception):
    """The projector met something only the exact completion may answer."""


def child_plan(operation: Operation, variables: VariableValues, field: FieldPlan) -> ObjectPlan | None:
    """The plan of a pure object field's values (one object type, no abstract types)."""
    completion = field.completion
    while completion.list_of is not None:
        completion = completion.list_of
    if not isinstance(completion.composite, GraphQLObjectType):
        return None
    runtime = completion.composite
    plan = field.children.get(runtime.name)
    if plan is None:
        plan = field.children[runtime.name] = object_plan(operation, variables, runtime, field.details)
    return plan


def projector(operation: Operation, variables: VariableValues, plan: ObjectPlan) -> Projector | None:
    """The plan's projector, made once; None when the selection is not pure."""
    if plan.projector is not None or plan.impure:
        return plan.projector
    made = _Writer(operation, variables).function(plan)
    if made is None:
        plan.impure = True
    else:
        plan.projector = made
    return made


def stager(operation: Operation, variables: VariableValues, plan: ObjectPlan) -> Staged | None:
    """An impure plan's pure part as one function and the plan of the rest, made once; None when
    no field of it is pure."""
    if plan.staged is not None or plan.unstaged:
        return plan.staged
    writer = _Writer(operation, variables)
    rest: list[FieldPlan] = []
    made = writer.function(plan, rest)
    if made is None or len(rest) == len(plan.fields):
        plan.unstaged = True
        return None
    plan.staged = Staged(made, ObjectPlan(plan.type, rest, plan.keys))
    return plan.staged


class _Writer:
    def __init__(self, operation: Operation, variables: VariableValues) -> None:
        self.operation = operation
        self.variables = variables
        self.names: dict[str, Any] = {"UNDEFINED": Undefined, "Unusual": _Unusual}
        self.lines: list[str] = []

    def _name(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.names)}"
        self.names[name] = value
        return name

    def function(self, plan: ObjectPlan, rest: list[FieldPlan] | None = None) -> Projector | None:
        """The plan's projector; with `rest`, a stage: the fields it cannot project are appended
        to `rest` and left as None in the dict (every key is there, in the selection's order)."""
        body = self._object(plan, "source", "out", 1, rest)
        if body is None:
            return None
        source = "def project(source, run):\n" + "\n".join(body) + "\n    return out\n"
        namespace = dict(self.names)
        exec(compile(source, f"<projector {plan.type.name}>", "exec"), namespace)  # noqa: S102
        made: Projector = namespace["project"]
        return made

    def _object(
        self, plan: ObjectPlan, source: str, out: str, depth: int, rest: list[FieldPlan] | None = None
    ) -> list[str] | None:
        pad = "    " * depth
        lines = [f"{pad}{out} = {{}}" if rest is None else f"{pad}{out} = dict.fromkeys({plan.keys!r})"]
        if plan.type.is_type_of is not None:
            # strawberry's is_type_of is an isinstance check through the ABC machinery (it reads no
            # resolve info); an instance of exactly the type's own class, not cast to another type
            # with strawberry.cast, passes it without the call.
            check = self._name("is_type_of", plan.type.is_type_of)
            definition = plan.type.extensions.get("strawberry-definition")
            origin = self._name("origin", getattr(definition, "origin", None))
            cast = repr(TYPE_CAST_ATTRIBUTE)
            lines.append(
                f"{pad}if not ({source}.__class__ is {origin} and not hasattr({source}, {cast}))"
                f" and not {check}({source}, None): raise Unusual"
            )
        for field in plan.fields:
            written = self._field(plan, field, source, out, depth)
            if written is not None:
                lines += written
            elif rest is not None:
                rest.append(field)
            else:
                return None
        return lines

    def _field(
        self, plan: ObjectPlan, field: FieldPlan, source: str, out: str, depth: int
    ) -> list[str] | None:
        pad = "    " * depth
        key = repr(field.key)
        if field.strategy is Strategy.TYPENAME:
            return [f"{pad}{out}[{key}] = {plan.type.name!r}"]
        value = f"v{depth}"
        loaded = field.loaded
        if field.strategy is Strategy.ATTRIBUTE:
            lines = [f"{pad}{value} = {source}.{field.python_name}"]
        elif field.strategy is Strategy.DIRECT:
            call = self._name("call", field.call)
            info = f"run.info({self._name('field', field)})" if field.wants_info else "None"
            lines = [f"{pad}{value} = {call}({source}, {info})"]
        elif (
            field.strategy is Strategy.LOADED and loaded is not None and (loaded.peek or loaded.seldom_loads)
        ):
            lines = self._kept(loaded, source, value, depth)
        else:
            return None
        completed = self._value(field, field.completion, value, depth)
        if completed is None:
            return None
        return [*lines, *completed, f"{pad}{out}[{key}] = c{depth}"]

    def _kept(self, loaded: Loaded, source: str, value: str, depth: int) -> list[str]:
        """An edge whose value is at hand (no key, or a process-wide cache holds it): taken without
        its loader; when it would need loading, the exact path loads it."""
        pad, inner = "    " * depth, "    " * (depth + 1)
        key, then, peek = (
            self._name(n, f) for n, f in (("key", loaded.key), ("then", loaded.then), ("peek", loaded.peek))
        )
        self.names["NOT_KEPT"] = NOT_KEPT
        k = f"k{depth}"
        return [
            f"{pad}{k} = {key}({source})",
            f"{pad}if {k} is None: {value} = {then}({source}, None, run.context)",
            f"{pad}else:",
            f"{inner}{value} = {peek}(run.context, {k})" if loaded.peek else f"{inner}{value} = NOT_KEPT",
            f"{inner}if {value} is NOT_KEPT: raise Unusual",
            f"{inner}{value} = {then}({source}, {value}, run.context)",
        ]

    def _value(self, field: FieldPlan, completion: Completion, value: str, depth: int) -> list[str] | None:
        """Lines that leave `value` completed as `completion` in c{depth}."""
        pad = "    " * depth
        result = f"c{depth}"
        null = f"{result} = None" if completion.nullable else "raise Unusual"
        lines = [f"{pad}if {value} is None: {null}", f"{pad}else:"]
        inner = "    " * (depth + 1)
        if completion.leaf is not None:
            lines.append(f"{inner}{result} = {self._leaf(completion, value)}")
            lines.append(f"{inner}if {result} is None or {result} is UNDEFINED: raise Unusual")
            return lines
        if completion.list_of is not None:
            item = completion.list_of
            if item.list_of is not None:
                return None  # lists of lists: the exact path
            lines.append(f"{inner}if {value}.__class__ is not list: raise Unusual")
            if item.leaf is not None:
                coerce = self._name("coerce", item.leaf)
                lines.append(f"{inner}{result} = leaf_list({value}, {coerce}, {item.nullable})")
                self.names["leaf_list"] = _leaf_list
                return lines
            plan = child_plan(self.operation, self.variables, field)
            if plan is None:
                return None
            child = projector(self.operation, self.variables, plan)
            if child is None:
                return None
            project = self._name("project", child)
            none = "None" if item.nullable else "raise_unusual()"
            if not item.nullable:
                self.names["raise_unusual"] = _raise_unusual
            lines.append(f"{inner}{result} = [{none} if x is None else {project}(x, run) for x in {value}]")
            return lines
        plan = child_plan(self.operation, self.variables, field)
        if plan is None:
            return None
        child = projector(self.operation, self.variables, plan)
        if child is None:
            return None
        project = self._name("project", child)
        lines.append(f"{inner}{result} = {project}({value}, run)")
        return lines

    def _leaf(self, completion: Completion, value: str) -> str:
        coerce = self._name("coerce", completion.leaf)
        named = completion.named
        # The built-in scalars give back a value of their own type unchanged: no call for it.
        if named is GraphQLString or named is GraphQLID:
            return f"({value} if {value}.__class__ is str else {coerce}({value}))"
        if named is GraphQLBoolean:
            return f"({value} if {value}.__class__ is bool else {coerce}({value}))"
        if named is GraphQLInt:
            return (
                f"({value} if {value}.__class__ is int and -{_MAX_INT} <= {value} < {_MAX_INT}"
                f" else {coerce}({value}))"
            )
        return f"{coerce}({value})"


def _raise_unusual() -> Any:
    raise _Unusual


def _leaf_list(values: list[Any], coerce: Callable[[Any], Any], nullable: bool) -> list[Any]:
    completed: list[Any] = []
    for value in values:
        if value is None:
            if not nullable:
                raise _Unusual
            completed.append(None)
            continue
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Unusual
        completed.append(coerced)
    return completed
