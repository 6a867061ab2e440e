"""Start a server for a benchmark in a child process, wait until it answers, and stop it again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx


@dataclass(frozen=True)
class Served:
    base: str
    """http://127.0.0.1:port"""
    pid: int
    """The child's process id (for py-spy): uvicorn's with one worker, its supervisor with more."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _http_200(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def serving(
    command: Sequence[str],
    port: int,
    env: Mapping[str, str],
    *,
    ready: Callable[[str], bool] | None = None,
    log: Path | None = None,
    cwd: Path | None = None,
    start_timeout_s: float = 60,
) -> Iterator[Served]:
    """Run `command` (which listens on 127.0.0.1:`port`) until the block ends.

    `ready(base)` says when it serves (default: GET /healthz answers 200). Its output goes to `log`
    (default: inherited), so that a failed start can be read there.
    """
    is_ready = ready or (lambda base: _http_200(f"{base}/healthz"))
    out: IO[bytes] | None = log.open("ab") if log is not None else None
    process = subprocess.Popen(  # noqa: S603 (our own commands)
        list(command),
        env={**os.environ, **env},
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
        cwd=cwd,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while not is_ready(base):
            if process.poll() is not None or time.monotonic() > deadline:
                where = f"; see {log}" if log is not None else ""
                raise RuntimeError(f"{command[0]} did not start on port {port}{where}")
            time.sleep(0.2)
        yield Served(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if out is not None:
            out.close()


def uvicorn_command(
    app: str, port: int, *, workers: int = 1, factory: bool = False, python: str = sys.executable
) -> list[str]:
    """`app` ("module:attribute") under uvicorn on loopback, by the given interpreter."""
    command = [python, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    if factory:
        command.append("--factory")
    return command


@contextmanager
def uvicorn_process(
    app: str, port: int, env: Mapping[str, str], *, workers: int = 1, factory: bool = False
) -> Iterator[str]:
    """The base URL of `app` ("module:attribute") served on 127.0.0.1:`port`."""
    with serving(uvicorn_command(app, port, workers=workers, factory=factory), port, env) as served:
        yield served.base
