"""Start an ASGI app under uvicorn on loopback in a child process, and stop it again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx


@contextmanager
def uvicorn_process(
    app: str, port: int, env: Mapping[str, str], *, workers: int = 1, factory: bool = False
) -> Iterator[str]:
    """The base URL of `app` ("module:attribute") served on 127.0.0.1:`port`."""
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    if factory:
        command.append("--factory")
    process = subprocess.Popen(command, env={**os.environ, **env})  # noqa: S603 (our own interpreter)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{app} did not start on port {port}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
