"""What one request did, as the metrics and the access log label it: its GraphQL operation and
the error codes it answered with. Filled by the layers that know (the executor, the HTTP answers), read by the
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
    operation_id: str | None = None
    """The server's identifier of the operation (`operation()`); None before execution."""
    codes: list[str] = field(default_factory=list)


current: ContextVar[RequestRecord | None] = ContextVar("hoks_request_record", default=None)


def operation(node: OperationDefinitionNode, fragments: Mapping[str, FragmentDetails]) -> str:
    """The server's own identifier of the operation the current request executes: its kind and
    the root fields it touches, sorted (`query:hoks,learner`). Audit events and the access log
    carry it beside the name the client chose, which says nothing the client could not make up
    (`query restoreHoks` may read anything). Recorded with its kind and root field label when
    the request is recorded."""
    kind = node.operation.value
    fields = root_field_nodes(node.selection_set, _selections(fragments))
    names = sorted({field.name.value for field in fields})
    identifier = f"{kind}:{','.join(names)}"
    record = current.get()
    if record is not None:
        record.operation = kind
        record.root_field = names[0] if len(names) == 1 else SEVERAL if names else NONE
        record.operation_id = identifier
    return identifier


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
