"""The gateway as an operator starts it, for benchmarks: `hoks-gateway serve --demo` on a seeded
database, and bearer tokens minted with `hoks-gateway token` from the same data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bench.server import Served, free_port, serving

CLI = Path(sys.executable).with_name("hoks-gateway")
ADMIN_OID = "1.2.246.562.24.79405180789"


@contextmanager
def gateway(
    database_url: str,
    data_dir: Path,
    log: Path,
    *,
    workers: int = 1,
    debug_metrics: bool = False,
    python_path: Path | None = None,
    settings: Mapping[str, str] | None = None,
    cli: Path = CLI,
) -> Iterator[Served]:
    """The gateway on a free loopback port: demo mode (the demo signing key under `data_dir`; a
    seeded database is not seeded again), the per-principal rate limit off so that it measures
    reads alone. `python_path` is put in front of the interpreter's path (e.g. uvloop and
    httptools, which uvicorn then picks up by itself); `settings` are more HOKS_ variables; `cli`
    another checkout's `hoks-gateway` (to compare with)."""
    port = free_port()
    env = {
        "HOKS_DATABASE_URL": database_url,
        "HOKS_DATA_DIR": str(data_dir),
        "HOKS_RATE_LIMIT_REQUESTS": "0",
        "HOKS_DEBUG_METRICS": "1" if debug_metrics else "0",
        **(settings or {}),
    }
    if python_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(python_path), os.environ.get("PYTHONPATH")]))
    command = [str(cli), "serve", "--demo", "--port", str(port), "--workers", str(workers)]
    with serving(command, port, env, log=log) as served:
        yield served


def mint_token(data_dir: Path, kind: str = "ADMIN", oid: str = ADMIN_OID) -> str:
    """A bearer token the gateway serving from `data_dir` accepts (`hoks-gateway token`)."""
    done = subprocess.run(  # noqa: S603 (our own CLI)
        [str(CLI), "token", "--kind", kind, "--oid", oid],
        env={**os.environ, "HOKS_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
