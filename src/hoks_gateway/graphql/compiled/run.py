"""Running plans level by level, with graphql-core's value completion and null propagation."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import strawberry
from aiodataloader import DataLoader
from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, located_error
from graphql.execution.executor import Executor, invalid_return_type_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, inspect, is_iterable
from strawberry.types.field import StrawberryField

from hoks_gateway.graphql.compiled.codegen import projector, stager
from hoks_gateway.graphql.compiled.plan import (
    Completion,
    FieldPlan,
    ObjectPlan,
    Operation,
    Strategy,
    object_plan,
)
from hoks_gateway.graphql.compiled.shared import SharedAnswers
from hoks_gateway.graphql.edges import NOT_KEPT


@dataclass(slots=True, eq=False)
class Position:
    """A place in the response that holds an object or a list, and how it can be nulled."""

    data: Any
    """The object's dict, or the list."""
    parent: Position | None
    container: Any
    """The dict or list that holds `data` (None for the response's root)."""
    slot: Any
    nullable: bool
    path: Path | None
    nulled: bool = False


Work = tuple[ObjectPlan, Any, Position]


class Run:
    """One execution of a plan for one request."""

    def __init__(self, executor: Executor[Any], operation: Operation) -> None:
        self.executor = executor
        self.operation = operation
        self.context = executor.context_value
        self.errors = executor.collected_errors
        self.raw_infos: dict[FieldPlan, GraphQLResolveInfo[Any]] = {}
        self.infos: dict[FieldPlan, strawberry.Info] = {}
        self.arguments: dict[FieldPlan, dict[str, Any]] = {}
        self.next: list[Work] = []
        self.nulled_any = False
        self.error_count = 0
        self.shared: SharedAnswers | None = getattr(self.context, "shared_answers", None)

    async def execute(self, root: ObjectPlan) -> dict[str, Any] | None:
        top = Position(dict.fromkeys(root.keys), None, None, None, False, None)
        level: list[Work] = [(root, self.executor.root_value, top)]
        while level:
            self.next = []
            await self._level(level)
            level = self.next
        return None if top.nulled else top.data

    # --- a level: every object at one depth ---------------------------------------------------

    async def _level(self, level: list[Work]) -> None:
        loads: dict[DataLoader[Any, Any], dict[Hashable, None]] = {}
        waiting_loads: list[
            tuple[FieldPlan, Any, Position, DataLoader[Any, Any], Hashable, Hashable | None]
        ] = []
        waiting_calls: list[tuple[FieldPlan, Position, Any]] = []
        context = self.context
        for plan, source, position in level:
            if self.nulled_any and _under_nulled(position):
                continue
            data = position.data
            for field in plan.fields:
                try:
                    strategy = field.strategy
                    if strategy is Strategy.ATTRIBUTE:
                        value = getattr(source, field.python_name)
                        leaf = field.completion.leaf
                        # A present scalar is the common case by far: completed right here.
                        if (
                            leaf is not None
                            and value is not None
                            and (coerced := leaf(value)) is not None
                            and coerced is not Undefined
                        ):
                            data[field.key] = coerced
                        else:
                            self._complete(field, field.completion, value, data, field.key, position)
                    elif strategy is Strategy.TYPENAME:
                        data[field.key] = plan.type.name
                    elif strategy is Strategy.DIRECT:
                        assert field.call is not None
                        value = field.call(source, self.info(field) if field.wants_info else None)
                        self._complete(field, field.completion, value, data, field.key, position)
                    elif strategy is Strategy.LOADED:
                        loaded = field.loaded
                        assert loaded is not None
                        key = loaded.key(source)
                        kept = NOT_KEPT if key is None or loaded.peek is None else loaded.peek(context, key)
                        if key is None or kept is not NOT_KEPT:
                            value = loaded.then(source, None if key is None else kept, context)
                            self._complete(field, field.completion, value, data, field.key, position)
                        else:
                            shared_key = self._shared_key(field, source)
                            if shared_key is not None:
                                assert self.shared is not None
                                hit = self.shared.get(shared_key, self._now())
                                if hit is not None:
                                    data[field.key] = hit
                                    continue
                            loader = loaded.loader(context)
                            loads.setdefault(loader, {})[key] = None
                            waiting_loads.append((field, source, position, loader, key, shared_key))
                    else:
                        result = self._call(field, source, position)
                        if self.executor.is_awaitable(result):
                            waiting_calls.append((field, position, result))
                        else:
                            self._complete(field, field.completion, result, data, field.key, position)
                except Exception as error:
                    self._field_error(field, position, error)
        if not (waiting_loads or waiting_calls):
            return
        # Every key of every loader at once: each loader dispatches one batch for the level.
        futures = {(loader, key): loader.load(key) for loader, keys in loads.items() for key in keys}
        calls = (
            await asyncio.gather(*(call for _, _, call in waiting_calls), return_exceptions=True)
            if waiting_calls
            else []
        )
        by_key: dict[tuple[DataLoader[Any, Any], Hashable], Any] = {}
        for key, future in futures.items():
            # One after another: they were all dispatched together, so this only collects them.
            try:
                by_key[key] = await future
            except Exception as error:  # the batch failed: a field error for each of its fields
                by_key[key] = error
        for outcome in calls:
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome  # cancellation and the like are not field errors
        for field, source, position, loader, key, shared_key in waiting_loads:
            try:
                found = by_key[(loader, key)]
                if isinstance(found, Exception):
                    raise found
                loaded = field.loaded
                assert loaded is not None
                value = loaded.then(source, found, context)
                marks = (self.error_count, len(self.next))
                organisations = context.organisations
                if shared_key is not None and organisations is not None:
                    organisations.watch()
                self._complete(field, field.completion, value, position.data, field.key, position)
                # Kept only when whole: nothing failed or was left for a later level.
                if shared_key is not None and (self.error_count, len(self.next)) == marks:
                    assert self.shared is not None
                    until = math.inf if organisations is None else organisations.watched_until
                    position.data[field.key] = self.shared.put(shared_key, position.data[field.key], until)
            except Exception as error:
                self._field_error(field, position, error)
        for (field, position, _), outcome in zip(waiting_calls, calls, strict=True):
            try:
                if isinstance(outcome, Exception):
                    raise outcome
                self._complete(field, field.completion, outcome, position.data, field.key, position)
            except Exception as error:
                self._field_error(field, position, error)

    def _shared_key(self, field: FieldPlan, source: Any) -> Hashable | None:
        """The key of the field's value in the shared answers, when this request may answer it
        from them and keep it there: the field's plan (its selection), the value's identity, the
        day."""
        loaded = field.loaded
        if self.shared is None or loaded is None or loaded.shared is None:
            return None
        identity = loaded.shared(source, self.context)
        return None if identity is None else (field, identity, self.context.today)

    def _now(self) -> float:
        """The instant shared answers age against: the organisation cache's, whose entries they
        may name."""
        organisations = self.context.organisations
        return 0.0 if organisations is None else organisations.now()

    def _call(self, field: FieldPlan, source: Any, position: Position) -> Any:
        """A resolver as graphql-core calls it: resolve info and coerced arguments; a CALLED one
        with strawberry's Info, after its checks, as strawberry would call it."""
        executor = self.executor
        arguments = self.arguments.get(field)
        if arguments is None:
            arguments = (
                get_argument_values(
                    field.definition,
                    field.details[0].node,
                    executor.variable_values,
                    field.details[0].fragment_variable_values,
                    executor.hide_suggestions,
                )
                if field.has_arguments
                else {}
            )
            self.arguments[field] = arguments
        if field.strategy is Strategy.CALLED:
            assert field.call is not None
            # A root field: the one resolve info per field has its path.
            called_info = self.info(field)
            for check in field.checks:
                check.check(called_info)
            given = {python: arguments[name] for name, python in field.arguments if name in arguments}
            return field.call(source, called_info, **given)
        path = Path(position.path, field.key, field.parent_type.name)
        info = executor.build_resolve_info(field.definition, field.nodes, field.parent_type, path)
        resolve = field.call or executor.field_resolver
        return resolve(source, info, **arguments)

    def raw_info(self, field: FieldPlan) -> GraphQLResolveInfo[Any]:
        """One resolve info per field and request: resolvers read its context, never its path."""
        raw = self.raw_infos.get(field)
        if raw is None:
            path = Path(None, field.key, field.parent_type.name)
            raw = self.executor.build_resolve_info(field.definition, field.nodes, field.parent_type, path)
            self.raw_infos[field] = raw
        return raw

    def info(self, field: FieldPlan) -> strawberry.Info:
        info = self.infos.get(field)
        if info is None:
            definition = field.definition.extensions["strawberry-definition"]
            assert isinstance(definition, StrawberryField), "only strawberry's resolvers are called directly"
            info = strawberry.Info(_raw_info=self.raw_info(field), _field=definition)
            self.infos[field] = info
        return info

    # --- completion ---------------------------------------------------------------------------

    def _complete(
        self,
        field: FieldPlan,
        completion: Completion,
        value: Any,
        container: Any,
        slot: Any,
        position: Position,
    ) -> None:
        """Put `value` completed as `completion` into container[slot]; raise for a field error."""
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            if not completion.nullable:
                raise TypeError(
                    f"Cannot return null for non-nullable field {field.parent_type.name}.{field.name}."
                )
            container[slot] = None
            return
        if completion.leaf is not None:
            coerced = completion.leaf(value)
            if coerced is None or coerced is Undefined:
                raise TypeError(
                    f"Expected `{inspect(completion.named)}.coerce_output_value({inspect(value)})`"
                    f" to return non-nullable value, returned: {inspect(coerced)}"
                )
            container[slot] = coerced
            return
        path = self._path(field, position, container, slot)
        if completion.list_of is not None:
            self._complete_list(field, completion, value, container, slot, position, path)
            return
        runtime = self._runtime_type(field, completion, value)
        plan = field.children.get(runtime.name)
        if plan is None:
            plan = object_plan(self.operation, self.executor.variable_values, runtime, field.details)
            field.children[runtime.name] = plan
        variables = self.executor.variable_values
        project = projector(self.operation, variables, plan)
        if project is not None:
            try:
                container[slot] = project(value, self)
                return
            except Exception:  # noqa: S110 - anything unusual: the exact completion below decides
                pass
        elif (staged := stager(self.operation, variables, plan)) is not None:
            try:
                data = staged.stage(value, self)
            except Exception:  # anything unusual: the exact completion below decides
                data = None
            if data is not None:
                child = Position(data, position, container, slot, completion.nullable, path)
                container[slot] = data
                self.next.append((staged.rest, value, child))
                return
        child = Position(dict.fromkeys(plan.keys), position, container, slot, completion.nullable, path)
        container[slot] = child.data
        self.next.append((plan, value, child))

    def _complete_list(
        self,
        field: FieldPlan,
        completion: Completion,
        value: Any,
        container: Any,
        slot: Any,
        position: Position,
        path: Path,
    ) -> None:
        if not is_iterable(value):
            raise GraphQLError(
                f"Expected Iterable, but did not find one for field '{field.parent_type.name}.{field.name}'."
            )
        items = list(value)
        completed: list[Any] = [None] * len(items)
        container[slot] = completed
        holder = Position(completed, position, container, slot, completion.nullable, path)
        item_completion = completion.list_of
        assert item_completion is not None
        for index, item in enumerate(items):
            try:
                self._complete(field, item_completion, item, completed, index, holder)
            except Exception as error:
                item_path = Path(path, index, None)
                located = located_error(error, field.nodes, item_path.as_list())
                if item_completion.nullable:
                    completed[index] = None
                    self._error(located, item_path)
                else:
                    self._error(located, self._null(holder))

    def _runtime_type(self, field: FieldPlan, completion: Completion, value: Any) -> GraphQLObjectType:
        composite = completion.composite
        if isinstance(composite, GraphQLObjectType):
            runtime = composite
        else:
            assert composite is not None
            info = self.raw_info(field)
            resolve = composite.resolve_type or self.executor.type_resolver
            name = resolve(value, info, composite)
            runtime = self.executor.ensure_valid_runtime_type(name, composite, field.details, info, value)
        if runtime.is_type_of is not None and not runtime.is_type_of(value, self.raw_info(field)):
            raise invalid_return_type_error(runtime, value, field.details)
        return runtime

    # --- errors -------------------------------------------------------------------------------

    @staticmethod
    def _path(field: FieldPlan, position: Position, container: Any, slot: Any) -> Path:
        if container is position.data and isinstance(container, dict):
            return Path(position.path, slot, field.parent_type.name)
        return Path(position.path, slot, None)

    def _field_error(self, field: FieldPlan, position: Position, error: Exception) -> None:
        path = Path(position.path, field.key, field.parent_type.name)
        located = located_error(error, field.nodes, path.as_list())
        if field.completion.nullable:
            position.data[field.key] = None
            self._error(located, path)
        else:
            self._error(located, self._null(position))

    def _error(self, error: GraphQLError, path: Path | None) -> None:
        self.error_count += 1
        self.errors.add(error, path)

    def _null(self, position: Position) -> Path | None:
        """Null `position` and, while it may not be null, the positions around it; return the
        path of the place that finally holds the null (None: the whole response)."""
        self.nulled_any = True
        current: Position | None = position
        while current is not None:
            current.nulled = True
            if current.container is None:
                return None
            current.container[current.slot] = None
            if current.nullable:
                return current.path
            current = current.parent
        return None  # pragma: no cover - the root has no container


def _under_nulled(position: Position) -> bool:
    current: Position | None = position
    while current is not None:
        if current.nulled:
            return True
        current = current.parent
    return False
