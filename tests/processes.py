"""Real server processes for the tests that need a socket: a free port and waiting until up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_answering(server: subprocess.Popen[bytes], url: str, log: Path, timeout_s: float) -> None:
    """Poll `url` until it answers 200; fail with the server's log if it dies or times out."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert server.poll() is None, log.read_text()
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


@contextmanager
def demo_server(
    data_dir: Path, log: Path, *options: str, stop: signal.Signals = signal.SIGINT, timeout_s: float = 180
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`hoks-gateway serve --demo` as `make run` starts it (embedded PostgreSQL under `data_dir`,
    no HOKS_* from the test environment); yields (base URL, process) once /readyz answers, then
    stops it with `stop` and requires a clean exit."""
    environment = {"HOKS_DATA_DIR": str(data_dir)}
    with gateway_serving(log, environment, "--demo", *options, stop=stop, timeout_s=timeout_s) as served:
        yield served


@contextmanager
def gateway_serving(
    log: Path,
    environment: dict[str, str],
    *options: str,
    stop: signal.Signals = signal.SIGINT,
    timeout_s: float = 120,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`hoks-gateway serve` with `environment` over the test's (its HOKS_* left out) on a free port;
    yields (base URL, process) once /readyz answers, then stops it with `stop` and requires a
    clean exit."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKS_")} | environment
    command = [sys.executable, "-m", "hoks_gateway.cli", "serve", "--port", str(port), *options]
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(server, f"{base}/readyz", log, timeout_s)
        yield base, server
        server.send_signal(stop)
        assert server.wait(timeout=60) == 0, log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
