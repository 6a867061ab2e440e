"""The access log: one line per HTTP request, written by the pipeline once it is answered.

It says what operators correlate by: the request id (the one the response's audit events carry),
the principal's kind, the operation as the server names it (`query:hoks,learner`, never the
client's own name for it), the status and the duration; and the method, the path and the client's
address (behind trusted proxies the real client's, client_address.py).

Never the query string: a GraphQL GET carries its variables there (`?variables={"oid": ...}`),
and learner OIDs and search terms would end up in the log. uvicorn's own access log, which writes
the full path, is off (cli.py, workers.py).
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import Scope

from hoks_gateway.observability.requests import RequestRecord

ACCESS_LOGGER = "hoks_gateway.access"
log = logging.getLogger(ACCESS_LOGGER)
_LINE = (
    '%(client)s "%(method)s %(path)s" %(status)s %(duration_ms)s ms request_id=%(request_id)s '
    "principal=%(principal_kind)s operation=%(operation)s"
)


def enabled() -> bool:
    return log.isEnabledFor(logging.INFO)


def request(scope: Scope, status: int, seconds: float, record: RequestRecord | None) -> None:
    state: dict[str, Any] = scope.get("state", {})
    principal = state.get("principal")
    client: Any = scope.get("client")
    fields = {
        "request_id": state.get("request_id"),
        "principal_kind": principal.kind.value if principal is not None else "ANONYMOUS",
        "operation": None if record is None else record.operation_id,
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "method": scope.get("method"),
        "path": scope.get("path"),
        "client": str(client[0]) if client else None,
    }
    # Made and handled as Logger.info would (the pipeline asked `enabled()` first), less its walk
    # up the stack for the caller's file and line, which no format of ours shows (logs.py).
    log.handle(log.makeRecord(ACCESS_LOGGER, logging.INFO, __file__, 0, _LINE, (fields,), None, extra=fields))
