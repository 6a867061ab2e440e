"""Error masking: only the gateway's own errors reach clients.

A GatewayError keeps its message and extensions; a GraphQL syntax or validation error is the
client's own and passes through with a code; a database outage becomes DATABASE_UNAVAILABLE;
anything else becomes INTERNAL with an error id, and the full exception goes to the server log
under that id (never to the client).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence

from graphql import GraphQLError, GraphQLFormattedError, GraphQLSyntaxError

from hoks_gateway.db.faults import database_fault
from hoks_gateway.errors import GatewayError

log = logging.getLogger("hoks_gateway.errors")

# graphql-core appends hints such as "Did you mean 'hoks'?"; they let a caller rebuild the schema
# without introspection (clairvoyance), so production strips them.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def internal_error(original: BaseException, where: object = None) -> GatewayError:
    """Log `original` under a fresh id; the client gets the id only."""
    error_id = uuid.uuid4().hex
    log.error("unexpected error %s at %s", error_id, where, exc_info=original)
    return GatewayError(f"Internal error; quote id {error_id} to the service desk.", errorId=error_id)


def client_error(original: BaseException, where: object = None) -> GatewayError:
    """What the client may learn about an exception that is not a GatewayError."""
    if isinstance(original, GatewayError):
        return original
    fault = database_fault(original)
    if fault is not None:
        log.warning("database fault at %s: %r", where, original)
        return fault
    return internal_error(original, where)


def request_error(error: GatewayError) -> GraphQLError:
    """A refusal made before execution, as the GraphQL error that carries its code."""
    return GraphQLError(error.message, extensions=error.extensions)


def masked(error: GraphQLError, *, suggestions: bool = True) -> GraphQLError:
    original = error.original_error
    # Variable coercion wraps graphql-core's own GraphQLError (e.g. an unknown input field): that
    # is the client's input too, not a fault of ours.
    coercion = isinstance(original, GraphQLError)
    if original is None or (coercion and error.path is None):
        if error.extensions and "code" in error.extensions:
            return error
        # The client's own document or variables: parse, validation or coercion failed.
        if coercion:
            code = "BAD_USER_INPUT"
        elif isinstance(error, GraphQLSyntaxError):
            code = "GRAPHQL_PARSE_FAILED"
        else:
            code = "GRAPHQL_VALIDATION_FAILED"
        message = error.message if suggestions else _SUGGESTION.sub("", error.message)
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": code, "status": 400},
        )
    gateway_error = client_error(original, error.path)
    return GraphQLError(
        gateway_error.message, nodes=error.nodes, path=error.path, extensions=gateway_error.extensions
    )


def format_errors(errors: Sequence[GraphQLError], *, suggestions: bool = True) -> list[GraphQLFormattedError]:
    return [masked(e, suggestions=suggestions).formatted for e in errors]
