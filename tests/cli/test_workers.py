"""`serve --workers N`: every worker listens on a socket of its own (SO_REUSEPORT), so the kernel
spreads keep-alive connections over them; a worker that dies is started again.

With one socket shared by the workers (uvicorn's --workers), the worker that happens to be awake
accepts the next connection, and keep-alive clients piled onto one worker (bench/worker_spread.py;
docs/operations.md, "Workers").
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psutil

from tests.processes import free_port, wait_until_answering

WORKERS = 2
CLIENTS = 32  # all on one worker by chance: 2 ** -31 with the kernel's hash


@contextmanager
def serving(database_url: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOKS_")}
    env["HOKS_DATABASE_URL"] = database_url
    command = [
        sys.executable,
        "-m",
        "hoks_gateway.cli",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
    ]
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(server, f"http://127.0.0.1:{port}/healthz", log, 120)
        yield server, port
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0, log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def listening(server: subprocess.Popen[bytes], port: int) -> dict[int, int]:
    """Worker PID -> the inode of the socket it listens on `port` with."""
    found = {}
    for process in psutil.Process(server.pid).children(recursive=True):
        try:
            for connection in process.net_connections("tcp"):
                if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
                    found[process.pid] = os.stat(f"/proc/{process.pid}/fd/{connection.fd}").st_ino
        except (psutil.Error, FileNotFoundError):
            continue
    return found


def until_workers_listen(server: subprocess.Popen[bytes], port: int, log: Path) -> dict[int, int]:
    deadline = time.monotonic() + 120
    while len(found := listening(server, port)) < WORKERS:
        assert time.monotonic() < deadline and server.poll() is None, log.read_text()
        time.sleep(0.1)
    return found


def established(pid: int, port: int) -> int:
    connections = psutil.Process(pid).net_connections("tcp")
    return sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port for c in connections)


def test_workers_listen_on_sockets_of_their_own_share_connections_and_are_restarted(
    database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with serving(database_url, log) as (server, port):
        workers = until_workers_listen(server, port, log)
        assert len(set(workers.values())) == WORKERS, "the workers share one listening socket"
        with ExitStack() as stack:
            for _ in range(CLIENTS):
                client = stack.enter_context(
                    httpx.Client(base_url=f"http://127.0.0.1:{port}", limits=httpx.Limits(max_connections=1))
                )
                assert client.get("/healthz").status_code == 200  # stays open: keep-alive
            spread = {pid: established(pid, port) for pid in workers}
        assert sum(spread.values()) == CLIENTS and min(spread.values()) > 0, spread

        killed = next(iter(workers))
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 120
        while killed in (now := listening(server, port)) or len(now) < WORKERS:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
