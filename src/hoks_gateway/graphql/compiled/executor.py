"""The schema's executor: queries run compiled when the request's context asks for it."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from graphql import ExecutionResult, GraphQLError, OperationDefinitionNode, OperationType
from graphql.pyutils import AwaitableOrValue
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hoks_gateway.graphql.compiled.plan import ObjectPlan, Operation, directive_variables, root_plan
from hoks_gateway.graphql.compiled.run import Run
from hoks_gateway.lru import Lru
from hoks_gateway.observability import requests

MAX_PLANS = 256

# Plans depend on the schema, the document and the values of its directive variables only, so
# they are shared by every request (and every app in the process) that sends the same document.
# Keys hold id(operation); each entry keeps its operation alive, so that id is not reused.
_directives: Lru[int, tuple[OperationDefinitionNode, tuple[str, ...]]] = Lru(MAX_PLANS)
_plans: Lru[tuple[int, tuple[Hashable, ...]], tuple[OperationDefinitionNode, Operation, ObjectPlan]] = Lru(
    MAX_PLANS
)


class GatewayExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> AwaitableOrValue[Any]:
        identifier = requests.operation(self.operation, self.fragments)
        if hasattr(self.context_value, "operation_id"):
            # The audit trail's name of what this request does (audit/events.py, Actor).
            self.context_value.operation_id = identifier
            # Known before any read: a read may insert its audit events itself (audit/folded.py).
            trail = getattr(self.context_value, "audit", None)
            if trail is not None and self.operation.name is not None:
                trail.operation = self.operation.name.value
        if self.operation.operation is OperationType.QUERY and getattr(
            self.context_value, "compiled_execution", False
        ):
            return self._execute_compiled()
        return super().execute_operation(serially)

    async def _execute_compiled(self) -> ExecutionResult:
        try:
            operation, plan = self._plan()
            data = await Run(self, operation).execute(plan)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self._response(None)
        return self._response(data)

    def _response(self, data: dict[str, Any] | None) -> ExecutionResult:
        response = self.build_response(data)
        assert isinstance(response, ExecutionResult), "no incremental delivery without @defer"
        return response

    def _plan(self) -> tuple[Operation, ObjectPlan]:
        node = self.operation
        known = _directives.get(id(node))
        if known is None:
            known = (node, directive_variables(node, self.fragments))
            _directives.put(id(node), known)
        coerced = self.variable_values.coerced
        key = (id(node), tuple(coerced.get(name) for name in known[1]))
        found = _plans.get(key)
        if found is None:
            root_type = self.schema.query_type
            assert root_type is not None
            operation = Operation(self.schema, self.fragments, node)
            found = (node, operation, root_plan(operation, self.variable_values, root_type))
            _plans.put(key, found)
        return found[1], found[2]
