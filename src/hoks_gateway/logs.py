"""Log lines in one format from every process of the gateway: text, or JSON (HOKS_LOG_FORMAT).

The command line and each `serve --workers N` worker configure logging here before anything is
logged, and uvicorn is told to leave logging alone (no log config of its own, its access log off:
access_log.py writes ours). uvicorn's lines, the gateway's own and the access log then all pass
through the root logger's one handler. Before, a worker process configured nothing: the gateway's
warnings there came out bare, unlike a single process's.

JSON lines come from python-json-logger: one object per line, `time` (ISO 8601, UTC), `level`,
`logger`, `pid`, `message`, and whatever a line adds (the access log's request id, principal kind,
operation, status, duration); a traceback is `exc_info`. What is logged never holds names, learner
OIDs, documents or tokens: the access log leaves query strings out, and errors are logged masked
(graphql/masking.py).
"""

from __future__ import annotations

import logging.config
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS

LogFormat = Literal["text", "json"]

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER = "hoks_gateway"
"""The name of the one handler `configure` gives the root logger."""
_JSON_FIELDS = "%(levelname)s %(name)s %(process)d %(message)s"
_JSON_NAMES = {"levelname": "level", "name": "logger", "process": "pid"}


def configure(log_format: LogFormat, level: str) -> None:
    """The root logger's one handler (standard error) in `log_format`, at `level`."""
    logging.config.dictConfig(_config(log_format, level.upper()))


def _config(log_format: LogFormat, level: str) -> dict[str, Any]:
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": _JSON_FIELDS,
            "rename_fields": _JSON_NAMES,
            "timestamp": "time",
            # uvicorn repeats its message with terminal colour codes: not for a log store.
            "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
        }
        if log_format == "json"
        else {"format": TEXT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"gateway": formatter},
        "handlers": {
            HANDLER: {"class": "logging.StreamHandler", "formatter": "gateway", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": [HANDLER], "level": level},
        "loggers": {
            # uvicorn's own loggers: no handlers of their own, so their lines take the root's.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # Alembic narrates every connection at INFO; the CLI prints its own one-line outcome.
            "alembic": {"level": "WARNING"},
        },
    }
