"""Error masking: only the gateway's own errors reach clients.

A GatewayError keeps its message and extensions; a GraphQL syntax or validation error is the
client's own and passes through; anything else becomes INTERNAL with an error id, and the full
exception goes to the server log under that id (never to the client).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from graphql import GraphQLError, GraphQLFormattedError

from hoks_gateway.errors import GatewayError

log = logging.getLogger("hoks_gateway.errors")


def masked(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None:
        return error
    if isinstance(original, GatewayError):
        return GraphQLError(
            original.message, nodes=error.nodes, path=error.path, extensions=original.extensions
        )
    error_id = uuid.uuid4().hex
    log.error("unexpected error %s at %s", error_id, error.path, exc_info=original)
    return GraphQLError(
        f"Internal error; quote id {error_id} to the service desk.",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL", "status": 500, "errorId": error_id},
    )


def format_errors(errors: Sequence[GraphQLError]) -> list[GraphQLFormattedError]:
    return [masked(e).formatted for e in errors]
