"""What one request did, as the metrics label it: its GraphQL operation and the error codes it
answered with. Filled by the layers that know (the executor, the HTTP answers), read by the
pipeline when the request ends.

A context variable, as db/metrics.py's per-request counters: loader tasks and the executor run
in contexts copied from the request's, so they all reach the same record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

from graphql import OperationDefinitionNode, SelectionSetNode
from graphql.execution.collect_fields import FragmentDetails

from hoks_gateway.graphql.root_fields import root_field_nodes

NONE = "none"
SEVERAL = "several"
"""The root field label of an operation that selects more than one root field: one label per
combination would let a client create metric series at will."""


@dataclass(slots=True)
class RequestRecord:
    operation: str = NONE
    """query, mutation or subscription; `none` when the request was refused before execution."""
    root_field: str = NONE
    codes: list[str] = field(default_factory=list)


current: ContextVar[RequestRecord | None] = ContextVar("hoks_request_record", default=None)


def operation(node: OperationDefinitionNode, fragments: Mapping[str, FragmentDetails]) -> None:
    """The operation the current request executes (its kind and root field), if it is recorded."""
    record = current.get()
    if record is None:
        return
    record.operation = node.operation.value
    names = {field.name.value for field in root_field_nodes(node.selection_set, _selections(fragments))}
    record.root_field = names.pop() if len(names) == 1 else SEVERAL if names else NONE


def errors(codes: Iterable[str | None]) -> None:
    """The error codes the current request is answered with, if it is recorded."""
    record = current.get()
    if record is not None:
        record.codes.extend(code for code in codes if code)


def _selections(fragments: Mapping[str, FragmentDetails]) -> Callable[[str], SelectionSetNode | None]:
    def selection_set(name: str) -> SelectionSetNode | None:
        details = fragments.get(name)
        return None if details is None else details.definition.selection_set

    return selection_set
