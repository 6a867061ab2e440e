"""The HTTP access log without query strings.

A GraphQL GET carries its variables in the query string (`?variables={"oid": ...}`), and uvicorn's
access log writes the full path: learner OIDs and search terms would end up in the log.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class WithoutQueryString(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn logs (client, method, full path, HTTP version, status).
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            path = args[2].split("?", 1)[0] + "?…"
            record.args = (*args[:2], path, *args[3:])
        return True


def install() -> None:
    """Idempotent: every worker process calls it once its app starts."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, WithoutQueryString) for f in logger.filters):
        logger.addFilter(WithoutQueryString())
