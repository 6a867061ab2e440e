"""Input no field can take, refused with BAD_USER_INPUT before any resolver runs.

- A NUL character (U+0000) in any string: in a variable (JSON scalars and object keys included)
  or in a literal of the document. PostgreSQL's text and jsonb cannot hold it, so a NUL passed to
  the database failed the request with an internal error, after other resolvers had run.
- An operation name longer than the audit trail records (`audit_events.operation`): the read's
  audit insert failed after the resolvers had run, and the data was withheld with a 500.

One extension for both, in the validation step after the abuse limits (graphql/schema.py): a
document refused by those is not walked again here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from graphql import DocumentNode, StringValueNode, Visitor, visit
from sqlalchemy import String
from strawberry.extensions import SchemaExtension

from hoks_gateway.db.tables import AuditEvent
from hoks_gateway.errors import BadUserInput
from hoks_gateway.graphql.masking import request_error

NUL = "\x00"
_OPERATION_COLUMN = AuditEvent.__table__.c.operation.type
assert isinstance(_OPERATION_COLUMN, String) and _OPERATION_COLUMN.length is not None
MAX_OPERATION_NAME: int = _OPERATION_COLUMN.length
_MESSAGE = "contains a NUL character (U+0000), which no field takes: remove it."


def _may_hold_nul(value: Any) -> bool:
    """False when `value` surely holds no NUL: its JSON has no `\\u0000` (orjson escapes every
    NUL so, in keys too). A 10 KiB document is encoded far faster than it is walked; a value that
    is not JSON (it cannot be, from a request) is walked."""
    try:
        return b"\\u0000" in orjson.dumps(value)
    except TypeError:
        return True


def _nul_path(value: Any, path: str) -> str | None:
    """Where in a JSON value a NUL is (`$d.osaamisen-hankkimistavat[0]`), or None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if NUL in str(key):
                return f"{path} (a key)"
            found = _nul_path(item, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


class _NulLiteral(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: StringValueNode | None = None

    def enter_string_value(self, node: StringValueNode, *_: Any) -> object:
        if NUL in node.value:
            self.found = node
            return self.BREAK
        return None


_NUL_ESCAPE = b"\\u0000"


def body_may_hold_nul(body: bytes) -> bool:
    """False when no value decoded from the JSON text `body` can hold a NUL: JSON spells U+0000
    only as the escape `\\u0000` (a raw control character is refused by the decoder), so a body
    without one needs no variable encoded again to look (a bulk import's is a megabyte)."""
    return _NUL_ESCAPE in body


def problems(
    document: DocumentNode,
    query: str,
    variables: Mapping[str, Any],
    operation_name: str | None,
    *,
    variables_may_hold_nul: bool = True,
) -> list[BadUserInput]:
    """What the request sends that no field takes, each as the error that says what to fix.
    `variables_may_hold_nul` False (body_may_hold_nul of the body they came from) skips their
    NUL check."""
    found: list[BadUserInput] = []
    if operation_name is not None and len(operation_name) > MAX_OPERATION_NAME:
        found.append(
            BadUserInput(
                f"The operation name is {len(operation_name)} characters long; the audit trail "
                f"records at most {MAX_OPERATION_NAME}: shorten it."
            )
        )
    for name, value in variables.items() if variables_may_hold_nul else ():
        where = _nul_path(value, f"${name}") if _may_hold_nul(value) else None
        if where is not None:
            found.append(BadUserInput(f"The variable {where} {_MESSAGE}"))
    # A literal holds a NUL only by an escape (the lexer refuses a raw one): most texts have none.
    if "\\u" in query:
        literal = _NulLiteral()
        visit(document, literal)
        if literal.found is not None and literal.found.loc is not None:
            line = query.count("\n", 0, literal.found.loc.start) + 1
            found.append(BadUserInput(f"The string on line {line} of the document {_MESSAGE}"))
    return found


class InputChecks(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            errors = problems(document, context.query or "", context.variables or {}, context.operation_name)
            if errors:
                context.pre_execution_errors = [request_error(e) for e in errors]
        yield
